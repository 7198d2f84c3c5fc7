// SPDX-License-Identifier: BSL-1.0
// lifecycle/ownership.hpp — ownership diagnostics: two owners of one handle,
// a close through the wrong owner, a double close, a use after close.
//
// In tracking builds every tracked handle claims its handle's identity (an fd
// number, an address) in the registry. lifecycle then sees, and reports with
// the creation site, the first close site and the current site:
//
//   second_owner        tracked_fd b{a.get()};  — fd 7 is already owned by `a`
//   closed_while_owned  b.close();              — `a` still owns fd 7
//   already_closed      ~a()                    — fd 7 was closed through `b`;
//                                                 `a` does not close it again
//                                                 (the number may belong to a
//                                                 new file by now)
//   use_after_close     a.get() after a.close(), a.release() or a move
//
// Levels, set in code or by LIFECYCLE_OWNERSHIP=ignore|warn-once|warn|abort
// (read once, at first use; default warn-once):
//   ignore     nothing is checked (no claim, no cost beyond the registry's)
//   warn_once  each distinct problem (kind of problem and sites) is reported once
//   warn       every occurrence is reported
//   abort      the first problem is reported, then std::abort()
//
//   lifecycle::set_ownership_level(lifecycle::ownership_level::abort); // in a test main
//   lifecycle::set_ownership_handler([](const lifecycle::ownership_problem& p) { log(p.message()); });
//
// The default handler writes one line to stderr. Only handles created while
// the level is not `ignore` are checked. With LIFECYCLE_TRACKING=0 nothing is
// checked and these functions do nothing. Reporting a problem symbolizes
// (allocates, takes locks): do not use a closed wrapper in a signal handler.
#ifndef LIFECYCLE_OWNERSHIP_HPP
#define LIFECYCLE_OWNERSHIP_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_failure.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/registry.hpp>
#include <lifecycle/source_site.hpp>

#include <lifecycle/detail/function.hpp>
#include <lifecycle/detail/text_escape.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#if !LIFECYCLE_DETAIL_LINKED
#    include <lifecycle/detail/intern_table.hpp>
#    include <lifecycle/detail/site_text.hpp>
#    include <lifecycle/detail/sync.hpp>

#    include <atomic>
#    include <cstdio>
#    include <cstdlib>
#    include <new>
#    include <utility>

#    include <pthread.h>
#endif

LIFECYCLE_BEGIN_NAMESPACE

/// The problems ownership diagnostics find.
enum class ownership_issue {
    second_owner,       ///< a wrapper took a handle another live wrapper owns
    closed_while_owned, ///< a wrapper closed a handle another live wrapper owns
    already_closed,     ///< a wrapper's handle was closed through another wrapper; not closed again
    use_after_close,    ///< get() (or -> / *) on a wrapper that closed, released or gave away its handle
};

/// One problem, as handed to the ownership handler. Views are valid only
/// during the handler call.
struct ownership_problem {
    /// What went wrong.
    ownership_issue issue = ownership_issue::second_owner;
    std::string_view kind;      ///< this wrapper's kind, e.g. "fd"
    std::uintptr_t identity = 0; ///< the handle's identity (fd number, address); 0 for use_after_close
    std::string_view label;     ///< this wrapper's label
    source_site created;        ///< where this wrapper's handle was enrolled
    source_site closed;         ///< the first close (already_closed, use_after_close), if known
    source_site current;        ///< where the problem happens now (unknown in destructors)
    std::string_view how;       ///< use_after_close: "closed", "released" or "moved from"
    std::string_view other_kind;  ///< the other wrapper (second_owner, closed_while_owned)
    /// The other wrapper's label.
    std::string_view other_label;
    /// Where the other wrapper's handle was enrolled.
    source_site other_created;

    /// Returns: one line describing the problem, without a trailing newline;
    /// the labels as text reports show them (control characters and bytes
    /// that are not UTF-8 escaped, cut at 200 bytes).
    std::string message() const;
};

/// What set_ownership_handler() takes: called with each ownership problem.
using ownership_handler = std::function<void(const ownership_problem&)>;

namespace detail {

/// Effects: appends "a tracked <kind> '<label>'" (no label part for an empty label), the label escaped.
LIFECYCLE_DETAIL_COLD void append_wrapper(std::string& out, std::string_view kind, std::string_view label);

} // namespace detail


#if !LIFECYCLE_DETAIL_LINKED // the process's handler and warnings: the library's in compiled mode
namespace detail {

struct ownership_state {
    struct seen_problem {
        std::uint64_t hash;
    };
    handler_slot<ownership_problem> handler;
    intern_table<seen_problem> seen;          // warn_once: problems already reported, by key and generation
    std::atomic<std::uint64_t> generation{0}; // reset_ownership_warnings() starts a new one
};

LIFECYCLE_DETAIL_COLD void write_ownership_problem(const ownership_problem& p) noexcept;

// Never destroyed: handles close during static destruction too.
LIFECYCLE_DETAIL_EXPORT inline ownership_state& ownership_globals() noexcept {
    // In static storage, as symbols() is: this runs at the first ownership
    // problem, which must not end the process when memory is short.
    alignas(ownership_state) static unsigned char storage[sizeof(ownership_state)];
    static ownership_state* state = [] {
        ownership_state* st = new (storage) ownership_state;
        ::pthread_atfork([] { ownership_globals().handler.before_fork(); },
                         [] { ownership_globals().handler.after_fork_in_parent(); },
                         [] {
                             ownership_globals().handler.after_fork_in_child();
                             ownership_globals().seen.after_fork_in_child();
                         });
        return st;
    }();
    return *state;
}

} // namespace detail
#endif // !LIFECYCLE_DETAIL_LINKED

namespace detail {
LIFECYCLE_DETAIL_COLD std::uint64_t problem_key(const ownership_problem& p) noexcept;

/// Effects: applies the ownership level to `p`: drops it (ignore, or a
/// repeat under warn_once), hands it to the handler, aborts under abort.
/// Never throws.
LIFECYCLE_DETAIL_COLD void report_ownership(const ownership_problem& p, ownership_level mode) noexcept;

} // namespace detail

#if LIFECYCLE_TRACKING
/// Effects: sets the level for handles created (and problems found) from now on.
LIFECYCLE_DETAIL_COLD void set_ownership_level(ownership_level level) noexcept;
/// Returns: the level in force.
LIFECYCLE_DETAIL_COLD ownership_level current_ownership_level() noexcept;
#else
inline void set_ownership_level(ownership_level) noexcept {}
inline ownership_level current_ownership_level() noexcept { return ownership_level::ignore; }
#endif

/// Effects: makes `handler` receive ownership problems (after the level's
/// filtering); an empty function restores the default (one line on stderr).
/// Under `abort`, the process aborts after the handler returns.
/// Returns: the previous handler (empty if it was the default).
LIFECYCLE_DETAIL_COLD ownership_handler set_ownership_handler(ownership_handler handler);

/// Effects: forgets which problems warn_once has already reported (for tests).
LIFECYCLE_DETAIL_COLD void reset_ownership_warnings() noexcept;

LIFECYCLE_END_NAMESPACE


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

LIFECYCLE_DETAIL_COLD void append_wrapper(std::string& out, std::string_view kind, std::string_view label) {
    out += "a tracked ";
    append_text_word(out, kind); // a traits' kind name may hold any byte, as a label may
    append_label(out, label);
}

} // namespace detail

LIFECYCLE_DETAIL_COLD std::string ownership_problem::message() const {
    std::string m = "lifecycle: ownership: ";
    const std::string handle = detail::text_word(kind) + ' ' + std::to_string(identity);
    switch (issue) {
    case ownership_issue::second_owner:
        m += handle + " is already owned by ";
        detail::append_wrapper(m, other_kind, other_label);
        m += " created at ";
        detail::append_site(m, other_created);
        m += "; a second owner";
        detail::append_label(m, label);
        m += " takes it at ";
        detail::append_site(m, current);
        break;
    case ownership_issue::closed_while_owned:
        m += handle + " is closed at ";
        detail::append_site(m, current);
        m += " through ";
        detail::append_wrapper(m, kind, label);
        m += " created at ";
        detail::append_site(m, created);
        m += ", but ";
        detail::append_wrapper(m, other_kind, other_label);
        m += " created at ";
        detail::append_site(m, other_created);
        m += " still owns it";
        break;
    case ownership_issue::already_closed:
        m += handle;
        detail::append_label(m, label);
        m += " created at ";
        detail::append_site(m, created);
        m += " was already closed at ";
        detail::append_site(m, closed);
        m += " through another wrapper; not closing it again at ";
        detail::append_site(m, current);
        break;
    case ownership_issue::use_after_close:
        m += "get() at ";
        detail::append_site(m, current);
        m += " on ";
        if (kind.empty()) {
            m += "a moved-from tracked handle";
            break;
        }
        detail::append_wrapper(m, kind, label);
        m += " that was ";
        m.append(how.data(), how.size());
        m += " at ";
        detail::append_site(m, closed);
        m += " (created at ";
        detail::append_site(m, created);
        m += ')';
        break;
    }
    return m;
}

namespace detail {

LIFECYCLE_DETAIL_COLD void write_ownership_problem(const ownership_problem& p) noexcept {
    LIFECYCLE_DETAIL_TRY {
        std::string line = p.message();
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stderr);
    } LIFECYCLE_DETAIL_CATCH_ALL {
        std::fputs("lifecycle: ownership: a problem was found (out of memory while describing it)\n", stderr);
    }
}

LIFECYCLE_DETAIL_COLD std::uint64_t problem_key(const ownership_problem& p) noexcept {
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&h](std::uint64_t v) {
        h ^= v;
        h *= 1099511628211ull;
        h ^= h >> 31;
    };
    mix(static_cast<std::uint64_t>(p.issue)); // not the identity: one report per code path, not per fd or address
    for (const source_site* s : {&p.current, &p.created, &p.other_created, &p.closed}) {
        mix(reinterpret_cast<std::uintptr_t>(s->file));
        mix(s->line);
    }
    return h;
}

LIFECYCLE_DETAIL_COLD void report_ownership(const ownership_problem& p, ownership_level mode) noexcept {
    if (mode == ownership_level::ignore) return;
    auto& g = ownership_globals();
    if (mode == ownership_level::warn_once) {
        const std::uint64_t key = mix_hash(problem_key(p) ^ g.generation.load(std::memory_order_relaxed));
        bool fresh = false;
        g.seen.intern(
            key, [](const ownership_state::seen_problem&) { return true; },
            [&fresh]() -> ownership_state::seen_problem* {
                fresh = true;
                return new (std::nothrow) ownership_state::seen_problem{0};
            });
        if (!fresh) return; // out of memory: reported again rather than lost
    }
    g.handler.dispatch(p, &write_ownership_problem, "ownership");
    if (mode == ownership_level::abort) {
        std::fputs("lifecycle: ownership: aborting (LIFECYCLE_OWNERSHIP=abort)\n", stderr);
        std::fflush(stderr);
        std::abort();
    }
}

} // namespace detail

LIFECYCLE_DETAIL_COLD ownership_handler set_ownership_handler(ownership_handler handler) {
    return detail::ownership_globals().handler.exchange(std::move(handler));
}

LIFECYCLE_DETAIL_COLD void reset_ownership_warnings() noexcept {
    detail::ownership_globals().generation.fetch_add(1, std::memory_order_relaxed);
}

#if LIFECYCLE_TRACKING
LIFECYCLE_DETAIL_COLD void set_ownership_level(ownership_level level) noexcept { detail::instance().set_ownership(level); }
LIFECYCLE_DETAIL_COLD ownership_level current_ownership_level() noexcept { return detail::instance().ownership(); }
#endif

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_OWNERSHIP_HPP
