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
// closing (a tracked alias is `release()`d). Order: last added, first closed.
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
#include <lifecycle/close_failure.hpp>
#include <lifecycle/detail/site_text.hpp>
#include <lifecycle/detail/sync.hpp>
#include <lifecycle/handle.hpp>
#include <lifecycle/source_site.hpp>
#include <lifecycle/traits.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE

/// What makes two closer entries "the same object": a domain and a value.
/// Addresses of objects share the domain "object", so a reference and a
/// shared_ptr to one object are equal; tracked handles use their kind name as
/// the domain and the handle value (or the traits' `identity`) as the value.
/// An empty identity equals no other entry's: the entry is always closed.
class identity {
public:
    /// The domain of object addresses.
    static constexpr std::string_view object_domain = "object";

    /// Effects: an empty identity (never an alias of anything).
    constexpr identity() noexcept = default;

    /// Effects: the identity `value` within `domain`.
    /// Requires: `domain` has static storage duration (a literal, a kind_name()).
    constexpr identity(std::string_view domain, std::uintptr_t value) noexcept
        : domain_(domain), value_(value), set_(true) {}

    /// Returns: the identity of the address `p`; empty if `p` is null.
    static identity of_address(const volatile void* p) noexcept {
        return p ? identity(object_domain, reinterpret_cast<std::uintptr_t>(p)) : identity();
    }

    /// Returns: the identity of `object`'s address. For a polymorphic type,
    /// the address of the most-derived object, so a reference to a base and a
    /// shared_ptr to the derived object are the same identity.
    template <class T>
    static identity of(const T& object) noexcept {
        if constexpr (std::is_polymorphic_v<T>) return of_address(dynamic_cast<const volatile void*>(std::addressof(object)));
        else return of_address(std::addressof(object));
    }

    constexpr bool empty() const noexcept { return !set_; }
    constexpr explicit operator bool() const noexcept { return set_; }
    constexpr std::string_view domain() const noexcept { return domain_; }
    constexpr std::uintptr_t value() const noexcept { return value_; }

    /// Returns: "fd 7", "object 0x7ffc2a1b3c40" (values from 65536 up in hex), or "" when empty.
    std::string to_string() const {
        if (!set_) return {};
        char buf[32];
        if (value_ < 65536) std::snprintf(buf, sizeof buf, " %llu", static_cast<unsigned long long>(value_));
        else std::snprintf(buf, sizeof buf, " 0x%llx", static_cast<unsigned long long>(value_));
        return std::string(domain_) + buf;
    }

    friend bool operator==(const identity& a, const identity& b) noexcept {
        return a.set_ == b.set_ && (!a.set_ || (a.value_ == b.value_ && a.domain_ == b.domain_));
    }
    friend bool operator!=(const identity& a, const identity& b) noexcept { return !(a == b); }

private:
    std::string_view domain_{};
    std::uintptr_t value_ = 0;
    bool set_ = false;
};

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
/// identity = the handle value (or the traits' identity) within that kind,
/// open = holds a handle, close = `tracked::close()`.
template <class T>
struct close_traits {};

template <class Traits>
struct close_traits<tracked<Traits>> {
    static std::string_view kind_name() noexcept { return Traits::kind_name(); }
    static bool is_open(const tracked<Traits>& h) noexcept { return static_cast<bool>(h); }
    static identity identity_of(const tracked<Traits>& h) noexcept {
        using handle_type = typename tracked<Traits>::handle_type;
        if constexpr (detail::has_identity<Traits>::value || std::is_pointer_v<handle_type> ||
                      std::is_integral_v<handle_type> || std::is_enum_v<handle_type>) {
            if (h) return identity(Traits::kind_name(), traits_ops<Traits>::identity(h.get()));
        }
        return {}; // a handle type without an identity: never an alias
    }
    static std::error_code close(tracked<Traits>& h) noexcept(noexcept(h.close())) { return h.close(); }
};

/// What a closer did with one entry.
enum class close_outcome {
    closed,         ///< closed successfully by this entry
    failed,         ///< this entry's close failed (error code, false, non-zero, or an exception)
    alias,          ///< the same object as an entry closed earlier in the same pass; not closed again
    already_closed, ///< the object said it was closed already (a tracked handle closed by its owner, is_open() false)
    empty,          ///< nothing to close: a null shared_ptr, an empty tracked handle
};

/// Returns: "closed", "failed", "alias", "already closed" or "empty".
constexpr std::string_view to_string(close_outcome o) noexcept {
    switch (o) {
    case close_outcome::closed: return "closed";
    case close_outcome::failed: return "failed";
    case close_outcome::alias: return "alias";
    case close_outcome::already_closed: return "already closed";
    case close_outcome::empty: return "empty";
    }
    return "?";
}

/// One entry of a close_result.
struct close_entry {
    std::string name;          ///< the name given to add(); a tracked handle's label if none was given; may be empty
    std::string_view kind;     ///< "fd", the object's type or close_traits<T>::kind_name(), "callable" (static storage)
    identity id;               ///< empty for callables added without one and for handle types without identity
    close_outcome outcome = close_outcome::closed;
    std::error_code error;     ///< failed: the close's error; lifecycle_errc::close_threw for an exception
    std::string what;          ///< failed by an exception: its what(), or a note for non-std exceptions
    source_site added_at;      ///< where add() was called
    source_site created_at;    ///< a tracked handle's creation site (tracking builds, capture on); else unknown
    std::uint64_t ordinal = 0; ///< the entry's position in the closer's add order, from 1
    std::string alias_of;      ///< alias: the name (or description) of the entry that closed the object
    std::uint64_t alias_of_ordinal = 0; ///< alias: that entry's ordinal

    /// Returns: "'name' (kind identity)", or "kind #ordinal (identity)" for an unnamed entry.
    std::string describe() const {
        std::string s = name.empty() ? std::string(kind) + " #" + std::to_string(ordinal) : "'" + name + "'";
        const std::string id_text = id.to_string();
        if (!name.empty()) s += " (" + std::string(kind) + (id_text.empty() ? "" : ", " + id_text) + ")";
        else if (!id_text.empty()) s += " (" + id_text + ")";
        return s;
    }
};


/// What one `closer::close_all()` did, entry by entry, in close order
/// (last added first). A value: safe to keep, copy and pass between threads.
class close_result {
public:
    close_result() = default;

    /// Returns: every entry of the pass, in the order they were handled.
    const std::vector<close_entry>& entries() const noexcept { return entries_; }
    /// Returns: true when the pass handled no entry.
    bool empty() const noexcept { return entries_.empty(); }
    /// Returns: the number of entries with outcome `o`.
    std::size_t count(close_outcome o) const noexcept {
        std::size_t n = 0;
        for (const auto& e : entries_) n += e.outcome == o;
        return n;
    }
    /// Returns: true when no close failed.
    bool ok() const noexcept { return count(close_outcome::failed) == 0; }
    /// Returns: the failed entries, in close order.
    std::vector<close_entry> failures() const { return select(close_outcome::failed); }
    /// Returns: the entries skipped as aliases, in close order.
    std::vector<close_entry> aliases() const { return select(close_outcome::alias); }
    /// Returns: the first entry named `name`, or nullptr.
    const close_entry* find(std::string_view name) const noexcept {
        for (const auto& e : entries_)
            if (e.name == name) return &e;
        return nullptr;
    }

    /// Returns: a summary line and one line per entry (wrapped here), in
    /// close order; "" when empty. From examples/aliased_close.cpp:
    ///
    ///   lifecycle: closer handled 3 entries: 1 closed, 1 failed, 1 alias
    ///     failed          'ensemble_trans' (weather::dataset, object 0x5562...): the close function threw an
    ///                     exception (closing dataset 'ensemble_trans': Input/output error), added at main (aliased_close.cpp:194)
    ///     closed          'ensemble_daily' (weather::dataset, object 0x5562...), added at main (aliased_close.cpp:193)
    ///     alias           'ensemble' (weather::dataset, object 0x5562...): same object as 'ensemble_daily'
    ///                     (weather::dataset, object 0x5562...), not closed again, added at main (aliased_close.cpp:192)
    std::string to_text() const {
        if (entries_.empty()) return {};
        std::string out = "lifecycle: closer handled " + std::to_string(entries_.size()) +
                          (entries_.size() == 1 ? " entry:" : " entries:");
        bool first = true;
        for (close_outcome o : {close_outcome::closed, close_outcome::failed, close_outcome::alias,
                                close_outcome::already_closed, close_outcome::empty}) {
            if (const std::size_t n = count(o)) {
                out += (first ? " " : ", ") + std::to_string(n) + " " + std::string(to_string(o));
                first = false;
            }
        }
        out += '\n';
        for (const auto& e : entries_) {
            std::string word(to_string(e.outcome));
            word.resize(std::max<std::size_t>(word.size(), 15), ' ');
            out += "  " + word + ' ' + e.describe();
            switch (e.outcome) {
            case close_outcome::failed:
                out += ": " + e.error.message();
                if (!e.what.empty()) out += " (" + e.what + ")";
                break;
            case close_outcome::alias: out += ": same object as " + e.alias_of + ", not closed again"; break;
            default: break;
            }
            out += ", added at " + detail::site_text(e.added_at);
            if (e.created_at.known()) out += ", created at " + detail::site_text(e.created_at);
            out += '\n';
        }
        return out;
    }

    /// Effects: writes to_text() to `os` (a std::ostream; a template, so that
    /// this header needs no <ostream>).
    template <class OStream, class = decltype(std::declval<OStream&>() << std::declval<const std::string&>())>
    friend OStream& operator<<(OStream& os, const close_result& r) {
        os << r.to_text();
        return os;
    }

private:
    friend class closer;
    std::vector<close_entry> select(close_outcome o) const {
        std::vector<close_entry> out;
        for (const auto& e : entries_)
            if (e.outcome == o) out.push_back(e);
        return out;
    }
    std::vector<close_entry> entries_;
};

/// Thrown by `closer::close_all_or_throw()` when at least one close failed.
/// `code()` is the first failure's error; `failures()` holds all of them, in
/// close order; `result()` the whole pass (aliases included). Copying is
/// noexcept (the data is shared).
class close_error : public std::system_error {
public:
    /// Requires: `result` has at least one failure.
    explicit close_error(close_result result)
        : close_error(std::make_shared<const data>(make_data(std::move(result)))) {}

    /// Returns: the first failure in close order (the most recently added entry that failed).
    const close_entry& primary() const noexcept { return data_->failures.front(); }
    /// Returns: every failure, the primary first.
    const std::vector<close_entry>& failures() const noexcept { return data_->failures; }
    /// Returns: the whole pass.
    const close_result& result() const noexcept { return data_->result; }

private:
    struct data {
        close_result result;
        std::vector<close_entry> failures;
    };
    static data make_data(close_result r) {
        data d;
        d.failures = r.failures();
        if (d.failures.empty()) { // contract violated: keep primary() valid
            close_entry none;
            none.kind = "none";
            none.outcome = close_outcome::failed;
            d.failures.push_back(std::move(none));
        }
        d.result = std::move(r);
        return d;
    }
    static std::string message(const data& d) {
        const close_entry& p = d.failures.front();
        std::string m = "lifecycle: closer: " + std::to_string(d.failures.size()) + " of " +
                        std::to_string(d.result.entries().size()) + " entries failed to close; first " + p.describe() +
                        ", added at " + detail::site_text(p.added_at);
        if (!p.what.empty()) m += ", threw '" + p.what + "'";
        if (d.failures.size() > 1) m += " (and " + std::to_string(d.failures.size() - 1) + " more in failures())";
        return m;
    }
    explicit close_error(std::shared_ptr<const data> d)
        : std::system_error(d->failures.front().error, message(*d)), data_(std::move(d)) {}

    std::shared_ptr<const data> data_;
};

namespace detail {

template <class>
inline constexpr bool dependent_false = false;

template <class T> struct is_shared_ptr : std::false_type {};
template <class T> struct is_shared_ptr<std::shared_ptr<T>> : std::true_type {};
template <class T> struct is_unique_ptr : std::false_type {};
template <class T, class D> struct is_unique_ptr<std::unique_ptr<T, D>> : std::true_type {};
template <class T> struct is_tracked : std::false_type {};
template <class Traits> struct is_tracked<tracked<Traits>> : std::true_type {};

template <class T, class = void> struct ct_close : std::false_type {};
template <class T> struct ct_close<T, void_t<decltype(close_traits<T>::close(std::declval<T&>()))>> : std::true_type {};
template <class T, class = void> struct ct_identity : std::false_type {};
template <class T> struct ct_identity<T, void_t<decltype(identity(close_traits<T>::identity_of(std::declval<const T&>())))>> : std::true_type {};
template <class T, class = void> struct ct_is_open : std::false_type {};
template <class T> struct ct_is_open<T, void_t<decltype(bool(close_traits<T>::is_open(std::declval<const T&>())))>> : std::true_type {};
template <class T, class = void> struct ct_kind_name : std::false_type {};
template <class T> struct ct_kind_name<T, void_t<decltype(std::string_view(close_traits<T>::kind_name()))>> : std::true_type {};
template <class T, class = void> struct member_close : std::false_type {};
template <class T> struct member_close<T, void_t<decltype(std::declval<T&>().close())>> : std::true_type {};
template <class T, class = void> struct member_is_open : std::false_type {};
template <class T> struct member_is_open<T, void_t<decltype(bool(std::declval<const T&>().is_open()))>> : std::true_type {};

/// True when a closer can close a `T&`.
template <class T>
inline constexpr bool closable = std::is_object_v<T> && !std::is_const_v<T> && (ct_close<T>::value || member_close<T>::value);

enum class open_state { open, closed, unknown };

/// close_traits<T> with the defaults filled in. Requires: closable<T>.
template <class T>
struct closable_ops {
    static std::string_view kind() noexcept {
        if constexpr (ct_kind_name<T>::value) return close_traits<T>::kind_name();
        else return type_name<T>();
    }
    static identity id(const T& t) noexcept {
        try {
            if constexpr (ct_identity<T>::value) return close_traits<T>::identity_of(t);
            else return identity::of(t);
        } catch (...) {
            return {}; // a throwing identity_of: treat the entry as unique
        }
    }
    static open_state state(const T& t) noexcept {
        try {
            if constexpr (ct_is_open<T>::value) return close_traits<T>::is_open(t) ? open_state::open : open_state::closed;
            else if constexpr (member_is_open<T>::value) return t.is_open() ? open_state::open : open_state::closed;
            else return open_state::unknown;
        } catch (...) {
            return open_state::unknown;
        }
    }
    static std::error_code close(T& t) {
        if constexpr (ct_close<T>::value) {
            if constexpr (std::is_void_v<decltype(close_traits<T>::close(t))>) {
                close_traits<T>::close(t);
                return {};
            } else {
                return to_error_code(close_traits<T>::close(t));
            }
        } else if constexpr (std::is_void_v<decltype(t.close())>) {
            t.close();
            return {};
        } else {
            return to_error_code(t.close());
        }
    }
    static std::string_view label(const T& t) noexcept {
        if constexpr (is_tracked<T>::value) {
            return t.label();
        } else {
            (void)t;
            return {};
        }
    }
    static source_site created_at(const T& t) noexcept {
        if constexpr (is_tracked<T>::value) {
            return t.site();
        } else {
            (void)t;
            return {};
        }
    }
};

template <class F>
std::error_code invoke_close(F& f) {
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
        f();
        return {};
    } else {
        return to_error_code(f());
    }
}

/// One pending entry of a closer. The payload is initialized after the
/// strings, so a throwing constructor never consumed the caller's argument.
struct closer_entry {
    closer_entry(std::string_view n, std::string_view k, const source_site& s) : name(n), kind(k), added_at(s) {}
    closer_entry(const closer_entry&) = delete;
    closer_entry& operator=(const closer_entry&) = delete;
    virtual ~closer_entry() = default;

    virtual identity current_identity() const noexcept = 0;
    virtual open_state state() const noexcept = 0;
    virtual std::error_code close() = 0;
    /// Gives the payload up without closing it (the entry is an alias).
    virtual void forget() noexcept {}

    std::string name;
    std::string_view kind;
    source_site added_at;
    source_site created_at{};
    std::uint64_t ordinal = 0;
    bool empty = false; // owning and empty when added: nothing to close

    // Set during a pass.
    identity id{};
    close_outcome outcome = close_outcome::closed;
    std::size_t result_index = 0;
};

// Owns `T` by value (a tracked handle or another closable moved in).
template <class T>
struct value_entry final : closer_entry {
    using ops = closable_ops<T>;
    value_entry(T&& t, std::string_view n, const source_site& s)
        : closer_entry(n.empty() ? ops::label(t) : n, ops::kind(), s), payload(std::move(t)) {
        created_at = ops::created_at(payload);
        empty = ops::state(payload) == open_state::closed;
    }
    identity current_identity() const noexcept override { return ops::id(payload); }
    open_state state() const noexcept override { return ops::state(payload); }
    std::error_code close() override { return ops::close(payload); }
    void forget() noexcept override {
        if constexpr (is_tracked<T>::value) (void)payload.release();
    }
    T payload;
};

// Refers to a `T` owned elsewhere.
template <class T>
struct reference_entry final : closer_entry {
    using ops = closable_ops<T>;
    reference_entry(T& t, std::string_view n, const source_site& s)
        : closer_entry(n.empty() ? ops::label(t) : n, ops::kind(), s), target(&t) {
        created_at = ops::created_at(t);
    }
    identity current_identity() const noexcept override { return ops::id(*target); }
    open_state state() const noexcept override { return ops::state(*target); }
    std::error_code close() override { return ops::close(*target); }
    T* target;
};

// Shares ownership of a `T`.
template <class T>
struct shared_entry final : closer_entry {
    using ops = closable_ops<T>;
    shared_entry(std::shared_ptr<T>&& p, std::string_view n, const source_site& s)
        : closer_entry(n.empty() && p ? ops::label(*p) : n, ops::kind(), s), target(std::move(p)) {
        if (target) created_at = ops::created_at(*target);
        else empty = true;
    }
    identity current_identity() const noexcept override { return target ? ops::id(*target) : identity{}; }
    open_state state() const noexcept override { return target ? ops::state(*target) : open_state::closed; }
    std::error_code close() override { return ops::close(*target); }
    std::shared_ptr<T> target;
};

// Owns a callable; its identity is the one given to add(), if any.
template <class F>
struct callable_entry final : closer_entry {
    template <class G>
    callable_entry(G&& g, std::string_view n, const source_site& s, identity i)
        : closer_entry(n, "callable", s), given(i), fn(std::forward<G>(g)) {}
    identity current_identity() const noexcept override { return given; }
    open_state state() const noexcept override { return open_state::unknown; }
    std::error_code close() override { return invoke_close(fn); }
    identity given;
    F fn;
};

inline constexpr std::string_view non_std_exception = "an exception not derived from std::exception";

// Closes `e`, catching everything; `what` gets an exception's message.
inline std::error_code close_catching(closer_entry& e, std::string& what) noexcept {
    try {
        return e.close();
    } catch (const std::exception& x) {
        try {
            what = x.what();
        } catch (...) {
        }
    } catch (...) {
        try {
            what = non_std_exception;
        } catch (...) {
        }
    }
    return make_error_code(lifecycle_errc::close_threw);
}

inline void report_entry_failure(const closer_entry& e, const std::error_code& ec, std::string_view what) noexcept {
    close_failure f;
    f.kind = e.kind;
    f.label = e.name;
    f.site = e.created_at.known() ? e.created_at : e.added_at;
    f.error = ec;
    f.what = what;
    report_close_failure(f);
}

} // namespace detail

/// Closes what was added to it, each underlying object once, last added
/// first, keeping every error. Not copyable, not movable (other threads and
/// close callbacks may hold a reference); hold it in a unique_ptr to move it.
class closer final {
    using batch_type = std::vector<std::unique_ptr<detail::closer_entry>>;

public:
    closer() = default;
    closer(const closer&) = delete;
    closer& operator=(const closer&) = delete;

    /// Effects: closes the entries left, as close_all() does; each failure
    /// goes to the close-error handler (kind, name as label, the tracked
    /// handle's creation site or else the add site). Never throws.
    ~closer() {
        batch_type batch;
        {
            detail::lock_guard<detail::mutex> lock(mutex_);
            batch.swap(entries_);
        }
        run_pass(batch, nullptr);
    }

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
    /// Throws: std::bad_alloc; then the resource has been closed already
    /// (failures to the close-error handler), as std::scope_exit does.
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
            emplace<detail::shared_entry<T>>(std::shared_ptr<T>(std::forward<Resource>(resource)), name, site);
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
            std::shared_ptr<T> shared;
            try {
                shared = std::shared_ptr<T>(std::move(resource));
            } catch (...) {
                close_now(*resource, name, site);
                throw;
            }
            add(std::move(shared), name, site);
        } else if constexpr (std::is_pointer_v<R>) {
            static_assert(detail::dependent_false<R>,
                          "lifecycle::closer::add: a raw pointer says nothing about ownership; pass *p (not owned), a "
                          "shared_ptr or unique_ptr (owned), or a tracked handle");
        } else if constexpr (detail::closable<R>) {
            static_assert(!std::is_const_v<std::remove_reference_t<Resource>>,
                          "lifecycle::closer::add: a const object cannot be closed; pass a non-const reference");
            if constexpr (lvalue) {
                emplace<detail::reference_entry<R>>(resource, name, site);
            } else {
                static_assert(std::is_nothrow_move_constructible_v<R>,
                              "lifecycle::closer::add: an owned object is moved in and must be nothrow movable; "
                              "pass a shared_ptr or unique_ptr to it instead");
                emplace<detail::value_entry<R>>(std::move(resource), name, site);
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
        emplace<detail::callable_entry<std::decay_t<F>>>(std::forward<F>(close_fn), name, site, id);
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
    [[nodiscard]] close_result close_all() {
        batch_type batch;
        bool nested = false;
        {
            detail::lock_guard<detail::mutex> lock(mutex_);
            nested = closing_ && ::pthread_equal(closing_thread_, ::pthread_self());
            if (!nested) cv_.wait(mutex_, [this] { return !closing_; });
            if (entries_.empty()) return {};
            batch.swap(entries_);
            if (!nested) {
                closing_ = true;
                closing_thread_ = ::pthread_self();
            }
        }
        struct end_pass {
            closer* self;
            bool nested;
            ~end_pass() {
                if (nested) return;
                {
                    detail::lock_guard<detail::mutex> lock(self->mutex_);
                    self->closing_ = false;

                }
                self->cv_.notify_all();
            }
        } end{this, nested};
        close_result result;
        try {
            result.entries_.reserve(batch.size());
        } catch (...) {
            run_pass(batch, nullptr);
            throw;
        }
        run_pass(batch, &result);
        return result;
    }

    /// Effects: close_all().
    /// Returns: its result, when no close failed.
    /// Throws: close_error carrying every failure; std::bad_alloc as close_all().
    close_result close_all_or_throw() {
        close_result r = close_all();
        if (!r.ok()) throw close_error(std::move(r));
        return r;
    }

    /// Returns: the number of entries waiting for a close_all().
    std::size_t size() const {
        detail::lock_guard<detail::mutex> lock(mutex_);
        return entries_.size();
    }
    /// Returns: size() == 0.
    bool empty() const { return size() == 0; }

private:
    // Builds the entry, then queues it. Entry constructors initialize the
    // payload last, from a reference: when building throws, `payload` is
    // intact and is closed here.
    template <class Entry, class Payload, class... Extra>
    void emplace(Payload&& payload, std::string_view name, const source_site& site, Extra... extra) {
        std::unique_ptr<detail::closer_entry> e;
        try {
            e.reset(new Entry(std::forward<Payload>(payload), name, site, extra...));
        } catch (...) {
            close_payload(payload, name, site);
            throw;
        }
        try {
            detail::lock_guard<detail::mutex> lock(mutex_);
            e->ordinal = ++ordinals_;
            entries_.push_back(std::move(e));
        } catch (...) {
            if (e) close_entry_now(*e);
            throw;
        }
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
            f.site = site;
            f.error = ec;
            f.what = what;
            report_close_failure(f);
        };
        try {
            std::error_code ec;
            if constexpr (detail::closable<T>) {
                if (detail::closable_ops<T>::state(t) == detail::open_state::closed) return;
                ec = detail::closable_ops<T>::close(t);
            } else {
                ec = detail::invoke_close(t);
            }
            if (ec) report(ec, {});
        } catch (const std::exception& x) {
            report(make_error_code(lifecycle_errc::close_threw), x.what());
        } catch (...) {
            report(make_error_code(lifecycle_errc::close_threw), detail::non_std_exception);
        }
    }

    static void close_entry_now(detail::closer_entry& e) noexcept {
        if (e.empty || e.state() == detail::open_state::closed) return;
        std::string what;
        const std::error_code ec = detail::close_catching(e, what);
        if (ec) detail::report_entry_failure(e, ec, what);
    }

    // One pass over `batch` (oldest first), newest first. With `out`, each
    // entry is recorded there (capacity reserved); without, failures go to
    // the close-error handler. Never throws.
    static void run_pass(batch_type& batch, close_result* out) noexcept {
        for (auto& e : batch) e->id = e->empty ? identity{} : e->current_identity();
        for (std::size_t n = batch.size(); n-- > 0;) {
            detail::closer_entry& e = *batch[n];
            const detail::closer_entry* primary = nullptr;
            std::error_code ec;
            std::string what;
            if (e.empty) {
                e.outcome = close_outcome::empty;
            } else {
                // Identities are compared with every entry handled before in
                // this pass: O(n^2) for n entries, no allocation while closing.
                if (e.id)
                    for (std::size_t m = batch.size(); m-- > n + 1;)
                        if (batch[m]->outcome != close_outcome::alias && batch[m]->outcome != close_outcome::empty &&
                            batch[m]->id == e.id) {
                            primary = batch[m].get();
                            break;
                        }
                if (primary) {
                    e.outcome = close_outcome::alias;
                    e.forget();
                } else if (e.state() == detail::open_state::closed) {
                    e.outcome = close_outcome::already_closed;
                } else {
                    ec = detail::close_catching(e, what);
                    e.outcome = ec ? close_outcome::failed : close_outcome::closed;
                }
            }
            if (out) {
                close_entry r;
                r.kind = e.kind;
                r.id = e.id;
                r.outcome = e.outcome;
                r.error = ec;
                r.added_at = e.added_at;
                r.created_at = e.created_at;
                r.ordinal = e.ordinal;
                try {
                    r.name = e.name;
                    r.what = std::move(what);
                    if (primary) {
                        r.alias_of = out->entries_[primary->result_index].describe();
                        r.alias_of_ordinal = primary->ordinal;
                    }
                } catch (...) {
                }
                e.result_index = out->entries_.size();
                out->entries_.push_back(std::move(r)); // capacity reserved: no throw
            } else if (ec) {
                detail::report_entry_failure(e, ec, what);
            }
        }
        while (!batch.empty()) batch.pop_back();
    }

    mutable detail::mutex mutex_;
    detail::condition cv_;
    batch_type entries_;
    std::uint64_t ordinals_ = 0;
    bool closing_ = false;
    pthread_t closing_thread_{}; // valid while closing_
};

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_CLOSER_HPP
