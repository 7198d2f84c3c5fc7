// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/closer_entries.hpp — private. What a closer holds for
// each entry (owned by value, shared, referenced, or a callable), and
// close_traits<T> with its defaults filled in.
#ifndef LIFECYCLE_DETAIL_CLOSER_ENTRIES_HPP
#define LIFECYCLE_DETAIL_CLOSER_ENTRIES_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_error.hpp>
#include <lifecycle/close_failure.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/handle.hpp>
#include <lifecycle/identity.hpp>
#include <lifecycle/detail/sync.hpp>
#include <lifecycle/traits.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

LIFECYCLE_BEGIN_NAMESPACE

template <class T>
struct close_traits;

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
        LIFECYCLE_DETAIL_TRY {
            if constexpr (ct_identity<T>::value) return close_traits<T>::identity_of(t);
            else return identity::of(t);
        } LIFECYCLE_DETAIL_CATCH_ALL {
            return {}; // a throwing identity_of: treat the entry as unique
        }
    }
    static open_state state(const T& t) noexcept {
        LIFECYCLE_DETAIL_TRY {
            if constexpr (ct_is_open<T>::value) return close_traits<T>::is_open(t) ? open_state::open : open_state::closed;
            else if constexpr (member_is_open<T>::value) return t.is_open() ? open_state::open : open_state::closed;
            else return open_state::unknown;
        } LIFECYCLE_DETAIL_CATCH_ALL {
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
struct pending_entry {
    pending_entry(std::string_view n, std::string_view k, const source_site& s) : name(n), kind(k), added_at(s) {}
    pending_entry(const pending_entry&) = delete;
    pending_entry& operator=(const pending_entry&) = delete;
    virtual ~pending_entry() = default;

    virtual identity current_identity() const noexcept = 0;
    virtual open_state state() const noexcept = 0;
    virtual std::error_code close() = 0;
    /// Gives the payload up without closing it (the entry is an alias).
    virtual void forget() noexcept {}
    /// Returns: the object this entry owns and cannot give up without
    /// destroying it (whose destructor may close it); null when it owns
    /// nothing (a reference, a callable) or can release it (a tracked handle).
    virtual const void* owned_object() const noexcept { return nullptr; }
    /// Returns: the object closing this entry closes (null for a callable or
    /// a released-on-alias tracked handle: not one an owner could hold).
    virtual const void* object() const noexcept { return owned_object(); }

    std::string name;
    std::string_view kind;
    source_site added_at;
    source_site created_at{};
    std::uint64_t ordinal = 0;
    bool empty = false; // owning and empty when added: nothing to close

    // Set during a pass.
    identity id{};
    const pending_entry* primary = nullptr; // an alias: the entry that closes its object
    close_outcome outcome = close_outcome::closed;
    std::size_t result_index = 0;
};

// Owns `T` by value (a tracked handle or another closable moved in).
template <class T>
struct value_entry final : pending_entry {
    using ops = closable_ops<T>;
    value_entry(T&& t, std::string_view n, const source_site& s)
        : pending_entry(n.empty() ? ops::label(t) : n, ops::kind(), s), payload(std::move(t)) {
        created_at = ops::created_at(payload);
        // A stale tracked handle is not empty: it is already closed.
        if constexpr (is_tracked<T>::value) empty = !payload;
        else empty = ops::state(payload) == open_state::closed;
    }
    identity current_identity() const noexcept override { return ops::id(payload); }
    open_state state() const noexcept override { return ops::state(payload); }
    std::error_code close() override { return ops::close(payload); }
    void forget() noexcept override {
        if constexpr (is_tracked<T>::value) (void)payload.release();
    }
    const void* owned_object() const noexcept override {
        if constexpr (is_tracked<T>::value) return nullptr;
        else return &payload;
    }
    T payload;
};

// Refers to a `T` owned elsewhere.
template <class T>
struct reference_entry final : pending_entry {
    using ops = closable_ops<T>;
    reference_entry(T& t, std::string_view n, const source_site& s)
        : pending_entry(n.empty() ? ops::label(t) : n, ops::kind(), s), target(&t) {
        created_at = ops::created_at(t);
    }
    identity current_identity() const noexcept override { return ops::id(*target); }
    open_state state() const noexcept override { return ops::state(*target); }
    std::error_code close() override { return ops::close(*target); }
    /// An alias closed through an entry over another object: a referenced
    /// tracked handle gives its handle up, or it would close it again later.
    void forget() noexcept override {
        if constexpr (is_tracked<T>::value)
            if (primary && primary->object() != target) (void)target->release(source_site{}); // no site of lifecycle's own
    }
    const void* object() const noexcept override { return target; }
    T* target;
};

// Shares ownership of a `T`.
template <class T>
struct shared_entry final : pending_entry {
    using ops = closable_ops<T>;
    shared_entry(std::shared_ptr<T>&& p, std::string_view n, const source_site& s)
        : pending_entry(n.empty() && p ? ops::label(*p) : n, ops::kind(), s), target(std::move(p)) {
        if (target) created_at = ops::created_at(*target);
        else empty = true;
    }
    identity current_identity() const noexcept override { return target ? ops::id(*target) : identity{}; }
    open_state state() const noexcept override { return target ? ops::state(*target) : open_state::closed; }
    std::error_code close() override { return ops::close(*target); }
    const void* owned_object() const noexcept override { return target.get(); }
    std::shared_ptr<T> target;
};

// Owns a callable; its identity is the one given to add(), if any.
template <class F>
struct callable_entry final : pending_entry {
    template <class G>
    callable_entry(G&& g, std::string_view n, const source_site& s, identity i)
        : pending_entry(n, "callable", s), given(i), fn(std::forward<G>(g)) {}
    identity current_identity() const noexcept override { return given; }
    open_state state() const noexcept override { return open_state::unknown; }
    std::error_code close() override { return invoke_close(fn); }
    identity given;
    F fn;
};

struct identity_hash {
    std::size_t operator()(const identity& id) const noexcept {
        // Mixed down: addresses are 16-byte aligned, and a power-of-two
        // table indexed by a plain product's low bits would use 1 slot in 16.
        std::uint64_t h = (std::hash<std::string_view>{}(id.domain()) ^ id.value()) * 0x9E3779B97F4A7C15ull;
        return static_cast<std::size_t>(h ^ (h >> 29));
    }
};

/// A closer's pending owners that cannot give their object up (owned_object()
/// not null), by identity, from add() until a pass takes them: a second owner
/// of one identity is refused. Guarded by the closer's lock.
struct owner_claims {
    struct record {
        const void* owner;
        const pending_entry* entry; // null while being added
    };
    // A flat hash table, defined with the cold paths.
    struct table;
    table* map = nullptr; // made by the first claim
    std::uint64_t generation = 0; // a claim taken before a pass is not given back after it

    owner_claims() = default;
    owner_claims(const owner_claims&) = delete;
    owner_claims& operator=(const owner_claims&) = delete;
    LIFECYCLE_DETAIL_COLD ~owner_claims();
    LIFECYCLE_DETAIL_COLD void clear() noexcept;
    /// Returns: the claim of `id`, or nullptr.
    LIFECYCLE_DETAIL_COLD record* find(const identity& id) noexcept;
    /// Effects: `id` is claimed as `r`. Throws: std::bad_alloc.
    LIFECYCLE_DETAIL_COLD void put(const identity& id, record r);
    LIFECYCLE_DETAIL_COLD void erase(const identity& id) noexcept;
};

/// One add()'s claim: committed when its entry is queued, given back if not.
class owner_claim {
public:
    owner_claim() = default;
    owner_claim(mutex* m, owner_claims* c, identity id) noexcept : m_(m), c_(c), id_(id), generation_(c->generation) {}
    owner_claim(const owner_claim&) = delete;
    owner_claim& operator=(owner_claim&& o) noexcept {
        std::swap(m_, o.m_);
        std::swap(c_, o.c_);
        std::swap(id_, o.id_);
        std::swap(generation_, o.generation_);
        return *this;
    }
    ~owner_claim() {
        if (!c_) return;
        lock_guard<mutex> lock(*m_);
        if (generation_ == c_->generation) c_->erase(id_);
    }
    /// Requires: the closer's lock held.
    void commit(const pending_entry* e) noexcept {
        if (!c_) return;
        if (generation_ == c_->generation)
            if (owner_claims::record* r = c_->find(id_)) r->entry = e;
        c_ = nullptr;
    }

private:
    mutex* m_ = nullptr;
    owner_claims* c_ = nullptr;
    identity id_;
    std::uint64_t generation_ = 0;
};

inline constexpr std::string_view non_std_exception = "an exception not derived from std::exception";

// Closes `e`, catching everything; `what` gets an exception's message.
LIFECYCLE_DETAIL_COLD std::error_code close_catching(pending_entry& e, std::string& what) noexcept;

LIFECYCLE_DETAIL_COLD void report_entry_failure(const pending_entry& e, const std::error_code& ec, std::string_view what) noexcept;

} // namespace detail

LIFECYCLE_END_NAMESPACE


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <memory>

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

// Open addressing, linear probing, at most half full; erase shifts the
// probe chain back (no tombstones). Flat: a pass's clear() frees nothing per
// claim. (A std::unordered_map freed one node per claim there: at 100k
// entries, half of them owners, 9 ms of close_all()'s cache misses, and the
// freed nodes made the result's allocation consolidate the heap, 10 ms more.)
struct owner_claims::table {
    struct slot {
        identity id;
        record r{};
        bool used = false;
    };
    std::unique_ptr<slot[]> slots;
    std::size_t mask = 0, count = 0;

    std::size_t home(const identity& id) const noexcept { return identity_hash{}(id) & mask; }
    // Returns: the slot holding `id`, or the empty slot ending its probe chain.
    std::size_t probe(const identity& id) const noexcept {
        std::size_t i = home(id);
        while (slots[i].used && !(slots[i].id == id)) i = (i + 1) & mask;
        return i;
    }
    void make(std::size_t size) {
        std::unique_ptr<slot[]> old(new slot[size]);
        old.swap(slots);
        const std::size_t old_size = old ? mask + 1 : 0;
        mask = size - 1;
        for (std::size_t i = 0; i < old_size; ++i)
            if (old[i].used) slots[probe(old[i].id)] = old[i];
    }
};

LIFECYCLE_DETAIL_COLD owner_claims::~owner_claims() { delete map; }

LIFECYCLE_DETAIL_COLD void owner_claims::clear() noexcept {
    ++generation;
    if (!map || map->count == 0) return;
    if (map->mask + 1 > 1024 && map->count * 8 < map->mask + 1) { // mostly empty: give the memory back
        delete map;
        map = nullptr;
        return;
    }
    for (std::size_t i = 0; i <= map->mask; ++i) map->slots[i].used = false;
    map->count = 0;
}

LIFECYCLE_DETAIL_COLD owner_claims::record* owner_claims::find(const identity& id) noexcept {
    if (!map || map->count == 0) return nullptr;
    table::slot& s = map->slots[map->probe(id)];
    return s.used ? &s.r : nullptr;
}

LIFECYCLE_DETAIL_COLD void owner_claims::put(const identity& id, record r) {
    if (!map) {
        std::unique_ptr<table> t(new table);
        t->make(64);
        map = t.release();
    }
    if ((map->count + 1) * 2 > map->mask + 1) map->make(2 * (map->mask + 1));
    table::slot& s = map->slots[map->probe(id)];
    if (!s.used) ++map->count;
    s = table::slot{id, r, true};
}

LIFECYCLE_DETAIL_COLD void owner_claims::erase(const identity& id) noexcept {
    if (!map || map->count == 0) return;
    table& t = *map;
    std::size_t hole = t.probe(id);
    if (!t.slots[hole].used) return;
    // Shift back every later entry of the chain whose home is not in (hole, j].
    for (std::size_t j = (hole + 1) & t.mask; t.slots[j].used; j = (j + 1) & t.mask) {
        const std::size_t k = t.home(t.slots[j].id);
        const bool stays = hole < j ? (hole < k && k <= j) : (hole < k || k <= j);
        if (stays) continue;
        t.slots[hole] = t.slots[j];
        hole = j;
    }
    t.slots[hole].used = false;
    --t.count;
}

LIFECYCLE_DETAIL_COLD std::error_code close_catching(pending_entry& e, std::string& what) noexcept {
    LIFECYCLE_DETAIL_TRY {
        return e.close();
    } LIFECYCLE_DETAIL_CATCH(const std::exception& x) {
        LIFECYCLE_DETAIL_TRY {
            what = x.what();
        } LIFECYCLE_DETAIL_CATCH_ALL {
        }
    } LIFECYCLE_DETAIL_CATCH_ALL {
        LIFECYCLE_DETAIL_TRY {
            what = non_std_exception;
        } LIFECYCLE_DETAIL_CATCH_ALL {
        }
    }
    return make_error_code(lifecycle_errc::close_threw);
}

LIFECYCLE_DETAIL_COLD void report_entry_failure(const pending_entry& e, const std::error_code& ec, std::string_view what) noexcept {
    close_failure f;
    f.kind = e.kind;
    f.label = e.name;
    f.site = e.created_at;
    f.added_at = e.added_at;
    f.error = ec;
    f.what = what;
    report_close_failure(f);
}

} // namespace detail

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_CLOSER_ENTRIES_HPP
