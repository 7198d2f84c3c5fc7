// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/stacktrace.hpp — private. The only file that includes
// Boost.Stacktrace: symbolizes one return address. Stateless; the cache is
// detail/symbols.hpp's. Only report code includes it.
#ifndef LIFECYCLE_DETAIL_STACKTRACE_HPP
#define LIFECYCLE_DETAIL_STACKTRACE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/frames.hpp>

#include <cstdint>

#include <dlfcn.h>

#if LIFECYCLE_STACKTRACE
#    include <boost/stacktrace/frame.hpp>
#endif

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

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
