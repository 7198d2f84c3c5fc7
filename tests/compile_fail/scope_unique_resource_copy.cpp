// SPDX-License-Identifier: BSL-1.0
// Must not compile: unique_resource is not copyable (TS: the copy constructor is deleted).
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: (use of deleted function|call to deleted constructor of).*unique_resource
#include <lifecycle/scope.hpp>

#include <utility>

namespace {
struct deleter {
    void operator()(int) const noexcept {}
};
} // namespace

void scope_unique_resource_copy() {
    lifecycle::unique_resource<int, deleter> a{1, deleter{}};
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    lifecycle::unique_resource<int, deleter> b{a}; // error: copy constructor deleted
#else
    lifecycle::unique_resource<int, deleter> b{std::move(a)};
#endif
    (void)b;
}
