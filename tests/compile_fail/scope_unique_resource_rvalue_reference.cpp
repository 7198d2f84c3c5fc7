// SPDX-License-Identifier: BSL-1.0
// Must not compile: a unique_resource<T&, D> cannot be constructed from an
// rvalue (TS constraint: is_constructible_v<reference_wrapper<T>, RR> is false).
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: no matching (function for call to|constructor for initialization of).*unique_resource<int ?&
#include <lifecycle/scope.hpp>

namespace {
struct deleter {
    void operator()(int&) const noexcept {}
};
} // namespace

void scope_unique_resource_rvalue_reference() {
    int object = 42;
    (void)object;
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    lifecycle::unique_resource<int&, deleter> r{42, deleter{}}; // error: no matching constructor
#else
    lifecycle::unique_resource<int&, deleter> r{object, deleter{}};
#endif
    (void)r;
}
