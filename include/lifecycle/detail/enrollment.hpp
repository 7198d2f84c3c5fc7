// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/enrollment.hpp — private. The one way an owner (tracked,
// unique_resource, close_guard) enrolls its resource, claims its handle,
// retires it, finds it closed elsewhere and reports a failed close. Ordinary
// inline functions: compiled once per program, not once per traits type; an
// owner's template adds only what depends on its handle type (the close
// call itself). Everything here is noexcept.
#ifndef LIFECYCLE_DETAIL_ENROLLMENT_HPP
#define LIFECYCLE_DETAIL_ENROLLMENT_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_failure.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/record_fwd.hpp>
#include <lifecycle/ownership.hpp>
#include <lifecycle/registry.hpp>
#include <lifecycle/source_site.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>

#if LIFECYCLE_TRACKING && !LIFECYCLE_DETAIL_LINKED
#    include <lifecycle/detail/owner_index.hpp>
#    include <lifecycle/detail/records.hpp>
#    include <lifecycle/detail/registry_core.hpp>

#    include <atomic>
#endif


LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// What an owner's handle needs enrolled: everything but the label and site.
struct enrollment_of {
    std::uintptr_t identity = 0; ///< the handle's value within its domain (0: none)
    bool claims = false;         ///< the handle has an identity: claim it (ownership checks)
    std::uint64_t weight = 0;    ///< bytes held
    int os_fd = -1;              ///< the file descriptor it holds (the OS cross-check), or -1
};

#if LIFECYCLE_TRACKING

/// An owner's link to its record: a live record, or nullptr (untracked).
using token = record*;

// In compiled mode these are the library's (the registry, the owner index
// and the records stay out of the files that use them): declared here,
// defined below for header-only builds and the library. The library's
// enroll() captures the creation stack in its own frame and leaves that
// frame out, so that the stack starts in the creating function, as the
// header-only enroll(), inlined into it, does.
// Hidden in compiled mode: each module (a plugin too) links its own copy of
// the library and calls it, as it would inline them header-only, so that its
// first enroll attaches the module to the registry (detail/registry_modules.hpp).
#    if LIFECYCLE_COMPILED
#        define LIFECYCLE_DETAIL_ENROLL_INLINE LIFECYCLE_DETAIL_HIDDEN
#        define LIFECYCLE_DETAIL_ENROLL_FN LIFECYCLE_DETAIL_HIDDEN
#    else
#        define LIFECYCLE_DETAIL_ENROLL_INLINE LIFECYCLE_DETAIL_ALWAYS_INLINE
#        define LIFECYCLE_DETAIL_ENROLL_FN inline
#    endif

/// Returns: the kind named `name`, or nullptr when it cannot be registered
/// (out of memory: the owner stays untracked and registering is tried again).
#    if LIFECYCLE_DETAIL_LINKED
LIFECYCLE_DETAIL_ENROLL_FN const kind_info* register_kind_noexcept(std::string_view name, std::string_view close_call,
                                                                 std::string_view domain) noexcept;
#    else
LIFECYCLE_DETAIL_NOINLINE LIFECYCLE_DETAIL_ENROLL_FN const kind_info* register_kind_noexcept(
    std::string_view name, std::string_view close_call, std::string_view domain) noexcept {
    LIFECYCLE_DETAIL_TRY {
        return instance().register_kind(name, close_call, domain);
    } LIFECYCLE_DETAIL_CATCH_ALL {
        return nullptr;
    }
}
#    endif

/// Effects: enrolls a resource of `kind` with the creation stack of the
/// function this is inlined into (tracked's constructor is inlined into the
/// creator) and claims its handle. Returns: its token; nullptr when
/// untracked (no kind, paused, out of memory).
LIFECYCLE_DETAIL_ENROLL_INLINE token enroll(const kind_info* kind, const enrollment_of& what, std::string_view label,
                                            const source_site& site) noexcept;

/// Effects: `t` leaves the registry, counted as `how`.
LIFECYCLE_DETAIL_ENROLL_FN void retire(token t, ending how) noexcept;

/// Effects: retires `t` as closed, or as a failed close when `ec`; a failure
/// of an untracked resource is counted under `kind`.
LIFECYCLE_DETAIL_ENROLL_FN void finish(token t, const kind_info* kind, const std::error_code& ec) noexcept;

/// Returns: true if the handle must not be closed: another wrapper already
/// closed it (reported as an ownership problem).
LIFECYCLE_DETAIL_ENROLL_FN bool closed_elsewhere(token t, const source_site& at) noexcept;

/// Returns: true if `t`'s wrapper is a stale owner: another wrapper closed
/// the handle it holds (nothing is reported; closing it will be).
LIFECYCLE_DETAIL_ENROLL_FN bool stale(const record* t) noexcept;

/// Effects: the one close_failure builder: hands the handler a failure with
/// what the record knows (`kind` names an untracked resource); `with_stack`
/// (destroyed without close()): with the record's creation stack, if captured.
LIFECYCLE_DETAIL_COLD void report_failure(token t, std::string_view kind, const std::error_code& ec,
                                          std::string_view what, bool with_stack = false) noexcept;

/// Returns: the tombstone a wrapper keeps after an explicit close, release
/// or reset, so a later get() says where the handle went; nullptr when the
/// ownership level is `ignore` or out of memory.
LIFECYCLE_DETAIL_ENROLL_FN const tombstone* remember(const kind_info* kind, ending how, const source_site& created,
                                                const source_site& at) noexcept;

/// Effects: reports a use (get(), ->, *) of a wrapper that closed, released
/// or gave away its handle; the use site comes from the stack.
LIFECYCLE_DETAIL_COLD void report_use_after_end(const tombstone* t) noexcept;

/// Effects: marks `t` as intentionally long-lived under `reason`.
LIFECYCLE_DETAIL_ENROLL_FN void keep(token t, std::string_view reason);

/// The record's label, site and kind, and a kind's name: what owners read
/// of the registry's data.
LIFECYCLE_DETAIL_ENROLL_FN std::string_view label_of(const record* r) noexcept;
LIFECYCLE_DETAIL_ENROLL_FN source_site site_of(const record* r) noexcept;
LIFECYCLE_DETAIL_ENROLL_FN const kind_info* kind_of_record(const record* r) noexcept;
LIFECYCLE_DETAIL_ENROLL_FN std::string_view name_of_kind(const kind_info* k) noexcept;

/// What a moved-from wrapper points to: a tombstone without a kind.
#    if LIFECYCLE_COMPILED
extern const tombstone moved_from_marker;
#    else
inline const tombstone moved_from_marker{};
#    endif

#else // LIFECYCLE_TRACKING

using token = std::nullptr_t;

/// Effects: the one close_failure builder of untracked builds.
inline void report_failure(token, std::string_view kind, const std::error_code& ec, std::string_view what,
                           bool = false) noexcept {
    close_failure f;
    f.kind = kind;
    f.error = ec;
    f.what = what;
    report_close_failure(f);
}

#endif // LIFECYCLE_TRACKING

} // namespace detail
LIFECYCLE_END_NAMESPACE


// ---- definitions (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD && LIFECYCLE_TRACKING
#    include <lifecycle/detail/anchor.hpp>
#    include <lifecycle/detail/creation_stack.hpp>

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

// Ownership checks. The claim of a handle no one else owns is inline in
// enroll() (owner_index::claim_alone); its close is out of line
// (close_claimed), so that an owner's code, once per traits type, stays
// small and the `ignore` level pays one test. The slow paths, cold, are for
// a handle another record claims too (or the process's first claim).
LIFECYCLE_DETAIL_COLD void report_second_owner(record* r, const source_site& site) noexcept;
LIFECYCLE_DETAIL_COLD bool check_close(record* t, const source_site& at) noexcept;

LIFECYCLE_DETAIL_NOINLINE LIFECYCLE_DETAIL_ENROLL_FN bool close_claimed(record* t, const source_site& at) noexcept {
    return !owners().close_alone(t) && check_close(t, at);
}

#    if LIFECYCLE_COMPILED
const tombstone moved_from_marker{};
#    endif

LIFECYCLE_DETAIL_ENROLL_INLINE token enroll(const kind_info* kind, const enrollment_of& what, std::string_view label,
                                            const source_site& site) noexcept {
    if (LIFECYCLE_DETAIL_UNLIKELY(kind == nullptr)) return nullptr;
    registry& reg = instance();
#    if LIFECYCLE_COMPILED
    // A frame record here (__builtin_frame_address keeps one, whatever the
    // library's flags), where the fast unwinder's walk starts: this frame is
    // the one skipped, and the next is the creator's.
    void* volatile frame = __builtin_frame_address(0);
    (void)frame;
    record* r = reg.enroll(reg.creation_stack(1, site.file), kind, what.identity, what.weight, label, site, what.os_fd);
#    else
    record* r = reg.enroll_here(kind, what.identity, what.weight, label, site, what.os_fd);
#    endif
    if (what.claims && r && reg.ownership() != ownership_level::ignore && !owners().claim_alone(r))
        report_second_owner(r, site);
    return r;
}

LIFECYCLE_DETAIL_ENROLL_FN void retire(token t, ending how) noexcept {
    if (t == nullptr) return;
    if (LIFECYCLE_DETAIL_UNLIKELY(t->claimed)) owners().unclaim(t);
    instance().retire(t, how);
}

LIFECYCLE_DETAIL_ENROLL_FN void finish(token t, const kind_info* kind, const std::error_code& ec) noexcept {
    if (t) return retire(t, ec ? ending::close_failed : ending::closed);
    if (ec && kind) instance().count_untracked_failure(kind);
}

LIFECYCLE_DETAIL_ENROLL_FN bool closed_elsewhere(token t, const source_site& at) noexcept {
    if (LIFECYCLE_DETAIL_UNLIKELY(t != nullptr && t->claimed)) return close_claimed(t, at);
    return false;
}

LIFECYCLE_DETAIL_ENROLL_FN bool stale(const record* t) noexcept {
    return LIFECYCLE_DETAIL_UNLIKELY(t != nullptr && t->claimed) && owners().was_closed_elsewhere(t);
}

LIFECYCLE_DETAIL_ENROLL_FN const tombstone* remember(const kind_info* kind, ending how, const source_site& created,
                                                const source_site& at) noexcept {
    if (kind == nullptr || instance().ownership() == ownership_level::ignore) return nullptr;
    return owners().intern_tombstone(kind, how, created, at);
}

LIFECYCLE_DETAIL_ENROLL_FN void keep(token t, std::string_view reason) {
    if (t) instance().keep(t, reason);
}

LIFECYCLE_DETAIL_ENROLL_FN std::string_view label_of(const record* r) noexcept { return r->label.view(); }
LIFECYCLE_DETAIL_ENROLL_FN source_site site_of(const record* r) noexcept { return r->site; }
LIFECYCLE_DETAIL_ENROLL_FN const kind_info* kind_of_record(const record* r) noexcept { return r->kind; }
LIFECYCLE_DETAIL_ENROLL_FN std::string_view name_of_kind(const kind_info* k) noexcept { return k->name; }

LIFECYCLE_DETAIL_COLD void report_second_owner(record* r, const source_site& site) noexcept {
    owner_view other;
    if (!owners().claim(r, other)) return;
    ownership_problem p;
    p.issue = ownership_issue::second_owner;
    p.kind = r->kind->name;
    p.identity = r->identity;
    p.label = r->label.view();
    p.created = anchored_site(site, r->stack);
    p.current = p.created;
    p.other_kind = other.kind->name;
    p.other_label = other.label;
    p.other_created = anchored_site(other.created, other.stack);
    report_ownership(p, instance().ownership());
}

LIFECYCLE_DETAIL_COLD bool check_close(record* t, const source_site& at) noexcept {
    owner_view who;
    const owner_index::closing_state state = owners().closing(t, at, who);
    if (state == owner_index::closing_state::alone) return false;
    ownership_problem p;
    p.kind = t->kind->name;
    p.identity = t->identity;
    p.label = t->label.view();
    p.created = anchored_site(t->site, t->stack);
    p.current = at;
    if (state == owner_index::closing_state::already_closed) {
        p.issue = ownership_issue::already_closed;
        p.closed = who.closed_elsewhere;
    } else {
        p.issue = ownership_issue::closed_while_owned;
        p.other_kind = who.kind->name;
        p.other_label = who.label;
        p.other_created = anchored_site(who.created, who.stack);
    }
    report_ownership(p, instance().ownership());
    return state == owner_index::closing_state::already_closed;
}

LIFECYCLE_DETAIL_COLD void report_failure(token t, std::string_view kind, const std::error_code& ec,
                                                     std::string_view what, bool with_stack) noexcept {
    close_failure f;
    f.kind = kind;
    f.error = ec;
    f.what = what;
    std::string stack;
    if (t) {
        f.kind = t->kind->name;
        f.label = t->label.view();
        f.site = t->site;
        LIFECYCLE_DETAIL_TRY {
            if (with_stack && !t->anchor_only) stack = creation_stack_text(t->stack);
        } LIFECYCLE_DETAIL_CATCH_ALL { // out of memory: the line without its stack
        }
        f.stack = stack;
    }
    report_close_failure(f);
}

LIFECYCLE_DETAIL_COLD void report_use_after_end(const tombstone* t) noexcept {
    const ownership_level mode = instance().ownership();
    if (mode == ownership_level::ignore) return;
    ownership_problem p;
    p.issue = ownership_issue::use_after_close;
    p.current = current_user_site();
    if (t->kind) {
        p.kind = t->kind->name;
        p.created = t->created;
        p.closed = t->ended;
        p.how = t->how == ending::released ? "released" : "closed";
    } else {
        p.how = "moved from";
    }
    report_ownership(p, mode);
}

} // namespace detail

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD && LIFECYCLE_TRACKING

#endif // LIFECYCLE_DETAIL_ENROLLMENT_HPP
