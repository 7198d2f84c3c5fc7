// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/stacktrace.hpp — private. The only file that includes
// Boost.Stacktrace: capture raw return addresses, symbolize one address, and
// tell lifecycle's and the standard library's frames from the user's.
// Stateless; interning and caching live in the registry.
#ifndef LIFECYCLE_DETAIL_STACKTRACE_HPP
#define LIFECYCLE_DETAIL_STACKTRACE_HPP

#include <lifecycle/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <dlfcn.h>

#if LIFECYCLE_STACKTRACE
#    include <boost/stacktrace/frame.hpp>
#    include <boost/stacktrace/safe_dump_to.hpp>
#    include <boost/version.hpp>
#endif

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

struct frame_info {
    const void* address = nullptr;
    std::string function; // demangled; empty when unknown
    std::string file;     // empty when the build has no line information
    unsigned line = 0;
    std::string module;   // shared object or executable path
    std::uintptr_t offset = 0; // address - module load base, stable across runs
};

inline constexpr bool stacks_available = LIFECYCLE_STACKTRACE != 0;

/// Writes up to `max` (at most 128) return addresses of the calling thread
/// into `out`, the first one into the function this call is inlined into.
/// Async-signal-safe; allocates nothing.
///
/// An unwind costs per frame walked (an FDE lookup and a CFI program, 100 to
/// 250 ns each on the CI machine), kept or skipped, and more for a frame
/// whose function has exception handling or whose CFI program runs long
/// before the return address. Boost.Stacktrace's safe_dump_to(skip, buffer,
/// size) is a frame (safe_dump_to_impl) around Boost's collector, which it
/// skips; lifecycle calls the collector itself, inlined with tracked's
/// constructor into the creating function, so no frame is walked to be
/// thrown away and the first frame kept is the creator's. The collector is
/// Boost's detail API, unchanged since 1.65; other versions go through
/// safe_dump_to.
LIFECYCLE_DETAIL_ALWAYS_INLINE std::size_t collect_frames(const void** out, std::size_t max) noexcept {
#if LIFECYCLE_STACKTRACE && BOOST_VERSION >= 106500 && BOOST_VERSION < 109000
    return boost::stacktrace::detail::this_thread_frames::collect(out, max, 0);
#elif LIFECYCLE_STACKTRACE
    // safe_dump_to stores a terminating null frame after the frames it found,
    // so it is handed one slot more than the depth wanted.
    const void* buffer[129];
    if (max > 128) max = 128;
    const std::size_t n = boost::stacktrace::safe_dump_to(0, buffer, (max + 1) * sizeof(void*));
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n && i < max && buffer[i] != nullptr; ++i) out[kept++] = buffer[i];
    return kept;
#else
    (void)out;
    (void)max;
    return 0;
#endif
}

/// Symbolizes one return address (as captured: the instruction after a
/// call). May allocate and take libbacktrace's locks; never call it on the
/// create/close path.
inline frame_info symbolize_frame(const void* address) {
    frame_info info;
    info.address = address;
    Dl_info dl{};
    if (::dladdr(address, &dl) != 0) {
        if (dl.dli_fname) info.module = dl.dli_fname;
        info.offset = reinterpret_cast<std::uintptr_t>(address) - reinterpret_cast<std::uintptr_t>(dl.dli_fbase);
    }
#if LIFECYCLE_STACKTRACE
    try {
        // Look up the call instruction, not the one after it: a call that ends
        // a function or a line would otherwise be blamed on the next line.
        const auto call = reinterpret_cast<boost::stacktrace::frame::native_frame_ptr_t>(
            reinterpret_cast<std::uintptr_t>(address) - 1);
        boost::stacktrace::frame f(call);
        info.function = f.name();
        info.file = f.source_file();
        info.line = static_cast<unsigned>(f.source_line());
    } catch (...) {
        // A frame that cannot be symbolized keeps its address and module.
    }
#endif
    return info;
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
    static const std::string_view prefixes[] = {"lifecycle::" LIFECYCLE_DETAIL_STRINGIZE(LIFECYCLE_DETAIL_ABI) "::",
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

inline bool library_frame(const frame_info& f) {
    if (internal_frame(f.function)) return true;
    if (!f.file.empty()) return system_header(f.file);
    const std::string name = qualified_name(f.function);
    return name.rfind("std::", 0) == 0 || name.rfind("__gnu_cxx::", 0) == 0 || name.find(" std::") != std::string::npos;
}

inline bool startup_frame(const std::string& fn) {
    return fn.rfind("__libc_start", 0) == 0 || fn == "_start";
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_STACKTRACE_HPP
