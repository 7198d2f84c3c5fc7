// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/frames.hpp — private. Raw creation stacks: capturing the
// return addresses of the calling thread with the unwinder chosen (the fast
// one is detail/frame_walk.hpp's), and telling lifecycle's and the standard
// library's frames from the user's once they are symbolized (symbolizing is
// detail/stacktrace.hpp's, the only Boost.Stacktrace includer).
#ifndef LIFECYCLE_DETAIL_FRAMES_HPP
#define LIFECYCLE_DETAIL_FRAMES_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/frame_walk.hpp>
#include <lifecycle/levels.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#if LIFECYCLE_STACKTRACE
#    include <unwind.h>
#endif

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// One symbolized frame.
struct frame_info {
    const void* address = nullptr;
    std::string function;      // demangled; empty when unknown
    std::string file;          // empty when the build has no line information
    unsigned line = 0;
    std::string module;        // shared object or executable path
    std::uintptr_t offset = 0; // address - 1 (the call) - module load base, stable across runs
    bool inlined = false;      // inlined into the next frame (same address)
};

inline constexpr bool stacks_available = LIFECYCLE_STACKTRACE != 0;

#if LIFECYCLE_STACKTRACE
struct unwind_state {
    const void** out;
    std::size_t n, max;
};

inline _Unwind_Reason_Code unwind_frame(_Unwind_Context* context, void* arg) noexcept {
    auto& s = *static_cast<unwind_state*>(arg);
    const auto ip = _Unwind_GetIP(context);
    if (ip == 0 || s.n == s.max) return _URC_END_OF_STACK;
    s.out[s.n++] = reinterpret_cast<const void*>(ip);
    return s.n == s.max ? _URC_END_OF_STACK : _URC_NO_REASON;
}
#endif

/// Writes up to `max` return addresses of the calling thread into `out`, the
/// first one into the function this call is inlined into (the creator:
/// tracked's constructor is inlined into it, so the unwind walks no frame of
/// lifecycle's). Allocates nothing. The unwinder is the one Boost.Stacktrace's
/// collector calls (_Unwind_Backtrace), without the collector's own frame.
/// An unwind costs per frame walked (an FDE lookup and a CFI program).
LIFECYCLE_DETAIL_ALWAYS_INLINE std::size_t collect_frames(const void** out, std::size_t max) noexcept {
#if LIFECYCLE_STACKTRACE
    unwind_state s{out, 0, max};
    if (max != 0) _Unwind_Backtrace(&unwind_frame, &s);
    return s.n;
#else
    (void)out;
    (void)max;
    return 0;
#endif
}

/// Writes up to `max` return addresses with the unwinder `u`, the first one
/// into the function this call is inlined into, as above. `broken`: the fast
/// unwinder stopped at a record that is not a frame's (frame_walk.hpp); a
/// stack it cannot walk (not on the thread's own stack) is unwound precisely.
LIFECYCLE_DETAIL_ALWAYS_INLINE std::size_t collect_frames(const void** out, std::size_t max, unwind u,
                                                          bool& broken) noexcept {
    broken = false;
#if LIFECYCLE_STACKTRACE && LIFECYCLE_DETAIL_FAST_UNWIND
    if (u == unwind::fast) {
        const std::size_t n = walk_frame_pointers(out, max, broken);
        if (LIFECYCLE_DETAIL_LIKELY(n != no_walk)) return n;
    }
#else
    (void)u;
#endif
    return collect_frames(out, max);
}

// ---- classifying frames: whose code is this? ----------------------------------

/// A demangled function name without its parameter list and without
/// "(anonymous namespace)::", e.g. "ipc_client::send_request".
inline std::string qualified_name(std::string fn) {
    constexpr std::string_view anonymous = "(anonymous namespace)::"; // nothing to destroy: usable in static destruction
    for (auto at = fn.find(anonymous); at != std::string::npos; at = fn.find(anonymous, at)) fn.erase(at, anonymous.size());
    return fn.substr(0, fn.find('('));
}

// A frame belongs to lifecycle or to the unwinder when the function itself
// (not a template argument, not a parameter) is in lifecycle's ABI namespace
// or in boost::stacktrace.
inline bool internal_frame(const std::string& fn) {
    constexpr std::string_view prefixes[] = {"lifecycle::" LIFECYCLE_DETAIL_STRINGIZE(LIFECYCLE_DETAIL_ABI) "::",
                                             "boost::stacktrace::"};
    const std::string name = qualified_name(fn);
    int depth = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        if (c == '<') ++depth;
        else if (c == '>') --depth;
        else if (depth == 0 && (i == 0 || name[i - 1] == ' '))
            for (std::string_view p : prefixes)
                if (name.compare(i, p.size(), p) == 0) return true;
    }
    return false;
}

// Standard-library and other installed headers: a site there (emplace_back,
// make_unique, optional::emplace forwarding to a constructor) says nothing
// about who created the resource.
inline bool system_header(std::string_view file) {
    return file.rfind("/usr/include/", 0) == 0 || file.rfind("/usr/local/include/", 0) == 0 ||
           file.find("/include/c++/") != std::string_view::npos;
}

// lifecycle's own headers, wherever they are included from: the frames
// inlined from them (an inline chain names functions as DWARF does,
// unqualified: "enroll", "tracked", not lifecycle::...::enroll).
inline bool lifecycle_header(std::string_view file) {
    return file.find("include/lifecycle/") != std::string_view::npos;
}

inline bool library_frame(const std::string& function, std::string_view file) {
    if (internal_frame(function)) return true;
    if (!file.empty()) return system_header(file) || lifecycle_header(file);
    const std::string name = qualified_name(function);
    return name.rfind("std::", 0) == 0 || name.rfind("__gnu_cxx::", 0) == 0 || name.find(" std::") != std::string::npos;
}

inline bool library_frame(const frame_info& f) { return library_frame(f.function, f.file); }

inline bool startup_frame(const std::string& fn) {
    return fn.rfind("__libc_start", 0) == 0 || fn == "_start";
}

/// Returns: true for the C runtime's start-up frames, by name, or, when the
/// build cannot name frames, by module: an unnamed frame in libc at the
/// bottom of a stack is __libc_start_call_main or __libc_start_main.
inline bool startup_frame(const frame_info& f) {
    if (!f.function.empty()) return startup_frame(f.function);
    const std::string_view m = f.module;
    const std::string_view base = m.substr(m.rfind('/') == std::string_view::npos ? 0 : m.rfind('/') + 1);
    return base.rfind("libc.so", 0) == 0;
}

/// Returns: true if nothing above a frame of `fn` is the program's: the C
/// runtime's start-up, and the thread start routines of libc and libstdc++
/// (a fast stack that ends there is whole as far as the user is concerned).
inline bool outermost_frame(const std::string& fn) {
    return startup_frame(fn) || fn == "start_thread" || fn == "clone" || fn == "clone3" || fn == "__clone" ||
           fn == "__clone3" || qualified_name(fn) == "execute_native_thread_routine";
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_FRAMES_HPP
