// SPDX-License-Identifier: BSL-1.0
// Must not compile: scope_success is not copyable (TS: the copy constructor is deleted).
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the offending line is replaced by valid code.
// expected-error: (use of deleted function|call to implicitly-deleted copy constructor of).*scope_success
#include <lifecycle/scope.hpp>

#include <utility>

namespace {
struct action {
    void operator()() const noexcept {}
};
} // namespace

void scope_success_copy() {
    lifecycle::scope_success a{action{}};
#ifndef LIFECYCLE_COMPILE_FAIL_CONTROL
    lifecycle::scope_success<action> b{a}; // error: copy constructor deleted
#else
    lifecycle::scope_success<action> b{std::move(a)};
#endif
}
