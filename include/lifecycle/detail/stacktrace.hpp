// lifecycle/detail/stacktrace.hpp — private. The only file that includes
// Boost.Stacktrace: capture raw return addresses, symbolize one address.
// Stateless; interning and caching live in the registry.
#ifndef LIFECYCLE_DETAIL_STACKTRACE_HPP
#define LIFECYCLE_DETAIL_STACKTRACE_HPP

#include <lifecycle/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include <dlfcn.h>

#if LIFECYCLE_STACKTRACE
#    include <boost/stacktrace/frame.hpp>
#    include <boost/stacktrace/safe_dump_to.hpp>
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

/// Writes up to `max` return addresses of the calling thread into `out`.
/// Async-signal-safe; allocates nothing.
LIFECYCLE_DETAIL_NOINLINE inline std::size_t capture_frames(void** out, std::size_t max) noexcept {
#if LIFECYCLE_STACKTRACE
    if (max == 0) return 0;
    // safe_dump_to stores a terminating null frame after the frames it found,
    // so it is handed one slot more than the depth wanted.
    void* buffer[129];
    if (max > 128) max = 128;
    std::size_t n = boost::stacktrace::safe_dump_to(0, buffer, (max + 1) * sizeof(void*));
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

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_STACKTRACE_HPP
