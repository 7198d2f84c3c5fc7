// SPDX-License-Identifier: BSL-1.0
// Must not compile: defer_guard can be neither moved nor copied.
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: (use of deleted function|call to deleted constructor of).*defer_guard
#include <lifecycle/scope.hpp>

#include <utility>

namespace {
struct action {
    void operator()() const noexcept {}
};
} // namespace

void scope_defer_guard_move() {
    lifecycle::defer_guard a{action{}};
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    lifecycle::defer_guard<action> b{std::move(a)}; // error: no move constructor
#else
    lifecycle::defer_guard<action> b{action{}};
#endif
}
