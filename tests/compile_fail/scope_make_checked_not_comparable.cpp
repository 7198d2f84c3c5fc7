// SPDX-License-Identifier: BSL-1.0
// Must not compile: make_unique_resource_checked needs `resource == invalid`
// (TS Mandates); a static_assert names the problem.
// With -DLIFECYCLE_COMPILE_FAIL_CONTROL the missing operator== is declared.
// expected-error: resource == invalid. must be well-formed
#include <lifecycle/scope.hpp>

namespace {
struct handle {
    int value = 0;
};
#ifdef LIFECYCLE_COMPILE_FAIL_CONTROL
bool operator==(const handle& a, const handle& b) noexcept { return a.value == b.value; }
#endif
struct deleter {
    void operator()(const handle&) const noexcept {}
};
} // namespace

void scope_make_checked_not_comparable() {
    auto r = lifecycle::make_unique_resource_checked(handle{1}, handle{0}, deleter{}); // error without operator==
    (void)r;
}
