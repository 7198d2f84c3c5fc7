// SPDX-License-Identifier: BSL-1.0
// Must not compile: the resource can be built from this rvalue only by a
// conversion that may throw, and not from the lvalue, so a failure would lose
// the argument (TS constraint: is_nothrow_constructible_v<R1, RR> ||
// is_constructible_v<R1, RR&>).
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: no matching (function for call to|constructor for initialization of).*unique_resource<.*handle
#include <lifecycle/scope.hpp>

namespace {
struct source {};
struct handle {
    handle() = default;
    handle(source&&) {} // may throw; there is no handle(source&)
    handle(const handle&) = default;
};
struct deleter {
    void operator()(const handle&) const noexcept {}
};
} // namespace

void scope_unique_resource_rvalue_throwing() {
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    lifecycle::unique_resource<handle, deleter> r{source{}, deleter{}}; // error: no matching constructor
#else
    lifecycle::unique_resource<handle, deleter> r{handle{source{}}, deleter{}};
#endif
    (void)r;
}
