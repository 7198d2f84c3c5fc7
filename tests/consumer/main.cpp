// SPDX-License-Identifier: BSL-1.0
// The consumer test program: what a project that uses lifecycle compiles.
// Creates a tracked fd, plants a leak inside a leak_scope and checks that the
// report names this file (and, with --expect-stack, that the creation stack is
// symbolized down to this file's lines: the Boost.Stacktrace backend is really
// linked, BOOST_STACKTRACE_LINK really defined). Exits 0 when all of it holds.
// Built by tests/consumer/{find_package,add_subdirectory,meson} and the
// pkg-config test; see tests/consumer/tests.cmake.
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

int failures = 0;

void expect(bool ok, const char* what) {
    std::printf("consumer: %s: %s\n", ok ? "ok" : "FAILED", what);
    if (!ok) ++failures;
}

// Out of line: a frame of its own in the creation stack.
[[gnu::noinline]] lifecycle::tracked_fd* plant_leak() {
    return new lifecycle::tracked_fd{::open("/dev/null", O_RDONLY), "planted by the consumer"};
}

bool has_line_with(const std::string& text, const std::string& start, const std::string& needle) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(pos, end - pos);
        if (line.compare(0, start.size(), start) == 0 && line.find(needle) != std::string::npos) return true;
        pos = end + 1;
    }
    return false;
}

} // namespace

int main(int argc, char** argv) {
    const bool expect_stack = argc > 1 && std::strcmp(argv[1], "--expect-stack") == 0;
    lifecycle::set_capture(lifecycle::capture::stack);

    std::string self = __FILE__;
    self = self.substr(self.find_last_of('/') + 1) + ":";

    {
        lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "closed in time"};
        expect(static_cast<bool>(fd), "a tracked fd opens /dev/null");
    }

    lifecycle::tracked_fd* leaked = nullptr;
    lifecycle::leak_report report;
    {
        lifecycle::leak_scope scope{"consumer", lifecycle::leak_policy::ignore};
        {
            lifecycle::tracked_fd closed{::open("/dev/null", O_RDONLY), "closed in the scope"};
            expect(static_cast<bool>(closed), "a tracked fd opens /dev/null in the scope");
        }
        leaked = plant_leak();
        report = scope.check();
    }
    const std::string text = report.to_text();
    std::fputs(text.c_str(), stdout);

#if LIFECYCLE_TRACKING
    expect(report.count() == 1, "the scope reports exactly the planted leak");
    expect(text.find("planted by the consumer") != std::string::npos, "the report names the leak's label");
    expect(has_line_with(text, "  created at ", self), "the report names this file as the creation site");
    if (expect_stack)
        expect(has_line_with(text, "    #", self), "the creation stack is symbolized to this file's lines");
#else
    (void)expect_stack;
    expect(report.empty(), "with tracking off, nothing is reported");
#endif

    expect(!leaked->close(), "the planted fd closes without error");
    delete leaked;
    std::printf("consumer: %s\n", failures == 0 ? "all checks passed" : "some checks FAILED");
    return failures == 0 ? 0 : 1;
}
