// SPDX-License-Identifier: BSL-1.0
// One path style per text report: relative __builtin_FILE paths and absolute
// DWARF paths shown relative to one source root (LIFECYCLE_SOURCE_ROOT, the
// build targets' compile definition, or the longest common directory).
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "support.hpp"

using lifecycle::leak_policy;
using lifecycle::leak_scope;
using lifecycle::tracked_fd;
using lifecycle_test::capture_stderr;
using lifecycle_test::with_capture;

namespace {

int path_line = 0;

__attribute__((noinline)) tracked_fd create_for_paths(const char* label) {
    path_line = __LINE__ + 1;
    tracked_fd fd{::open("/dev/null", O_RDONLY), label};
    return fd;
}

// The path in "created at f (PATH:LINE)" and in the first frame's "at PATH:LINE".
std::string site_path(const std::string& text) {
    const std::size_t at = text.find("created at ");
    const std::size_t open = text.find('(', at), colon = text.find(':', open);
    return at == std::string::npos || open == std::string::npos || colon == std::string::npos ? std::string()
                                                                                            : text.substr(open + 1, colon - open - 1);
}
std::string first_frame_path(const std::string& text) {
    const std::size_t frame = text.find("    #0 ");
    const std::size_t at = text.find(" at ", frame), colon = text.find(':', at);
    return frame == std::string::npos || at == std::string::npos || colon == std::string::npos ? std::string()
                                                                                              : text.substr(at + 4, colon - at - 4);
}

// The report of one record whose site names its file as meson's compiler
// did ("../../../tests/report_paths.cpp", relative to the build directory),
// while its stack's frames have DWARF's absolute path.
std::string report_with_relative_site() {
    with_capture tier{lifecycle::capture::stack};
    leak_scope scope{"paths", leak_policy::ignore};
    tracked_fd fd = create_for_paths("mixed paths");
    auto records = lifecycle::detail::instance().live_since(lifecycle::detail::watermark{});
    lifecycle::detail::record_view rec;
    for (auto& v : records)
        if (v.label == "mixed paths") rec = v;
    REQUIRE(rec.stack != nullptr);
    rec.site.file = "../../../tests/report_paths.cpp";
    return lifecycle::leak_report::from_records("paths", {rec}, lifecycle::capture::stack).to_text();
}

struct env_var {
    explicit env_var(const char* value) {
        if (value) ::setenv("LIFECYCLE_SOURCE_ROOT", value, 1);
        else ::unsetenv("LIFECYCLE_SOURCE_ROOT");
    }
    ~env_var() { ::unsetenv("LIFECYCLE_SOURCE_ROOT"); }
};

bool is_absolute_source(const std::string& f) { return !f.empty() && f.front() == '/'; }

} // namespace

TEST_CASE("paths: a relative __builtin_FILE site and absolute DWARF frames are shown in one style") {
    env_var unset{nullptr};
    const std::string text = report_with_relative_site();
    INFO(text);
    const std::string site = site_path(text), frame = first_frame_path(text);
    CHECK(site.find("report_paths.cpp") != std::string::npos);
    CHECK(site.find("../") == std::string::npos); // never the compiler's relative path...
    CHECK_FALSE(is_absolute_source(site));          // ...nor DWARF's absolute one beside it
    if (frame.empty()) {
        MESSAGE("this build has no line information: only the site is checked");
    } else {
        CHECK(frame == site);
    }
}

TEST_CASE("paths: LIFECYCLE_SOURCE_ROOT sets the root; a value that is not an absolute directory warns and is ignored") {
    const std::string here = __FILE__;
    if (!is_absolute_source(here)) {
        MESSAGE("this build names sources relative to its build directory: the root set by name is not checked");
        return;
    }
    const std::string tests_dir = here.substr(0, here.rfind('/'));
    const std::string project_dir = tests_dir.substr(0, tests_dir.rfind('/'));
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"root", leak_policy::ignore};
    tracked_fd fd = create_for_paths("rooted");
    const lifecycle::leak_report r = scope.check();
    {
        env_var root{tests_dir.c_str()};
        CHECK(site_path(r.to_text()) == "report_paths.cpp");
    }
    {
        env_var root{(project_dir + "/").c_str()}; // a trailing slash is the same directory
        CHECK(site_path(r.to_text()) == "tests/report_paths.cpp");
    }
    {
        env_var root{"/"};
        CHECK(site_path(r.to_text()) == here); // no root: absolute
    }
    const std::string unset_shown = site_path(r.to_text());
    {
        capture_stderr err;
        env_var bad{"relative/dir"};
        CHECK(site_path(r.to_text()) == unset_shown); // as if it were not set
        (void)r.to_text();
        CHECK(err.text() == "lifecycle: ignoring LIFECYCLE_SOURCE_ROOT='relative/dir': expected an absolute directory (text "
                            "reports show paths relative to it); using the detected root\n"); // once per process
    }
}

TEST_CASE("paths: the build targets pass the project's source directory, which reports use") {
    const char* built = lifecycle::detail::build_source_root();
    REQUIRE(built != nullptr); // the CMake and meson targets define LIFECYCLE_SOURCE_ROOT
    const std::string root = built;
    CHECK(is_absolute_source(root));
    const std::string here = __FILE__;
    if (is_absolute_source(here)) CHECK(here.rfind(root + "/", 0) == 0);
    CHECK(::access((root + "/tests/report_paths.cpp").c_str(), R_OK) == 0);
    env_var unset{nullptr};
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"built root", leak_policy::ignore};
    tracked_fd fd = create_for_paths("built");
    CHECK(site_path(scope.check().to_text()) == "tests/report_paths.cpp");
}

TEST_CASE("paths: the longest common directory of the report's user paths, system headers left out") {
    lifecycle::detail::path_style p;
    p.add("/src/proj/app/main.cpp");
    p.add("/src/proj/lib/net/socket.cpp");
    p.add("/usr/include/c++/12/bits/new_allocator.h");
    p.add("../../lib/net/socket.cpp");
    env_var unset{nullptr};
    p.settle("/src/elsewhere");
    CHECK(p.root() == "/src/elsewhere"); // the build's root comes first
    CHECK(p.show("/src/proj/app/main.cpp") == "/src/proj/app/main.cpp"); // outside it: absolute
    p.settle(nullptr);
    CHECK(p.root() == "/src/proj");
    CHECK(p.show("/src/proj/app/main.cpp") == "app/main.cpp");
    CHECK(p.show("../../lib/net/socket.cpp") == "lib/net/socket.cpp"); // by the absolute path that ends like it
    CHECK(p.show("/usr/include/c++/12/bits/new_allocator.h") == "/usr/include/c++/12/bits/new_allocator.h");
    CHECK(p.show("../other/x.cpp") == "other/x.cpp");
}
