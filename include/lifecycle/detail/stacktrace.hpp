// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/stacktrace.hpp — private. The only file that includes
// Boost.Stacktrace: symbolizes one return address, with its inline frames
// (detail/inline_frames.hpp). The cache is detail/symbols.hpp's. Only report
// code includes it.
#ifndef LIFECYCLE_DETAIL_STACKTRACE_HPP
#define LIFECYCLE_DETAIL_STACKTRACE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/frames.hpp>
#include <lifecycle/detail/inline_frames.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include <cxxabi.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#if LIFECYCLE_STACKTRACE
#    include <boost/stacktrace/frame.hpp>
#endif

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Returns: `address` (a return address) with its module and the offset of
/// the call instruction, address - 1, the one symbolized below and the one
/// `addr2line -e module offset` names (dladdr: no file opened).
/// Throws: std::bad_alloc.
inline frame_info module_frame(const void* address) {
    frame_info info;
    info.address = address;
    const std::uintptr_t call = reinterpret_cast<std::uintptr_t>(address) - 1;
    Dl_info dl{};
    if (::dladdr(reinterpret_cast<const void*>(call), &dl) != 0) {
        if (dl.dli_fname) info.module = dl.dli_fname;
        info.offset = call - reinterpret_cast<std::uintptr_t>(dl.dli_fbase);
    }
    return info;
}

/// Returns: false when the symbolizer could not open the files it reads now
/// (out of descriptors or memory). libbacktrace remembers a failed first
/// read per thread for good, so it must not be asked then; the caller
/// keeps module+offset without caching them, and asks again next time.
inline bool symbolizer_can_read() noexcept {
    int fds[2] = {-1, -1};
    bool ok = true;
    for (int& fd : fds) {
        fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOMEM)) ok = false;
    }
    for (int fd : fds)
        if (fd >= 0) ::close(fd);
    return ok;
}

/// Effects: demangles `function` in place (Boost hands back the mangled name
/// when demangling ran out of memory; libbacktrace's DWARF names are mangled).
/// Throws: std::bad_alloc.
inline void demangle(std::string& function) {
    if (function.compare(0, 2, "_Z") != 0) return;
    int status = 0;
    char* plain = abi::__cxa_demangle(function.c_str(), nullptr, nullptr, &status);
    if (status == -1) LIFECYCLE_DETAIL_THROW(std::bad_alloc());
    if (plain) {
        LIFECYCLE_DETAIL_TRY {
            function = plain;
        } LIFECYCLE_DETAIL_CATCH_ALL {
            std::free(plain);
            LIFECYCLE_DETAIL_RETHROW;
        }
        std::free(plain);
    }
}

/// Returns: the frames at one return address (as captured: the instruction
/// after a call): the functions inlined at the call, innermost first and
/// marked `inlined`, then the function that holds it (libbacktrace through
/// `inline_symbolizer`, detail/inline_frames.hpp); where libbacktrace is not linked or does not
/// know the address, that function alone, as Boost.Stacktrace names it.
/// Never empty. May allocate and take libbacktrace's locks; never call it on
/// the create/close path.
/// Throws: std::bad_alloc (a name lost to a failed allocation is never
/// returned as if the frame had none: it would be cached).
inline std::vector<frame_info> symbolize_chain(const void* address, inline_frames& inline_symbolizer) {
    const frame_info where = module_frame(address);
    // Look up the call instruction, not the one after it: a call that ends
    // a function or a line would otherwise be blamed on the next line.
    const std::uintptr_t call = reinterpret_cast<std::uintptr_t>(address) - 1;
    std::vector<frame_info> chain;
    if (!inline_symbolizer.chain(call, chain)) {
        chain.assign(1, frame_info{});
#if LIFECYCLE_STACKTRACE
        frame_info& info = chain.front();
        LIFECYCLE_DETAIL_TRY {
            boost::stacktrace::frame f(reinterpret_cast<boost::stacktrace::frame::native_frame_ptr_t>(call));
            info.function = f.name();
            info.file = f.source_file();
            info.line = static_cast<unsigned>(f.source_line());
        } LIFECYCLE_DETAIL_CATCH([[maybe_unused]] const std::bad_alloc& unused) {
            LIFECYCLE_DETAIL_RETHROW;
        } LIFECYCLE_DETAIL_CATCH_ALL {
            // A frame that cannot be symbolized keeps its address and module.
        }
#endif
    }
    for (frame_info& f : chain) {
        demangle(f.function);
        f.address = address;
        f.module = where.module;
        f.offset = where.offset;
    }
    return chain;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_STACKTRACE_HPP
