// SPDX-License-Identifier: BSL-1.0
// Mixed tracking modes across modules: this program (LIFECYCLE_TRACKING=1)
// loads a plugin built with 0. The next scope check says so, once, naming
// both. Argument: the plugin file in LIFECYCLE_TEST_PLUGIN_DIR.
#include <lifecycle/tracked.hpp>

#include <dlfcn.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    lifecycle::leak_scope scope{"mixed", lifecycle::leak_policy::ignore};
    (void)scope.check(); // nothing to say yet
    std::fprintf(stderr, "loading the plugin\n");
    const std::string path = std::string(LIFECYCLE_TEST_PLUGIN_DIR) + "/" + argv[1];
    void* so = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!so) return 1;
    (void)reinterpret_cast<int (*)()>(::dlsym(so, "untracked_open"))();
    (void)scope.check();
    (void)scope.check(); // said once
    std::fprintf(stderr, "done\n");
    return 0;
}
