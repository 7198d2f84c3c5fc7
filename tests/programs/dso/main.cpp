// SPDX-License-Identifier: BSL-1.0
// One registry per process: a resource created in one shared object is seen
// by a leak scope in another, and by the executable.
#include <lifecycle/tracked.hpp>
#include <lifecycle/detail/registry_core.hpp> // detail::instance(), not shown by tracked.hpp in compiled mode

#include <cstdio>

lifecycle::tracked_fd* dso_a_open();
const void* dso_a_registry();
std::size_t dso_b_leaks_since_start();
const void* dso_b_registry();

int main() {
    (void)dso_b_leaks_since_start(); // b's scope begins here
    lifecycle::leak_scope mine{"main", lifecycle::leak_policy::ignore};
    lifecycle::tracked_fd* fd = dso_a_open();
    const bool same = dso_a_registry() == dso_b_registry() && dso_a_registry() == &lifecycle::detail::instance();
    std::printf("one registry: %s\n", same ? "yes" : "no");
    std::printf("b sees %zu, main sees %zu\n", dso_b_leaks_since_start(), mine.check().count());
    delete fd;
    std::printf("after close: b sees %zu, main sees %zu\n", dso_b_leaks_since_start(), mine.check().count());
}
