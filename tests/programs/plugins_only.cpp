// SPDX-License-Identifier: BSL-1.0
// One registry per process whatever the loading: a program without
// lifecycle loads two plugins that use it (RTLD_LOCAL; built without
// STB_GNU_UNIQUE symbols as clang builds them, and with hidden visibility),
// and a scope in one sees the handles the other creates; both read one table
// of stats. Argument: "<creating plugin> <observing plugin>" in
// LIFECYCLE_TEST_PLUGIN_DIR.
#include <dlfcn.h>

#include <cstdio>
#include <string>

namespace {
void* load(const char* file) {
    const std::string path = std::string(LIFECYCLE_TEST_PLUGIN_DIR) + "/" + file;
    void* so = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!so) std::printf("dlopen: %s\n", ::dlerror());
    return so;
}
template <class F>
F get(void* so, const char* name) {
    return reinterpret_cast<F>(::dlsym(so, name));
}
} // namespace

int main(int argc, char** argv) {
    char creator[256] = "", observer[256] = "";
    if (argc < 2 || std::sscanf(argv[1], "%255s %255s", creator, observer) != 2) return 2;
    void* a = load(creator);
    void* b = load(observer);
    if (!a || !b) return 1;
    void* scope = get<void* (*)()>(b, "observer_begin")();
    auto open = get<void* (*)(int)>(a, "plugin_open");
    for (int i = 0; i < 2; ++i) (void)open(i); // left open: leaks the observer must see
    std::printf("the observer's scope sees %lu of the creator's handles\n", get<unsigned long (*)(void*)>(b, "observer_count")(scope));
    std::printf("live fds in the creator's stats: %llu, in the observer's: %llu\n",
                get<unsigned long long (*)()>(a, "plugin_live_fds")(), get<unsigned long long (*)()>(b, "observer_live_fds")());
    return 0;
}
