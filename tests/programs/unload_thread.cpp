// SPDX-License-Identifier: BSL-1.0
// A program without lifecycle loads a plugin that uses it (so the plugin's
// registry is the process's), lets one of its threads create a handle in
// it, unloads it, and then lets that thread end: the thread's exit must not
// call into the unloaded plugin (the registry's shard lease hand-back).
// Argument: the plugin file, in LIFECYCLE_TEST_PLUGIN_DIR.
#include <dlfcn.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    const std::string path = std::string(LIFECYCLE_TEST_PLUGIN_DIR) + "/" + argv[1];
    void* so = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        std::printf("dlopen: %s\n", ::dlerror());
        return 1;
    }
    using open_fn = void* (*)(int);
    auto plugin_open = reinterpret_cast<open_fn>(::dlsym(so, "plugin_open"));
    std::atomic<int> step{0};
    std::thread t{[&] {
        (void)plugin_open(0); // a handle the plugin's registry records, left open
        step.store(1);
        while (step.load() != 2) std::this_thread::yield();
    }};
    while (step.load() != 1) std::this_thread::yield();
    ::dlclose(so);
    std::printf("still loaded after dlclose: %s\n", ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD) ? "yes" : "no");
    step.store(2);
    t.join();
    std::printf("the thread ended after the plugin was unloaded\n");
    return 0;
}
