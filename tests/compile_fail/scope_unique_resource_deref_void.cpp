// SPDX-License-Identifier: BSL-1.0
// Must not compile: operator* is constrained to pointers to non-void types (TS).
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: (no match for .*operator\*|indirection requires pointer operand).*unique_resource<void ?\*
#include <lifecycle/scope.hpp>

namespace {
void release(void*) noexcept {}
} // namespace

void scope_unique_resource_deref_void() {
    static int storage = 0;
    lifecycle::unique_resource<void*, void (*)(void*) noexcept> r{&storage, &release};
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    (void)*r; // error: no operator* for void*
#else
    (void)r.get();
#endif
}
