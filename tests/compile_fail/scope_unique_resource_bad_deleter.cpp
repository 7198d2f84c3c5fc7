// SPDX-License-Identifier: BSL-1.0
// Must not compile: the deleter cannot be called with the resource (TS
// requirement: d(r) is well-formed); a static_assert names the problem.
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: the deleter must be callable as d\(r\)
#include <lifecycle/scope.hpp>

namespace {
struct text_deleter {
    void operator()(const char*) const noexcept {}
};
} // namespace

void scope_unique_resource_bad_deleter() {
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    lifecycle::unique_resource<int, text_deleter> r; // error: text_deleter cannot release an int
#else
    lifecycle::unique_resource<const char*, text_deleter> r;
#endif
    (void)r;
}
