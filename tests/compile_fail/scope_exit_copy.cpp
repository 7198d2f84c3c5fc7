// SPDX-License-Identifier: BSL-1.0
// Must not compile: scope_exit is not copyable (TS: the copy constructor is deleted).
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: (use of deleted function|call to implicitly-deleted copy constructor of).*scope_exit
#include <lifecycle/scope.hpp>

#include <utility>

void scope_exit_copy() {
    lifecycle::scope_exit a{[] {}};
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    auto b = a; // error: copy constructor deleted
#else
    auto b = std::move(a);
#endif
}
