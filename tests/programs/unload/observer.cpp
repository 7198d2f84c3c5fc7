// SPDX-License-Identifier: BSL-1.0
// A second plugin: a scope opened here must see the handles that another
// plugin creates (tests/programs/plugins_only.cpp).
#include <lifecycle/tracked.hpp>

extern "C" __attribute__((visibility("default"))) void* observer_begin() {
    return new lifecycle::leak_scope{"observer", lifecycle::leak_policy::ignore};
}
extern "C" __attribute__((visibility("default"))) unsigned long observer_count(void* scope) {
    return static_cast<unsigned long>(static_cast<lifecycle::leak_scope*>(scope)->check().count());
}
extern "C" __attribute__((visibility("default"))) unsigned long long observer_live_fds() {
    for (const lifecycle::kind_stats& k : lifecycle::stats())
        if (k.kind == "fd") return k.live;
    return 0;
}
