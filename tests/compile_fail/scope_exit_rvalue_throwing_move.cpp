// SPDX-License-Identifier: BSL-1.0
// Must not compile: this exit function can only be taken from the rvalue by a
// move that may throw, and it cannot be copied, so the TS's "otherwise
// initialize from f" is ill-formed; a static_assert names the problem.
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the move is noexcept.
// expected-error: can only be taken by a move that may throw
#include <lifecycle/scope.hpp>

namespace {
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
constexpr bool noexcept_move = false;
#else
constexpr bool noexcept_move = true;
#endif
struct move_only_action {
    move_only_action() = default;
    move_only_action(const move_only_action&) = delete;
    move_only_action(move_only_action&&) noexcept(noexcept_move) {}
    void operator()() const noexcept {}
};
} // namespace

void scope_exit_rvalue_throwing_move() {
    lifecycle::scope_exit g{move_only_action{}}; // error when the move may throw
}
