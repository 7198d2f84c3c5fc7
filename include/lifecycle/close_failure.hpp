// SPDX-License-Identifier: BSL-1.0
// lifecycle/close_failure.hpp — what happens to a close that fails where nobody
// can be told: in a destructor, in `reset()`, in a closer's destructor.
//
// Nothing is swallowed. A failure is handed to the close-error handler, one
// per process; the default handler writes one line to stderr naming the kind,
// the label, the error and the creation site. Explicit `close()` calls return
// their error instead and do not call the handler.
//
//   auto previous = lifecycle::set_close_error_handler([](const lifecycle::close_failure& f) {
//       my_log.error("{} '{}' failed to close: {}", f.kind, f.label, f.error.message());
//   });
//
// Thread safety: the handler may be replaced while other threads close
// resources; a handler runs on the thread whose close failed and must not throw.
#ifndef LIFECYCLE_CLOSE_FAILURE_HPP
#define LIFECYCLE_CLOSE_FAILURE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/function.hpp>
#include <lifecycle/detail/site_text.hpp>
#include <lifecycle/detail/text_escape.hpp>
#include <lifecycle/errors.hpp>
#include <lifecycle/source_site.hpp>

#include <string>
#include <string_view>
#include <system_error>

#if !LIFECYCLE_DETAIL_LINKED
#    include <lifecycle/detail/sync.hpp>

#    include <cstdio>
#    include <memory>
#    include <utility>
#endif

LIFECYCLE_BEGIN_NAMESPACE

/// One failed close, as handed to the close-error handler. The views are valid
/// only during the handler call.
struct close_failure {
    std::string_view kind;     ///< the traits' kind name, e.g. "fd"
    std::string_view label;    ///< the label given at creation (empty when untracked)
    source_site site;          ///< where the resource was created (unknown when untracked or capture is off)
    source_site added_at;      ///< a closer's entry: where add() was called; unknown for every other close
    std::error_code error;     ///< the close function's error; `lifecycle_errc::close_threw` for exceptions
    std::string_view what;     ///< an exception's message, or empty
    /// "destroyed without close()" with a captured creation stack: the stack, one frame a line
    /// ("    #0 load(char const*) at model.cpp:12\n"), lifecycle's frames trimmed; empty otherwise.
    std::string_view stack;
};

/// What set_close_error_handler() takes: called with each close failure that nobody can be told of otherwise.
using close_error_handler = std::function<void(const close_failure&)>;

namespace detail {

LIFECYCLE_DETAIL_COLD void write_close_failure(const close_failure& f) noexcept;

#if !LIFECYCLE_DETAIL_LINKED // a file of a compiled-mode build does not see the process's handlers
/// A replaceable process-wide handler of `Event`s with a default writer:
/// the close-error handler here, the ownership handler (ownership.hpp). It
/// may be replaced while other threads dispatch; a handler runs on the
/// dispatching thread, outside the lock.
template <class Event>
class handler_slot {
public:
    using handler = std::function<void(const Event&)>;

    /// Effects: installs `h` (empty: the default writer). Returns: the previous one.
    handler exchange(handler h) {
        auto next = h ? std::make_shared<const handler>(std::move(h)) : nullptr;
        lock_guard<mutex> lock(mutex_);
        auto previous = std::exchange(handler_, std::move(next));
        return previous ? *previous : handler{};
    }

    /// Effects: hands `e` to the handler, or to `write_default` when there is
    /// none or it throws (then says so on stderr, naming `what`).
    void dispatch(const Event& e, void (*write_default)(const Event&) noexcept, const char* what) const noexcept {
        std::shared_ptr<const handler> h;
        {
            lock_guard<mutex> lock(mutex_);
            h = handler_;
        }
        if (h) {
            LIFECYCLE_DETAIL_TRY {
                (*h)(e);
                return;
            } LIFECYCLE_DETAIL_CATCH_ALL {
                std::fprintf(stderr, "lifecycle: the %s handler threw; what it was given is printed instead\n", what);
            }
        }
        write_default(e);
    }

    // Held across fork() (the slot's owner registers these with
    // pthread_atfork): a thread replacing the handler at the fork would
    // leave the child a half-assigned shared_ptr and the lock held.
    void before_fork() noexcept { mutex_.lock(); }
    void after_fork_in_parent() noexcept { mutex_.unlock(); }
    void after_fork_in_child() noexcept { mutex_.reinitialize(); }

private:
    mutable mutex mutex_;
    std::shared_ptr<const handler> handler_;
};

// Never destroyed: closes fail during static destruction too.
LIFECYCLE_DETAIL_EXPORT inline handler_slot<close_failure>& close_handler() noexcept {
    static auto* slot = [] {
        auto* s = new handler_slot<close_failure>;
        ::pthread_atfork([] { close_handler().before_fork(); }, [] { close_handler().after_fork_in_parent(); },
                         [] { close_handler().after_fork_in_child(); });
        return s;
    }();
    return *slot;
}
#endif // !LIFECYCLE_DETAIL_LINKED

} // namespace detail

/// Effects: makes `handler` the process's close-error handler; an empty
/// function restores the default (one line on stderr).
/// Returns: the previous handler (empty if it was the default).
LIFECYCLE_DETAIL_COLD close_error_handler set_close_error_handler(close_error_handler handler);

/// Effects: hands `failure` to the current handler. A handler that throws is
/// reported on stderr; the exception does not escape.
LIFECYCLE_DETAIL_COLD void report_close_failure(const close_failure& failure) noexcept;

LIFECYCLE_END_NAMESPACE


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

LIFECYCLE_DETAIL_COLD void write_close_failure(const close_failure& f) noexcept {
    // stdio, not iostreams: the handler also runs during static destruction.
    std::string line;
    LIFECYCLE_DETAIL_TRY {
        line = "lifecycle: failed to close ";
        append_text_word(line, f.kind); // a traits' kind name may hold any byte
        append_label(line, f.label);
        line += ": ";
        append_text_word(line, f.error.message(), static_cast<std::size_t>(-1)); // a user category's words, or a locale's
        if (!f.what.empty()) {
            line += " (";
            append_text_word(line, f.what, static_cast<std::size_t>(-1)); // escaped, never cut: the error's words
            line += ')';
        }
        if (f.site.known()) {
            line += ", created at ";
            append_site(line, f.site);
        }
        if (f.added_at.known()) { // a closer's entry: where add() was called is not where it was created
            line += ", added at ";
            append_site(line, f.added_at);
        }
        line += '\n';
        line.append(f.stack.data(), f.stack.size());
        std::fwrite(line.data(), 1, line.size(), stderr);
    } LIFECYCLE_DETAIL_CATCH_ALL {
        std::fputs("lifecycle: failed to close a resource (out of memory while describing it)\n", stderr);
    }
}

} // namespace detail

LIFECYCLE_DETAIL_COLD close_error_handler set_close_error_handler(close_error_handler handler) {
    return detail::close_handler().exchange(std::move(handler));
}

LIFECYCLE_DETAIL_COLD void report_close_failure(const close_failure& failure) noexcept {
    detail::close_handler().dispatch(failure, &detail::write_close_failure, "close-error");
}

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_CLOSE_FAILURE_HPP
