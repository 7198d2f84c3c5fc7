// SPDX-License-Identifier: BSL-1.0
// Symbolization failing once is not final. The process's first render runs
// out of descriptors (RLIMIT_NOFILE reached): it shows module+offset. After
// the descriptors are freed, a later render of the same report, and of a new
// one, shows function names. Alone in its process: the symbol cache and
// libbacktrace's per-thread state must be untouched before the first render.
#include <lifecycle/tracked.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

__attribute__((noinline)) lifecycle::tracked_fd leak_here() { return lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "leak"}; }

int failures = 0;

void expect(bool ok, const char* what, const std::string& text) {
    if (ok) return;
    ++failures;
    std::printf("FAIL: %s\n%s\n", what, text.c_str());
}

} // namespace

int main() {
    lifecycle::set_capture(lifecycle::capture::stack);
    lifecycle::leak_scope scope{"emfile", lifecycle::leak_policy::ignore};
    lifecycle::tracked_fd fd = leak_here();
    const lifecycle::leak_report first = scope.check();

    rlimit saved{};
    ::getrlimit(RLIMIT_NOFILE, &saved);
    rlimit low = saved;
    low.rlim_cur = 64;
    if (::setrlimit(RLIMIT_NOFILE, &low) != 0) {
        std::printf("setrlimit failed\n");
        return 2;
    }
    std::vector<int> hog;
    for (int f; (f = ::open("/dev/null", O_RDONLY)) >= 0;) hog.push_back(f);
    const std::string starved = first.to_text();
    for (int f : hog) ::close(f);
    ::setrlimit(RLIMIT_NOFILE, &saved);

    expect(starved.find(" in ") != std::string::npos && starved.find("+0x") != std::string::npos,
           "out of descriptors, the frames show module+offset", starved);
    expect(starved.find("leak_here()") == std::string::npos, "out of descriptors, no function name was found", starved);

    const std::string again = first.to_text();
    expect(again.find("#0 leak_here()") != std::string::npos || again.find("leak_here() at ") != std::string::npos,
           "the same report, rendered after the descriptors were freed, shows function names", again);
    const std::string fresh = scope.check().to_text();
    expect(fresh.find("leak_here()") != std::string::npos && fresh.find("main") != std::string::npos,
           "a new report shows function names", fresh);
    std::printf(failures ? "symbols_emfile: %d failed\n" : "symbols_emfile: passed\n", failures);
    return failures ? 1 : 0;
}
