// SPDX-License-Identifier: BSL-1.0
// Built with -fvisibility=hidden into liblifecycle_dso_b.so.
#include <lifecycle/tracked.hpp>
#include <lifecycle/detail/registry_core.hpp> // detail::instance(), not shown by tracked.hpp in compiled mode

#include <cstdio>

__attribute__((visibility("default"))) std::size_t dso_b_leaks_since_start() {
    static lifecycle::leak_scope* scope = new lifecycle::leak_scope{"b", lifecycle::leak_policy::ignore};
    return scope->check().count();
}
__attribute__((visibility("default"))) const void* dso_b_registry() { return &lifecycle::detail::instance(); }
