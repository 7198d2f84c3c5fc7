// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/at_exit.hpp — private. The at-exit report: everything
// still open when the process exits (except what keep_alive() marked),
// grouped like any report, and LIFECYCLE_EXIT_CODE, the exit status of a
// process whose at-exit report is not empty. Installed by report_at_exit()
// or LIFECYCLE_REPORT_AT_EXIT=1 (leak_scope.hpp). Tracking builds only.
#ifndef LIFECYCLE_DETAIL_AT_EXIT_HPP
#define LIFECYCLE_DETAIL_AT_EXIT_HPP

#include <lifecycle/config.hpp>

#if LIFECYCLE_TRACKING

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Effects: writes the at-exit report (once per process), then exits with
/// LIFECYCLE_EXIT_CODE if it is set and the report is not empty.
LIFECYCLE_DETAIL_COLD void report_open_at_exit() noexcept;
/// Effects: registers report_open_at_exit with std::atexit, once.
/// Returns: whether it is registered.
LIFECYCLE_DETAIL_COLD bool install_at_exit_report() noexcept;

} // namespace detail
LIFECYCLE_END_NAMESPACE

#    if LIFECYCLE_DETAIL_DEFINE_COLD
#        include <lifecycle/detail/exceptions.hpp>
#        include <lifecycle/detail/report_output.hpp>
#        include <lifecycle/detail/settings.hpp>
#        include <lifecycle/registry.hpp>
#        include <lifecycle/report.hpp>

#        include <algorithm>
#        include <atomic>
#        include <cstdio>
#        include <cstdlib>
#        include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

// LIFECYCLE_EXIT_CODE: the report runs inside exit() (an atexit handler, or
// a module finalizer, which glibc runs from the atexit list too). glibc lets
// a handler call exit() again: it runs the rest of the list and exits with
// the last status (stdlib/exit.c: "We call everyone on the list and use the
// status value in the last exit ()"), so atexit work the program registered
// before lifecycle still runs and stdio is still flushed. Elsewhere: flush, _Exit.
[[noreturn]] LIFECYCLE_DETAIL_COLD void exit_from_exit(int code) noexcept {
    std::fflush(nullptr);
#        ifdef __GLIBC__
    std::exit(code);
#        else
    std::_Exit(code);
#        endif
}

LIFECYCLE_DETAIL_COLD void report_open_at_exit() noexcept {
    static std::atomic<bool> done{false}; // report_at_exit() and LIFECYCLE_REPORT_AT_EXIT=1 together: once
    if (done.exchange(true)) return;
    bool leaked = false;
    LIFECYCLE_DETAIL_TRY {
        std::vector<record_view> records = instance().all_live();
        records.erase(std::remove_if(records.begin(), records.end(), [](const record_view& r) { return r.kept != nullptr; }),
                      records.end());
        if (records.empty()) return;
        leaked = true;
        leak_report r = leak_report::from_records("process exit", std::move(records), instance().capture_tier());
        write_report(r);
    } LIFECYCLE_DETAIL_CATCH_ALL {
        std::fputs("lifecycle: the at-exit report could not be rendered\n", stderr);
    }
    if (const int code = leaked ? parse_exit_code(setting_value(setting_id::exit_code), nullptr) : 0) exit_from_exit(code);
}

LIFECYCLE_DETAIL_COLD bool install_at_exit_report() noexcept {
    static const bool installed = std::atexit([] { report_open_at_exit(); }) == 0;
    return installed;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#    endif // LIFECYCLE_DETAIL_DEFINE_COLD
#endif // LIFECYCLE_TRACKING

#endif // LIFECYCLE_DETAIL_AT_EXIT_HPP
