// SPDX-License-Identifier: BSL-1.0
// src/lifecycle.cpp — lifecycle's compiled mode: the cold paths (settings,
// reports, symbolizing, JSON, the closer's pass, ownership messages)
// compiled once, so that files built with LIFECYCLE_COMPILED=1 see only
// their declarations. Built by CMake (LIFECYCLE_COMPILED=ON) and meson
// (-Dcompiled=true) once per tracking mode: this file for the mode the build
// asks for (tracking unless told otherwise), src/lifecycle_untracked.cpp for
// LIFECYCLE_TRACKING=0, so that one library serves both kinds of files.
#ifndef LIFECYCLE_COMPILED
#    define LIFECYCLE_COMPILED 1
#endif
#if !LIFECYCLE_COMPILED
#    error "src/lifecycle.cpp is lifecycle's compiled mode: build it with LIFECYCLE_COMPILED=1"
#endif
#ifndef LIFECYCLE_TRACKING
#    define LIFECYCLE_TRACKING 1
#endif
#define LIFECYCLE_DETAIL_BUILDING_LIBRARY 1

#include <lifecycle/tracked.hpp>

#if LIFECYCLE_TRACKING
namespace {
// The library is one translation unit, so it may do at load time what no
// header does: lend the report layer's hooks before anything else runs.
struct lend_report_hooks {
    lend_report_hooks() noexcept { lifecycle::detail::hooks().hand_over(&lifecycle::detail::report_layer_hooks); }
} const lend_at_load;
} // namespace
#endif
