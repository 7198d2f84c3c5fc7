// SPDX-License-Identifier: BSL-1.0
// Must not compile: scope guards are not assignable, not even by move (TS:
// operator=(scope_exit&&) is deleted).
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: (use of deleted function.*scope_exit.*operator=|scope_exit.*cannot be assigned)
#include <lifecycle/scope.hpp>

#include <utility>

namespace {
struct action {
    void operator()() const noexcept {}
};
} // namespace

void scope_exit_move_assign() {
    lifecycle::scope_exit a{action{}};
    lifecycle::scope_exit b{action{}};
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    a = std::move(b); // error: move assignment deleted
#else
    lifecycle::scope_exit c{std::move(b)};
#endif
}
