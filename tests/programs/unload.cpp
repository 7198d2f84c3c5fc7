// SPDX-License-Identifier: BSL-1.0
// dlclose() of a module whose handles are live: a report rendered after it
// must not crash and must still show where they were created (their site
// and stack text is copied when the module unloads); closing them later
// retires them. A handle of the module closed before it unloads: a use of
// its wrapper after the unload is reported with the module's site (the
// tombstone's text is copied too). Argument: "<local|global> <site|stack>
// <plugin file>".
#include <lifecycle/tracked.hpp>

#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    char mode[16] = "", tier[16] = "", plugin[4096] = "";
    if (std::sscanf(argv[1], "%15s %15s %4095s", mode, tier, plugin) != 3) return 2;
    lifecycle::set_capture(std::strcmp(tier, "stack") == 0 ? lifecycle::capture::stack : lifecycle::capture::site);
    const std::string path = std::string(LIFECYCLE_TEST_PLUGIN_DIR) + "/" + plugin;

    lifecycle::leak_scope scope{"unload", lifecycle::leak_policy::ignore};
    void* so = ::dlopen(path.c_str(), RTLD_NOW | (std::strcmp(mode, "global") == 0 ? RTLD_GLOBAL : RTLD_LOCAL));
    if (!so) {
        std::printf("dlopen: %s\n", ::dlerror());
        return 1;
    }
    using open_fn = void* (*)(int); // a new lifecycle::tracked_fd
    auto plugin_open = reinterpret_cast<open_fn>(::dlsym(so, "plugin_open"));
    lifecycle::tracked_fd* fds[3];
    for (int i = 0; i < 3; ++i) fds[i] = static_cast<lifecycle::tracked_fd*>(plugin_open(i));
    lifecycle::tracked_fd* closed_early = static_cast<lifecycle::tracked_fd*>(plugin_open(3));
    if (closed_early->close()) std::printf("close failed\n");
    std::printf("before dlclose: %zu live in the scope\n", scope.check().count());
    ::dlclose(so);
    std::printf("still loaded after dlclose: %s\n", ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD) ? "yes" : "no");

    std::fflush(stdout);
    (void)closed_early->get(); // reported: its tombstone names the unloaded module's site
    ::operator delete(closed_early);

    const std::string text = scope.check().to_text();
    std::fputs(text.c_str(), stdout);
    for (lifecycle::tracked_fd* fd : fds) {
        if (fd->close()) std::printf("close failed\n");
        ::operator delete(fd); // the plugin's destructor is gone; the handle is closed
    }
    std::printf("after closing: %zu live in the scope\n", scope.check().count());
    return 0;
}
