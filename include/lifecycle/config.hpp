// SPDX-License-Identifier: BSL-1.0
// lifecycle/config.hpp — version, configuration macros and the ABI namespace.
//
// Every public header includes this one first. It defines:
//   LIFECYCLE_VERSION            major * 10000 + minor * 100 + patch
//   LIFECYCLE_TRACKING           1: handles enroll in the registry; 0: plain RAII,
//                                zero overhead. Default: 1 unless NDEBUG.
//   LIFECYCLE_STACKTRACE         1: creation stacks through Boost.Stacktrace;
//                                0: no stacks (the `stack` capture tier degrades
//                                to `site`). Default: 1 when Boost.Stacktrace is
//                                found by __has_include. Set it through the build
//                                (the CMake/meson targets do), not before an include.
//
// LIFECYCLE_TRACKING changes the layout of every handle. It is carried into an
// inline namespace, so two translation units built with different settings fail
// to link instead of sharing objects of two different layouts.
#ifndef LIFECYCLE_CONFIG_HPP
#define LIFECYCLE_CONFIG_HPP

/// The major version.
#define LIFECYCLE_VERSION_MAJOR 0
/// The minor version.
#define LIFECYCLE_VERSION_MINOR 2
/// The patch version.
#define LIFECYCLE_VERSION_PATCH 0
/// The version as one number: major * 10000 + minor * 100 + patch.
#define LIFECYCLE_VERSION \
    (LIFECYCLE_VERSION_MAJOR * 10000 + LIFECYCLE_VERSION_MINOR * 100 + LIFECYCLE_VERSION_PATCH)

#ifndef LIFECYCLE_TRACKING
#    ifdef NDEBUG
#        define LIFECYCLE_TRACKING 0
#    else
#        define LIFECYCLE_TRACKING 1
#    endif
#endif

#if LIFECYCLE_TRACKING != 0 && LIFECYCLE_TRACKING != 1
#    error "LIFECYCLE_TRACKING must be 0 or 1"
#endif

#ifndef LIFECYCLE_STACKTRACE
#    if defined(__has_include)
#        if __has_include(<boost/stacktrace.hpp>)
#            define LIFECYCLE_STACKTRACE 1
#        else
#            define LIFECYCLE_STACKTRACE 0
#        endif
#    else
#        define LIFECYCLE_STACKTRACE 0
#    endif
#endif

#if LIFECYCLE_STACKTRACE != 0 && LIFECYCLE_STACKTRACE != 1
#    error "LIFECYCLE_STACKTRACE must be 0 or 1"
#endif

// LIFECYCLE_COMPILED=1: the cold paths (settings, reports, symbolizing,
// JSON, the closer's pass, ownership messages) are compiled once, into the
// library built from src/lifecycle.cpp (CMake LIFECYCLE_COMPILED=ON, meson
// -Dcompiled=true), and user files see only their declarations. 0 (the
// default): header-only. Set through the build target, never before an include.
#ifndef LIFECYCLE_COMPILED
#    define LIFECYCLE_COMPILED 0
#endif
#if LIFECYCLE_COMPILED != 0 && LIFECYCLE_COMPILED != 1
#    error "LIFECYCLE_COMPILED must be 0 or 1"
#endif

// Where the cold paths are defined: in every file (header-only), or in the
// library only. LIFECYCLE_DETAIL_COLD marks their definitions: inline in
// headers, ordinary functions in the library.
#if !LIFECYCLE_COMPILED || defined(LIFECYCLE_DETAIL_BUILDING_LIBRARY)
#    define LIFECYCLE_DETAIL_DEFINE_COLD 1
#else
#    define LIFECYCLE_DETAIL_DEFINE_COLD 0
#endif
#if LIFECYCLE_COMPILED
#    define LIFECYCLE_DETAIL_COLD
#else
#    define LIFECYCLE_DETAIL_COLD inline
#endif
// A file of a compiled-mode build other than the library: the registry, its
// shards, the owner index and the closer's maps are the library's, and the
// public headers show such a file only the declarations it calls (the
// declarations themselves depend on LIFECYCLE_COMPILED alone, so that the
// library defines what its users declare).
#if LIFECYCLE_DETAIL_DEFINE_COLD
#    define LIFECYCLE_DETAIL_LINKED 0
#else
#    define LIFECYCLE_DETAIL_LINKED 1
#endif

#if __cplusplus < 201703L
#    error "lifecycle needs C++17 or later"
#endif

// The ABI namespace: library version and tracking mode.
// Compiled mode is in it too: a file built header-only and one built against
// the compiled library define the cold functions differently (inline or
// not), so mixing them fails to link instead of breaking the ODR.
#if LIFECYCLE_TRACKING && LIFECYCLE_COMPILED
#    define LIFECYCLE_DETAIL_ABI v0_tracking_compiled
#elif LIFECYCLE_TRACKING
#    define LIFECYCLE_DETAIL_ABI v0_tracking
#elif LIFECYCLE_COMPILED
#    define LIFECYCLE_DETAIL_ABI v0_untracked_compiled
#else
#    define LIFECYCLE_DETAIL_ABI v0_untracked
#endif

#define LIFECYCLE_DETAIL_STRINGIZE_(x) #x
#define LIFECYCLE_DETAIL_STRINGIZE(x) LIFECYCLE_DETAIL_STRINGIZE_(x)

/// Opens lifecycle's namespace and its ABI inline namespace (lifecycle's own use).
#define LIFECYCLE_BEGIN_NAMESPACE \
    namespace lifecycle {         \
    inline namespace LIFECYCLE_DETAIL_ABI {
/// Closes what LIFECYCLE_BEGIN_NAMESPACE opened.
#define LIFECYCLE_END_NAMESPACE \
    }                           \
    }

// The registry accessor must be one symbol per process, also when the library
// is used from several shared objects built with -fvisibility=hidden.
#if defined(__GNUC__) || defined(__clang__)
#    define LIFECYCLE_DETAIL_EXPORT __attribute__((visibility("default")))
#    define LIFECYCLE_DETAIL_HIDDEN __attribute__((visibility("hidden")))
#    define LIFECYCLE_DETAIL_NOINLINE __attribute__((noinline))
#    define LIFECYCLE_DETAIL_ALWAYS_INLINE inline __attribute__((always_inline))
#    define LIFECYCLE_DETAIL_LIKELY(x) __builtin_expect(!!(x), 1)
#    define LIFECYCLE_DETAIL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#    define LIFECYCLE_DETAIL_EXPORT
#    define LIFECYCLE_DETAIL_HIDDEN
#    define LIFECYCLE_DETAIL_NOINLINE
#    define LIFECYCLE_DETAIL_ALWAYS_INLINE inline
#    define LIFECYCLE_DETAIL_LIKELY(x) (x)
#    define LIFECYCLE_DETAIL_UNLIKELY(x) (x)
#endif

// ThreadSanitizer cannot model membarrier(2): under it the registry's owners
// always take their shard's lock (registry.hpp, "Shard access").
#if defined(__SANITIZE_THREAD__)
#    define LIFECYCLE_DETAIL_TSAN 1
#elif defined(__has_feature)
#    if __has_feature(thread_sanitizer)
#        define LIFECYCLE_DETAIL_TSAN 1
#    endif
#endif
#ifndef LIFECYCLE_DETAIL_TSAN
#    define LIFECYCLE_DETAIL_TSAN 0
#endif

// The fast unwinder (detail/frame_walk.hpp) follows frame records laid out
// as {previous frame pointer, return address}: x86-64's rbp chain and
// aarch64's x29/x30 records. Elsewhere creation stacks use the precise one.
#if (defined(__x86_64__) || defined(__aarch64__)) && (defined(__GNUC__) || defined(__clang__))
#    define LIFECYCLE_DETAIL_FAST_UNWIND 1
#else
#    define LIFECYCLE_DETAIL_FAST_UNWIND 0
#endif

// Every module built with lifecycle says so, and in which mode (an ELF note).
#include <lifecycle/detail/module_note.hpp>

#endif // LIFECYCLE_CONFIG_HPP
