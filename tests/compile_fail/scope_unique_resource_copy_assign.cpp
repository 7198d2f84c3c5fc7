// SPDX-License-Identifier: BSL-1.0
// Must not compile: unique_resource is not copy-assignable (TS: deleted).
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: (use of deleted function.*operator=|selected deleted operator '=')
#include <lifecycle/scope.hpp>

#include <utility>

namespace {
struct deleter {
    void operator()(int) const noexcept {}
};
} // namespace

void scope_unique_resource_copy_assign() {
    lifecycle::unique_resource<int, deleter> a{1, deleter{}};
    lifecycle::unique_resource<int, deleter> b{2, deleter{}};
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    b = a; // error: copy assignment deleted
#else
    b = std::move(a);
#endif
}
