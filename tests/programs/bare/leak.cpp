// SPDX-License-Identifier: BSL-1.0
// A leak in a program built with a bare -I, no build system: as
// program_bare_unnamed (header-only Boost.Stacktrace, no backend, no -g) its
// report says once what names frames; as program_bare_named (README's command
// line: -g -DBOOST_STACKTRACE_LINK, -lboost_stacktrace_backtrace -ldl) its
// frames have file:line. Neither shows the C runtime's start-up frames.
#include <lifecycle/tracked.hpp>

#include <dlfcn.h>
#include <fcntl.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" void _start();

namespace {
std::vector<lifecycle::tracked_fd> cache;
}

__attribute__((noinline)) void load_config() { cache.emplace_back(::open("/dev/null", O_RDONLY), "config"); }

// Whether a frame of the report lies in the program's _start (whose name an
// unnamed build cannot show): the return address into it is a few bytes in.
bool shows_start(const std::string& text) {
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&_start), &info) == 0 || info.dli_fbase == nullptr) return false;
    const auto start = reinterpret_cast<std::uintptr_t>(&_start) - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    for (auto at = text.find("+0x"); at != std::string::npos; at = text.find("+0x", at + 1)) {
        const auto offset = static_cast<std::uintptr_t>(std::strtoull(text.c_str() + at + 3, nullptr, 16));
        if (offset >= start && offset < start + 64) return true;
    }
    return false;
}

int main() {
    lifecycle::leak_scope scope{"bare"};
    load_config();
    load_config();
    if (shows_start(scope.check().to_text())) std::fprintf(stderr, "bare: the report shows a frame of _start\n");
}
