// SPDX-License-Identifier: BSL-1.0
// lifecycle/closer.hpp — `closer`: close many resources, each underlying
// object exactly once, newest first, and keep every error.
//
// Cleanup code that closes member after member inside one try, with a
// catch-all, closes an aliased object twice, loses the error, and never
// reaches the members after it. A closer does what such code means:
//
//   lifecycle::closer c;
//   c.add(model.ensemble, "ensemble");             // shared_ptr: owned (shared)
//   c.add(model.ensemble_daily, "ensemble_daily"); // the same object: closed once, recorded as an alias
//   c.add(model.ensemble_trans, "ensemble_trans");
//   c.add(std::move(index_fd), "index");           // a tracked handle moved in: owned
//   c.add(log_stream);                             // an lvalue with close(): not owned
//   c.add([&] { return flush_cache(); }, "cache"); // a callable: owned, called once
//   lifecycle::close_result r = c.close_all();     // newest first; a failure never stops the others
//   for (const auto& f : r.failures()) log(f.describe(), f.error.message());
//   // or: c.close_all_or_throw();                 // throws close_error carrying every failure
//
// Guarantees. Identity: entries that reach the same object (the same address,
// the same handle value of the same kind, shared_ptrs to one object, a
// reference and a shared_ptr to one object, or what a `close_traits`
// specialization says) are closed once; the others are recorded as aliases
// naming the entry that closed it, and owning aliases are dropped without
// closing (a tracked alias is `release()`d, by value or by reference when
// another object closes it). Order: last added, first closed.
// Errors: a close that returns an error code, returns false or a non-zero
// int, or throws anything, is kept in the result with the entry's name,
// kind, identity and the site of the `add` call; the next entry is closed
// regardless; a failed close is never retried. `close_all()` is idempotent:
// closed entries leave the closer. The destructor closes what is left, hands
// failures to the close-error handler (lifecycle/close_error.hpp) and never
// throws. Thread safety: `add`, `close_all`, `size` may be called from any
// number of threads; close functions run on the thread that calls
// `close_all`, with no lock of the closer held, so a close function may call
// `add` or `close_all` on the same closer (see `close_all`). Tracking mode
// does not change a closer: it is correctness, not diagnostics.
//
// Customization: specialize `lifecycle::close_traits<T>` to tell a closer how
// to close a type without a `close()` member, what its identity is (two
// wrapper objects over one underlying handle), or whether it is still open.
#ifndef LIFECYCLE_CLOSER_HPP
#define LIFECYCLE_CLOSER_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_error.hpp>
#include <lifecycle/close_failure.hpp>
#include <lifecycle/detail/closer_entries.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/site_text.hpp>
#include <lifecycle/detail/sync.hpp>
#include <lifecycle/handle.hpp>
#include <lifecycle/identity.hpp>
#include <lifecycle/source_site.hpp>
#include <lifecycle/traits.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE

/// The customization point of closers. The primary template is empty; a
/// specialization may declare any of these static members (the others keep
/// their defaults):
///
///   template <> struct lifecycle::close_traits<my::dataset> {
///       // default: t.close(); result void, bool (false = failure), int (0 = success) or std::error_code
///       static std::error_code close(my::dataset& d);
///       // default: identity::of(d); here: wrappers over one backend are one object
///       static lifecycle::identity identity_of(const my::dataset& d) noexcept { return lifecycle::identity::of(*d.backend()); }
///       // default: t.is_open() if T has it, else unknown (the close is always attempted);
///       // false: closed elsewhere, recorded as close_outcome::already_closed and not closed again
///       static bool is_open(const my::dataset& d) noexcept;
///       // default: the type's name; must return a view of static storage
///       static std::string_view kind_name() noexcept { return "dataset"; }
///   };
///
/// lifecycle specializes it for `tracked<Traits>`: kind = Traits::kind_name(),
/// identity = the handle value (or the traits' identity) within the traits'
/// identity_domain() (an fd and a socket of one number are one object),
/// open = holds a handle, close = `tracked::close()`. A wrapper whose handle
/// another wrapper closed (a stale owner) is not open and has no identity:
/// recorded as already closed, never taken for an alias of the number's new
/// owner.
template <class T>
struct close_traits {};

template <class Traits>
/// How a closer closes a tracked handle (see close_traits): the traits' kind, the handle's identity within its domain, open while it holds a handle no other wrapper closed.
struct close_traits<tracked<Traits>> {
    /// `Traits::kind_name()`.
    static std::string_view kind_name() noexcept { return Traits::kind_name(); }
    /// Holds a handle that no other wrapper closed.
    static bool is_open(const tracked<Traits>& h) noexcept { return h && !detail::holds_stale(h); }
    /// The handle value within the traits' identity_domain(); empty for a stale or empty handle.
    static identity identity_of(const tracked<Traits>& h) noexcept {
        using handle_type = typename tracked<Traits>::handle_type;
        if constexpr (detail::has_identity<Traits>::value || std::is_pointer_v<handle_type> ||
                      std::is_integral_v<handle_type> || std::is_enum_v<handle_type>) {
            if (h && !detail::holds_stale(h)) return identity(traits_ops<Traits>::identity_domain(), traits_ops<Traits>::identity(h.get()));
        }
        return {}; // a handle type without an identity: never an alias
    }
    /// `h.close()`. The close is the closer's, not the caller's of close_all(): no
    /// site of lifecycle's own is blamed in ownership messages ("an unknown site").
    static std::error_code close(tracked<Traits>& h) noexcept(noexcept(h.close())) { return h.close(source_site{}); }
};

/// Closes what was added to it, each underlying object once, last added
/// first, keeping every error. Not copyable, not movable (other threads and
/// close callbacks may hold a reference); hold it in a unique_ptr to move it.
class closer final {
    using batch_type = std::vector<std::unique_ptr<detail::pending_entry>>;

public:
    closer() = default;
    closer(const closer&) = delete;
    closer& operator=(const closer&) = delete;

    /// Effects: closes the entries left, as close_all() does; each failure goes to the close-error
    /// handler (kind, name as label, the tracked handle's creation site or else the add site). Never throws.
    ~closer();

    /// Effects: adds an entry; `name` names it in results and reports (a
    /// tracked handle's label when empty); `site` is where it was added.
    /// `resource` may be:
    ///   - an rvalue `tracked<Traits>` (or any closable type): moved in, owned;
    ///   - a `std::shared_ptr<T>` (copied or moved) or an rvalue
    ///     `std::unique_ptr<T, D>`, T closable: owned, shared; a null pointer
    ///     is recorded as `close_outcome::empty`;
    ///   - an lvalue of a closable type (one with `close()` or a
    ///     `close_traits` specialization), including a `tracked<Traits>&`:
    ///     not owned; it must outlive the entry; found closed at close time
    ///     (is_open() false, an empty tracked) it is recorded as already closed;
    ///   - a callable taking no arguments (returning void, bool, an int
    ///     status or std::error_code): owned, called once; never an alias.
    /// Closable wins over callable. An empty owning argument (an empty
    /// tracked handle) is accepted and recorded as `close_outcome::empty`.
    /// An entry added while a close_all() runs, or after it, is closed by the
    /// next close_all() or by the destructor.
    /// An owner that cannot give its object up without closing it (a value or
    /// a unique_ptr moved in, a shared_ptr: their destructors may close it; a
    /// tracked handle can be released) is the entry that closes its object,
    /// whatever the order; a second such owner of one identity is refused.
    /// Throws: std::invalid_argument, naming both entries, when an entry
    /// already added owns another object of the same identity that it cannot
    /// give up either (the resource is untouched: still the caller's);
    /// std::bad_alloc, then the resource has been closed already (failures
    /// to the close-error handler), as std::scope_exit does.
    template <class Resource>
    void add(Resource&& resource, std::string_view name = {}, source_site site = source_site::current()) {
        using R = std::remove_cv_t<std::remove_reference_t<Resource>>;
        constexpr bool lvalue = std::is_lvalue_reference_v<Resource>;
        if constexpr (detail::is_shared_ptr<R>::value) {
            using T = std::remove_cv_t<typename R::element_type>;
            static_assert(detail::closable<T>,
                          "lifecycle::closer::add: the shared_ptr's element type must be closable: give it a close() "
                          "member or specialize lifecycle::close_traits<T> with `static auto close(T&)`");
            static_assert(!std::is_const_v<typename R::element_type>,
                          "lifecycle::closer::add: a shared_ptr<const T> cannot be closed; pass a shared_ptr<T>");
            detail::owner_claim claim = claim_owner(resource, resource ? detail::closable_ops<T>::id(*resource) : identity{},
                                            resource.get(), detail::closable_ops<T>::kind(), name, site);
            emplace<detail::shared_entry<T>>(std::shared_ptr<T>(std::forward<Resource>(resource)), name, site, std::move(claim));
        } else if constexpr (detail::is_unique_ptr<R>::value) {
            static_assert(!lvalue, "lifecycle::closer::add: move a unique_ptr in (std::move(p)), or pass *p to keep it");
            using T = typename R::element_type;
            static_assert(detail::closable<T>,
                          "lifecycle::closer::add: the unique_ptr's element type must be closable: give it a close() "
                          "member or specialize lifecycle::close_traits<T> with `static auto close(T&)`");
            if (!resource) {
                add(std::shared_ptr<T>(), name, site);
                return;
            }
            detail::owner_claim claim = claim_owner(*resource, detail::closable_ops<T>::id(*resource), resource.get(),
                                            detail::closable_ops<T>::kind(), name, site);
            std::shared_ptr<T> shared;
            LIFECYCLE_DETAIL_TRY {
                shared = std::shared_ptr<T>(std::move(resource));
            } LIFECYCLE_DETAIL_CATCH_ALL {
                close_now(*resource, name, site);
                LIFECYCLE_DETAIL_RETHROW;
            }
            emplace<detail::shared_entry<T>>(std::move(shared), name, site, std::move(claim));
        } else if constexpr (std::is_pointer_v<R>) {
            static_assert(detail::dependent_false<R>,
                          "lifecycle::closer::add: a raw pointer says nothing about ownership; pass *p (not owned), a "
                          "shared_ptr or unique_ptr (owned), or a tracked handle");
        } else if constexpr (detail::closable<R>) {
            static_assert(!std::is_const_v<std::remove_reference_t<Resource>>,
                          "lifecycle::closer::add: a const object cannot be closed; pass a non-const reference");
            if constexpr (lvalue) {
                emplace<detail::reference_entry<R>>(resource, name, site, detail::owner_claim{});
            } else {
                static_assert(std::is_nothrow_move_constructible_v<R>,
                              "lifecycle::closer::add: an owned object is moved in and must be nothrow movable; "
                              "pass a shared_ptr or unique_ptr to it instead");
                // A value's default identity is its own address: only a
                // close_traits identity can make it one object with another entry.
                detail::owner_claim claim;
                if constexpr (!detail::is_tracked<R>::value && detail::ct_identity<R>::value)
                    claim = claim_owner(resource, detail::closable_ops<R>::id(resource), nullptr, detail::closable_ops<R>::kind(),
                                        name, site); // no owner address: a caller's variable is reused (a loop)
                emplace<detail::value_entry<R>>(std::move(resource), name, site, std::move(claim));
            }
        } else if constexpr (std::is_invocable_v<std::decay_t<Resource>&>) {
            add(identity{}, std::forward<Resource>(resource), name, site);
        } else {
            static_assert(detail::dependent_false<R>,
                          "lifecycle::closer::add: cannot close this argument. Pass a tracked handle (moved in), a "
                          "shared_ptr/unique_ptr to a closable object, a reference to an object with close() (or a "
                          "lifecycle::close_traits specialization), or a callable taking no arguments");
        }
    }

    /// Effects: adds the callable `close_fn` as an owned entry whose identity
    /// is `id`, so it aliases other entries reaching the same object:
    /// `c.add(lifecycle::identity::of(*db), [db] { return sqlite3_close(db); }, "db")`.
    /// Throws: as add() above (the callable has been called).
    template <class F>
    void add(identity id, F&& close_fn, std::string_view name = {}, source_site site = source_site::current()) {
        static_assert(std::is_invocable_v<std::decay_t<F>&>,
                      "lifecycle::closer::add(identity, f): f must be callable with no arguments");
        emplace<detail::callable_entry<std::decay_t<F>>>(std::forward<F>(close_fn), name, site, detail::owner_claim{}, id);
    }

    /// Effects: closes the entries added before this call, last added first.
    /// Identities are read at the start of the pass; an entry whose identity
    /// equals one handled earlier in the pass is an alias (not closed; an
    /// owned alias is dropped, a tracked one released). A failure, a `false`,
    /// an exception of any type: recorded, and the pass goes on. Every
    /// handled entry leaves the closer; owned payloads are destroyed at the
    /// end of the pass, newest first.
    /// If another thread is in close_all(), waits for it, then closes what is
    /// left. Called from a close function of this closer (on the closing
    /// thread), it does not wait: it closes only the entries added since the
    /// outer pass began, and returns; the outer pass goes on. No lock is held
    /// while a close function runs.
    /// Returns: what was done with each entry (nothing is swallowed: check
    /// `ok()` or use close_all_or_throw()).
    /// Throws: std::bad_alloc if the result cannot be allocated; the entries
    /// have then been closed all the same, failures to the close-error handler.
    [[nodiscard]] close_result close_all();

    /// Effects: close_all().
    /// Returns: its result, when no close failed.
    /// Throws: close_error carrying every failure; std::bad_alloc as close_all().
    close_result close_all_or_throw();

    /// Returns: the number of entries waiting for a close_all().
    std::size_t size() const {
        detail::lock_guard<detail::mutex> lock(mutex_);
        return entries_.size();
    }
    /// Returns: size() == 0.
    bool empty() const { return size() == 0; }

private:
    // Throws: std::invalid_argument (another owner of `id`, `payload`
    // untouched); std::bad_alloc (`payload` closed first).
    template <class Payload>
    detail::owner_claim claim_owner(Payload& payload, identity id, const void* owner, std::string_view kind, std::string_view name,
                            const source_site& site) {
        if (!id) return {};
        LIFECYCLE_DETAIL_TRY {
            return reserve_owner(id, owner, kind, name, site);
        } LIFECYCLE_DETAIL_CATCH([[maybe_unused]] const std::bad_alloc& unused) {
            close_payload(payload, name, site);
            LIFECYCLE_DETAIL_RETHROW;
        }
    }
    detail::owner_claim reserve_owner(identity id, const void* owner, std::string_view kind, std::string_view name, const source_site& site);
    void take_entries(batch_type& batch) noexcept; // under the lock

    // Builds the entry, then queues it. Entry constructors initialize the
    // payload last, from a reference: when building throws, `payload` is
    // intact and is closed here.
    template <class Entry, class Payload, class... Extra>
    void emplace(Payload&& payload, std::string_view name, const source_site& site, detail::owner_claim&& claim, Extra... extra) {
        using P = std::remove_cv_t<std::remove_reference_t<Payload>>;
        std::unique_ptr<detail::pending_entry> e;
        LIFECYCLE_DETAIL_TRY {
            e.reset(new Entry(std::forward<Payload>(payload), name, site, extra...));
        } LIFECYCLE_DETAIL_CATCH_ALL {
            // Queued, it would have been an alias: give it up, not close it twice.
            identity id{};
            if constexpr (sizeof...(Extra) != 0) id = identity(extra...);
            else if constexpr (detail::is_shared_ptr<P>::value) id = payload ? detail::closable_ops<typename P::element_type>::id(*payload) : identity{};
            else id = detail::closable_ops<P>::id(payload);
            constexpr bool owns_value = std::is_same_v<Entry, detail::value_entry<P>> && !detail::is_tracked<P>::value;
            if (owns_value || !holds(id)) close_payload(payload, name, site);
            else if constexpr (detail::is_tracked<P>::value) (void)payload.release();
            LIFECYCLE_DETAIL_RETHROW;
        }
        LIFECYCLE_DETAIL_TRY {
            detail::lock_guard<detail::mutex> lock(mutex_);
            e->ordinal = ++ordinals_;
            entries_.push_back(std::move(e));
            claim.commit(entries_.back().get());
        } LIFECYCLE_DETAIL_CATCH_ALL {
            if (e && !e->owned_object() && holds(e->current_identity())) e->forget();
            else if (e) close_entry_now(*e);
            LIFECYCLE_DETAIL_RETHROW;
        }
    }

    // Returns: whether a queued entry has identity `id` (a scan: out of memory only).
    bool holds(const identity& id) const noexcept {
        if (!id) return false;
        detail::lock_guard<detail::mutex> lock(mutex_);
        for (const auto& e : entries_)
            if (!e->empty && e->current_identity() == id) return true;
        return false;
    }

    template <class Payload>
    static void close_payload(Payload& p, std::string_view name, const source_site& site) noexcept {
        if constexpr (detail::is_shared_ptr<std::remove_cv_t<Payload>>::value) {
            if (p) close_now(*p, name, site);
        } else {
            close_now(p, name, site);
        }
    }

    // Closes an object, or calls a callable, that could not be queued.
    template <class T>
    static void close_now(T& t, std::string_view name, const source_site& site) noexcept {
        std::string_view kind = "callable";
        if constexpr (detail::closable<T>) kind = detail::closable_ops<T>::kind();
        auto report = [&](const std::error_code& ec, std::string_view what) noexcept {
            close_failure f;
            f.kind = kind;
            f.label = name;
            f.added_at = site;
            f.error = ec;
            f.what = what;
            report_close_failure(f);
        };
        LIFECYCLE_DETAIL_TRY {
            std::error_code ec;
            if constexpr (detail::closable<T>) {
                if (detail::closable_ops<T>::state(t) == detail::open_state::closed) return;
                ec = detail::closable_ops<T>::close(t);
            } else {
                ec = detail::invoke_close(t);
            }
            if (ec) report(ec, {});
        } LIFECYCLE_DETAIL_CATCH(const std::exception& x) {
            report(make_error_code(lifecycle_errc::close_threw), x.what());
        } LIFECYCLE_DETAIL_CATCH_ALL {
            report(make_error_code(lifecycle_errc::close_threw), detail::non_std_exception);
        }
    }

    static void close_entry_now(detail::pending_entry& e) noexcept;

    // One pass over `batch` (oldest first), newest first. With `out`, each
    // entry is recorded there (capacity reserved); without, failures go to
    // the close-error handler. Never throws.
    static void run_pass(batch_type& batch, close_result* out) noexcept;

    // Reads every entry's identity (at the start of the pass) and points each
    // alias at its primary: of the entries of its identity, the newest,
    // unless it closes another object than one an older entry owns and
    // cannot give up: then that owner. An owner of another object than its
    // primary's (an identity that changed since add()) is no alias: it closes
    // its own. O(n) with a table of indexes, O(n^2) if that cannot be allocated.
    static void find_aliases(batch_type& batch) noexcept;
    static std::string describe(const detail::pending_entry& e, const identity& id);
    // Hands `r`'s failures to the close-error handler.
    static void hand_over(const close_result& r) noexcept;

    mutable detail::mutex mutex_;
    detail::condition cv_;
    batch_type entries_;
    detail::owner_claims owners_; // under mutex_
    std::uint64_t ordinals_ = 0;
    bool closing_ = false;
    pthread_t closing_thread_{}; // valid while closing_
};

LIFECYCLE_END_NAMESPACE


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <lifecycle/detail/closer_cold.hpp>
#endif

#endif // LIFECYCLE_CLOSER_HPP
