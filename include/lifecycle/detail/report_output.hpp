// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/report_output.hpp — private. Where a finished report
// goes: its text to stderr (never stdout, which test reporters own), its JSON
// line to LIFECYCLE_REPORT_FILE, appended with one write(2).
#ifndef LIFECYCLE_DETAIL_REPORT_OUTPUT_HPP
#define LIFECYCLE_DETAIL_REPORT_OUTPUT_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/report.hpp>

#include <string>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Appends `r` as one JSON line to LIFECYCLE_REPORT_FILE, if set, with one
/// write(2) on an O_APPEND descriptor, so lines from concurrent scopes and
/// processes (ctest -j) do not interleave. A file that cannot be opened
/// gives one warning line per report; nothing else is lost.
LIFECYCLE_DETAIL_COLD void append_report_file(const leak_report& r) noexcept;

/// Prints `r` on stderr and appends it to LIFECYCLE_REPORT_FILE.
LIFECYCLE_DETAIL_COLD void write_report(const leak_report& r) noexcept;

/// Appends `line` (one JSON object and its newline) to LIFECYCLE_REPORT_FILE,
/// if set, as append_report_file does.
LIFECYCLE_DETAIL_COLD void append_report_line(const std::string& line) noexcept;

} // namespace detail
LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <lifecycle/detail/exceptions.hpp>
#    include <lifecycle/detail/settings.hpp>

#    include <cerrno>
#    include <cstdio>
#    include <cstring>
#    include <fcntl.h>
#    include <unistd.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

LIFECYCLE_DETAIL_COLD void append_report_file(const leak_report& r) noexcept {
    const char* path = setting_value(setting_id::report_file);
    if (path == nullptr || r.empty()) return;
    LIFECYCLE_DETAIL_TRY {
        append_report_line(r.to_json() + '\n');
    } LIFECYCLE_DETAIL_CATCH_ALL {
        std::fputs("lifecycle: a leak report could not be written to LIFECYCLE_REPORT_FILE (out of memory)\n", stderr);
    }
}

LIFECYCLE_DETAIL_COLD void append_report_line(const std::string& line) noexcept {
    const char* path = setting_value(setting_id::report_file);
    if (path == nullptr) return;
    {
        const int fd = ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        char shown[text_word_buffer]; // the variable's value, escaped: it cannot forge a line
        if (fd < 0) {
            const int error = errno;
            std::fprintf(stderr, "lifecycle: cannot append the report to LIFECYCLE_REPORT_FILE='%s': %s; it is printed only\n",
                         text_word_into(shown, sizeof shown, path), std::strerror(error));
            return;
        }
        ssize_t n;
        do n = ::write(fd, line.data(), line.size());
        while (n < 0 && errno == EINTR);
        if (n != static_cast<ssize_t>(line.size()))
            std::fprintf(stderr, "lifecycle: writing the report to LIFECYCLE_REPORT_FILE='%s' failed: %s\n",
                         text_word_into(shown, sizeof shown, path), n < 0 ? std::strerror(errno) : "short write");
        ::close(fd);
    }
}

LIFECYCLE_DETAIL_COLD void write_report(const leak_report& r) noexcept {
    LIFECYCLE_DETAIL_TRY {
        const std::string text = r.to_text();
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
    } LIFECYCLE_DETAIL_CATCH_ALL {
        std::fputs("lifecycle: a leak report could not be rendered (out of memory)\n", stderr);
    }
    append_report_file(r);
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_REPORT_OUTPUT_HPP
