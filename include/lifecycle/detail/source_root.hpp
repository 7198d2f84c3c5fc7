// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/source_root.hpp — private. One path style per text
// report: the user's paths relative to one source root, whether the compiler
// named them relative to its build directory (meson's __builtin_FILE:
// "../../../tests/a.cpp") or DWARF named them absolute ("/src/p/tests/a.cpp").
// The root is, first found: LIFECYCLE_SOURCE_ROOT (an absolute directory);
// the project's source directory that the CMake and meson targets pass as
// the compile definition LIFECYCLE_SOURCE_ROOT; the longest common directory
// of the report's absolute user paths. Paths outside it (system headers)
// stay absolute. The JSON keeps every path as the compiler or DWARF named it.
#ifndef LIFECYCLE_DETAIL_SOURCE_ROOT_HPP
#define LIFECYCLE_DETAIL_SOURCE_ROOT_HPP

#include <lifecycle/config.hpp>

#include <string>
#include <string_view>
#include <vector>

// A file built with the compile definition leaves the directory in its
// module's section: constant data, no code runs at load (the report reads
// its own module's, as detail/hooks.hpp reads the hooks).
#if defined(LIFECYCLE_SOURCE_ROOT) && LIFECYCLE_TRACKING
namespace lifecycle_detail_source_root {
namespace {
[[gnu::used, gnu::section("lifecycle_v0_roots")]] const char* const root_of_this_build = LIFECYCLE_SOURCE_ROOT;
} // namespace
} // namespace lifecycle_detail_source_root
#endif
extern "C" const char* const __start_lifecycle_v0_roots[] __attribute__((weak, visibility("hidden")));
extern "C" const char* const __stop_lifecycle_v0_roots[] __attribute__((weak, visibility("hidden")));

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Returns: the source root the build targets passed to this module's
/// files (LIFECYCLE_SOURCE_ROOT), or nullptr.
inline const char* build_source_root() noexcept {
    for (const char* const* p = __start_lifecycle_v0_roots; p && p != __stop_lifecycle_v0_roots; ++p)
        if (*p && **p == '/') return *p;
    return nullptr;
}

/// The paths of one report, written in one style.
class path_style {
public:
    /// Effects: `path` is one of the report's (system headers are left out).
    LIFECYCLE_DETAIL_COLD void add(std::string_view path);
    /// Effects: chooses the root: LIFECYCLE_SOURCE_ROOT, else `built` (the
    /// build's, build_source_root()), else from the paths added. Warns (once
    /// per process) about a LIFECYCLE_SOURCE_ROOT it cannot use.
    LIFECYCLE_DETAIL_COLD void settle(const char* built);
    /// Returns: `path` relative to the root where it lies under it; a
    /// relative path by the absolute path added that ends like it, else
    /// without its leading "../" and "./"; any other as it is.
    LIFECYCLE_DETAIL_COLD std::string show(std::string_view path) const;
    /// Returns: the root ("" when there is none).
    const std::string& root() const noexcept { return root_; }

private:
    std::vector<std::string> absolute_;
    std::string root_;
};

} // namespace detail
LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <lifecycle/detail/frames.hpp>
#    include <lifecycle/detail/settings.hpp>

#    include <algorithm>
#    include <atomic>
#    include <cstdio>
#    include <sys/stat.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

namespace source_paths {
inline std::string_view without_dots(std::string_view p) {
    while (true) {
        if (p.rfind("./", 0) == 0) p.remove_prefix(2);
        else if (p.rfind("../", 0) == 0) p.remove_prefix(3);
        else return p;
    }
}
inline bool directory(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
} // namespace source_paths

LIFECYCLE_DETAIL_COLD void path_style::add(std::string_view path) {
    if (path.empty() || path.front() != '/' || system_header(path)) return;
    if (std::find(absolute_.begin(), absolute_.end(), path) == absolute_.end()) absolute_.emplace_back(path);
}

LIFECYCLE_DETAIL_COLD void path_style::settle(const char* built) {
    root_.clear();
    if (const char* set = setting_value(setting_id::source_root)) {
        std::string r = set;
        while (r.size() > 1 && r.back() == '/') r.pop_back();
        if (r.front() == '/' && source_paths::directory(r)) {
            root_ = r == "/" ? "" : r;
            return;
        }
        static std::atomic<bool> warned{false};
        if (!warned.exchange(true)) warn_ignored(stderr, setting_id::source_root, set, "the detected root");
    }
    if (built != nullptr && *built == '/') {
        root_ = built;
        while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
        return;
    }
    if (absolute_.empty()) return;
    // The longest common directory of the user's absolute paths.
    std::string_view common(absolute_.front());
    common = common.substr(0, common.rfind('/'));
    for (const std::string& p : absolute_)
        while (!common.empty() && !(p.size() > common.size() && p.compare(0, common.size(), common) == 0 && p[common.size()] == '/'))
            common = common.substr(0, common.rfind('/'));
    root_ = std::string(common);
}

LIFECYCLE_DETAIL_COLD std::string path_style::show(std::string_view path) const {
    if (path.empty()) return {};
    std::string_view absolute = path;
    if (path.front() != '/') {
        const std::string_view tail = source_paths::without_dots(path);
        absolute = {};
        for (const std::string& p : absolute_)
            if (p.size() > tail.size() && p.compare(p.size() - tail.size(), tail.size(), tail) == 0 && p[p.size() - tail.size() - 1] == '/')
                absolute = p;
        if (absolute.empty()) return std::string(tail);
    }
    if (!root_.empty() && absolute.size() > root_.size() && absolute.compare(0, root_.size(), root_) == 0 && absolute[root_.size()] == '/')
        return std::string(absolute.substr(root_.size() + 1));
    return std::string(absolute);
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_SOURCE_ROOT_HPP
