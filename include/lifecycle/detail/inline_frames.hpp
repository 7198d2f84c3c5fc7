// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/inline_frames.hpp — private, report side. The inline chain
// of one code address (the functions inlined at it, innermost first, then
// the function that holds the code), from libbacktrace directly: Boost's
// frame interface keeps only the outermost of them, so an -O2 program whose
// creating functions were inlined into one caller showed that caller alone.
//
// libbacktrace is the one inside the backend Boost.Stacktrace links
// (libboost_stacktrace_backtrace exports backtrace_create_state and
// backtrace_pcinfo). The declarations below are weak: a build that links
// another backend, or none, has null addresses here and keeps Boost's frame
// (no GCC-private <backtrace.h>, which clang cannot find, and nothing new to
// link). One state per symbol cache, used under its lock (threaded = 0).
#ifndef LIFECYCLE_DETAIL_INLINE_FRAMES_HPP
#define LIFECYCLE_DETAIL_INLINE_FRAMES_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/frames.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include <link.h>

// 0: never ask libbacktrace for inline frames (the tests' negative control).
#ifndef LIFECYCLE_DETAIL_INLINE_FRAMES
#    define LIFECYCLE_DETAIL_INLINE_FRAMES LIFECYCLE_STACKTRACE
#endif

extern "C" {
struct backtrace_state;
}

#if LIFECYCLE_DETAIL_INLINE_FRAMES
// libbacktrace's interface (backtrace.h), stable since GCC 4.8.
extern "C" {
typedef void (*backtrace_error_callback)(void* data, const char* msg, int errnum);
typedef int (*backtrace_full_callback)(void* data, std::uintptr_t pc, const char* filename, int lineno,
                                       const char* function);
typedef void (*backtrace_syminfo_callback)(void* data, std::uintptr_t pc, const char* symname, std::uintptr_t symval,
                                           std::uintptr_t symsize);
__attribute__((weak, visibility("default"))) backtrace_state*
backtrace_create_state(const char* filename, int threaded, backtrace_error_callback error_callback, void* data);
__attribute__((weak, visibility("default"))) int backtrace_pcinfo(backtrace_state* state, std::uintptr_t pc,
                                                                  backtrace_full_callback callback,
                                                                  backtrace_error_callback error_callback, void* data);
__attribute__((weak, visibility("default"))) int backtrace_syminfo(backtrace_state* state, std::uintptr_t addr,
                                                                   backtrace_syminfo_callback callback,
                                                                   backtrace_error_callback error_callback,
                                                                   void* data);
}
#endif

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

#if LIFECYCLE_DETAIL_INLINE_FRAMES
struct inline_chain_data {
    std::vector<frame_info>* out;
    const char* symbol = nullptr; // the ELF symbol of the holding function
    bool out_of_memory = false;
    bool system_error = false; // libbacktrace could not open a file (errno > 0)
};

inline int inline_chain_frame(void* data, std::uintptr_t, const char* file, int line, const char* function) noexcept {
    auto& d = *static_cast<inline_chain_data*>(data);
    LIFECYCLE_DETAIL_TRY {
        d.out->emplace_back();
        frame_info& f = d.out->back();
        if (function) f.function = function;
        if (file) f.file = file;
        f.line = line > 0 ? static_cast<unsigned>(line) : 0;
        return 0;
    } LIFECYCLE_DETAIL_CATCH_ALL {
        d.out_of_memory = true;
        return 1;
    }
}

inline void inline_chain_symbol(void* data, std::uintptr_t, const char* name, std::uintptr_t, std::uintptr_t) noexcept {
    static_cast<inline_chain_data*>(data)->symbol = name;
}

inline void inline_chain_error(void* data, const char*, int errnum) noexcept {
    if (errnum > 0) static_cast<inline_chain_data*>(data)->system_error = true;
}

// Modules loaded so far (glibc's dlpi_adds): libbacktrace reads the list of
// modules once per state, so a module loaded after it is unknown to it.
inline unsigned long long modules_loaded() noexcept {
    unsigned long long adds = 0;
    ::dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t size, void* out) noexcept -> int {
            if (size >= offsetof(dl_phdr_info, dlpi_adds) + sizeof info->dlpi_adds)
                *static_cast<unsigned long long*>(out) = info->dlpi_adds;
            return 1;
        },
        &adds);
    return adds;
}
#endif

/// libbacktrace's view of the process, kept by the symbol cache that owns it
/// (detail/symbols.hpp), whose lock every call holds.
class inline_frames {
public:
    constexpr inline_frames() noexcept = default;

    /// Returns: true, with `chain` the frames at the call instruction `call`
    /// (innermost inlined first, `inlined` set on all but the last, names
    /// still mangled where DWARF has linkage names, the last one named by its
    /// ELF symbol as Boost names it), if libbacktrace is linked and knows the
    /// address; false (`chain` empty) otherwise.
    /// Throws: std::bad_alloc (`chain` empty).
    bool chain(std::uintptr_t call, std::vector<frame_info>& chain) {
        chain.clear();
#if LIFECYCLE_DETAIL_INLINE_FRAMES
        if (&backtrace_create_state == nullptr || &backtrace_pcinfo == nullptr) return false;
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (state_ == nullptr) { // never destroyed: libbacktrace has no call for it
                modules_ = modules_loaded();
                state_ = backtrace_create_state(nullptr, 0, &inline_chain_error, nullptr);
                if (state_ == nullptr) return false;
                used_ = false;
            }
            const bool first_use = !used_;
            used_ = true;
            inline_chain_data d{&chain};
            backtrace_pcinfo(state_, call, &inline_chain_frame, &inline_chain_error, &d);
            if (d.out_of_memory) {
                chain.clear();
                LIFECYCLE_DETAIL_THROW(std::bad_alloc());
            }
            bool known = false;
            for (const frame_info& f : chain) known = known || !f.function.empty() || !f.file.empty();
            if (known) {
                if (&backtrace_syminfo != nullptr)
                    backtrace_syminfo(state_, call, &inline_chain_symbol, &inline_chain_error, &d);
                if (d.symbol) chain.back().function = d.symbol;
                for (std::size_t i = 0; i + 1 < chain.size(); ++i) chain[i].inlined = true;
                return true;
            }
            chain.clear();
            // A state whose first read failed (out of descriptors) fails for good,
            // and one made before a module was loaded never reads it: start over, once.
            if (!(first_use && d.system_error) && modules_loaded() == modules_) return false;
            state_ = nullptr;
        }
#else
        (void)call;
#endif
        return false;
    }

#if LIFECYCLE_DETAIL_INLINE_FRAMES
private:
    backtrace_state* state_ = nullptr;
    unsigned long long modules_ = 0; // modules_loaded() when state_ was made
    bool used_ = false;
#endif
};

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_INLINE_FRAMES_HPP
