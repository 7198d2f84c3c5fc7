// SPDX-License-Identifier: BSL-1.0
// Must not compile: a guard holding a reference to its exit function cannot be
// constructed from an rvalue (TS constraint: is_constructible_v<EF, EFP> is false).
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: no matching (function for call to|constructor for initialization of).*scope_fail<.*action ?&
#include <lifecycle/scope.hpp>

namespace {
struct action {
    void operator()() const noexcept {}
};
} // namespace

void scope_fail_rvalue_reference() {
    action f;
    (void)f;
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    lifecycle::scope_fail<action&> g{action{}}; // error: no matching constructor
#else
    lifecycle::scope_fail<action&> g{f};
#endif
}
