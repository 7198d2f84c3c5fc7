// SPDX-License-Identifier: BSL-1.0
// Must not compile: scope_success(f) value-initializes the condition, and a
// condition of pointer type would then be a null pointer, called at scope exit
// (a crash). As in Boost.Scope, a pointer condition must be passed; a
// static_assert names the problem.
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the condition is passed.
// expected-error: a condition of pointer type must be passed
#include <lifecycle/scope.hpp>

namespace {
struct action {
    void operator()() const noexcept {}
};
bool failed() noexcept { return false; }
} // namespace

void scope_success_null_condition() {
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    lifecycle::scope_success<action, bool (*)()> g{action{}}; // error: the condition would be null
#else
    lifecycle::scope_success<action, bool (*)()> g{action{}, &failed};
#endif
}
