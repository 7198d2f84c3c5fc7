// SPDX-License-Identifier: BSL-1.0
// Mixed tracking modes across modules: this program (LIFECYCLE_TRACKING=1)
// loads a plugin built with 0. The next scope check says so, once, naming
// both. Argument: the plugin file in LIFECYCLE_TEST_PLUGIN_DIR, then
// " hostile" to load it through a link whose name holds a newline and a
// byte that is not UTF-8 (the warning must escape them).
#include <lifecycle/tracked.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    std::string file = argv[1], link_dir;
    const std::string hostile = " hostile";
    std::string path = std::string(LIFECYCLE_TEST_PLUGIN_DIR) + "/" + file;
    if (file.size() > hostile.size() && file.compare(file.size() - hostile.size(), hostile.size(), hostile) == 0) {
        file.resize(file.size() - hostile.size());
        char dir[] = "/tmp/lifecycle-mixed-XXXXXX";
        if (::mkdtemp(dir) == nullptr) return 1;
        link_dir = dir;
        const std::string target = std::string(LIFECYCLE_TEST_PLUGIN_DIR) + "/" + file;
        path = link_dir + "/untracked\nplugin\xff.so";
        if (::symlink(target.c_str(), path.c_str()) != 0) return 1;
    }
    lifecycle::leak_scope scope{"mixed", lifecycle::leak_policy::ignore};
    (void)scope.check(); // nothing to say yet
    std::fprintf(stderr, "loading the plugin\n");
    void* so = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!so) return 1;
    (void)reinterpret_cast<int (*)()>(::dlsym(so, "untracked_open"))();
    (void)scope.check();
    (void)scope.check(); // said once
    std::fprintf(stderr, "done\n");
    if (!link_dir.empty()) {
        ::unlink(path.c_str());
        ::rmdir(link_dir.c_str());
    }
    return 0;
}
