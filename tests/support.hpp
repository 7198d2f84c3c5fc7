// SPDX-License-Identifier: BSL-1.0
// Helpers shared by the tests: fd probes, counters, captured stderr and close failures.
#ifndef LIFECYCLE_TESTS_SUPPORT_HPP
#define LIFECYCLE_TESTS_SUPPORT_HPP

#include <lifecycle/tracked.hpp>
// The registry's internals, which some tests read (a compiled-mode build
// does not show them through tracked.hpp).
#include <lifecycle/detail/registry_core.hpp>
#include <lifecycle/detail/settings.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <ostream> // doctest prints std::error_code through it
#include <string>
#include <string_view>
#include <vector>

namespace lifecycle_test {

inline bool fd_is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

inline lifecycle::kind_stats stats_of(std::string_view kind) {
    for (auto& k : lifecycle::stats())
        if (k.kind == kind) return k;
    lifecycle::kind_stats none;
    none.kind = std::string(kind);
    return none;
}

inline std::uint64_t live_of(std::string_view kind) { return stats_of(kind).live; }

/// Replaces the close-error handler while alive and keeps what it receives.
class capture_close_failures {
public:
    struct entry {
        std::string kind, label, file, function, what;
        unsigned line = 0;
        std::error_code error;
        lifecycle::source_site added_at;
        std::string stack;
    };
    capture_close_failures() {
        previous_ = lifecycle::set_close_error_handler([this](const lifecycle::close_failure& f) {
            std::lock_guard<std::mutex> lock(mutex_);
            entries_.push_back(entry{std::string(f.kind), std::string(f.label), f.site.file, f.site.function,
                                     std::string(f.what), f.site.line, f.error, f.added_at,
                                     std::string(f.stack)});
        });
    }
    ~capture_close_failures() { lifecycle::set_close_error_handler(previous_); }
    std::size_t size() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return entries_.size();
    }
    entry at(std::size_t i) const {
        std::lock_guard<std::mutex> lock(mutex_);
        return entries_.at(i);
    }

private:
    mutable std::mutex mutex_;
    std::vector<entry> entries_;
    lifecycle::close_error_handler previous_;
};

/// Redirects the process's stderr (fd 2) to a file while alive.
class capture_stderr {
public:
    capture_stderr() {
        std::fflush(stderr);
        file_ = std::tmpfile();
        saved_ = ::dup(2);
        ::dup2(::fileno(file_), 2);
    }
    ~capture_stderr() {
        restore();
        std::fclose(file_);
    }
    std::string text() {
        restore();
        std::string out;
        std::rewind(file_);
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) out.append(buf, n);
        return out;
    }

private:
    void restore() {
        if (saved_ < 0) return;
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
        saved_ = -1;
    }
    std::FILE* file_ = nullptr;
    int saved_ = -1;
};

/// Sets the capture tier while alive; restores the previous one.
class with_capture {
public:
    explicit with_capture(lifecycle::capture c) : previous_(lifecycle::current_capture()) { lifecycle::set_capture(c); }
    ~with_capture() { lifecycle::set_capture(previous_); }
    with_capture(const with_capture&) = delete;
    with_capture& operator=(const with_capture&) = delete;

private:
    lifecycle::capture previous_;
};

/// Sets the ownership diagnostics level while alive; restores the previous one.
class with_ownership {
public:
    explicit with_ownership(lifecycle::ownership_level l) : previous_(lifecycle::current_ownership_level()) {
        lifecycle::set_ownership_level(l);
    }
    ~with_ownership() { lifecycle::set_ownership_level(previous_); }
    with_ownership(const with_ownership&) = delete;
    with_ownership& operator=(const with_ownership&) = delete;

private:
    lifecycle::ownership_level previous_;
};

/// A word a program gives that would forge a line, clear the screen and
/// break UTF-8 (the escaping tests), and how text outputs show it.
inline const std::string hostile_word = "x\nlifecycle: forged\x1b[2J\xff";
inline const std::string hostile_word_shown = "x\\nlifecycle: forged\\x1b[2J\\xff";

/// Returns: true if `text` holds a byte of hostile_word that must be escaped.
inline bool has_raw_bytes(const std::string& text) {
    return text.find("\nlifecycle: forged") != std::string::npos || text.find('\x1b') != std::string::npos ||
           text.find('\xff') != std::string::npos;
}

/// An fd whose traits name its kind and close call with hostile_word: a
/// traits author's words reach every text output, as a label does.
struct hostile_kind_traits {
    using handle_type = int;
    static std::string_view kind_name() noexcept { return hostile_word; }
    static std::string_view close_call() noexcept { return hostile_word; }
    static constexpr int invalid() noexcept { return -1; }
    static void close(int fd) noexcept { ::close(fd); }
};

/// An object with close() that can tell it is closed (closer tests, both modes).
struct openable {
    int closes = 0;
    bool open = true;
    void close() {
        ++closes;
        open = false;
    }
    bool is_open() const noexcept { return open; }
};

/// A handle that is only an integer: create and close cost nothing, and
/// closes are counted per value.
template <class Tag>
struct fake_traits {
    using handle_type = int;
    static std::string_view kind_name() noexcept { return Tag::name; }
    static constexpr int invalid() noexcept { return -1; }
    static std::error_code close(int) noexcept {
        closes().fetch_add(1);
        return {};
    }
    static std::atomic<long>& closes() {
        static std::atomic<long> n{0};
        return n;
    }
};

} // namespace lifecycle_test

#endif
