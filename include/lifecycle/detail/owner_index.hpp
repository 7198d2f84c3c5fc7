// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/owner_index.hpp — private. The ownership side of the
// registry (lifecycle/ownership.hpp): which live records claim which handle
// value of which domain, and the tombstones closed wrappers keep. The
// registry's records carry the links; this index, not the registry, reads
// and writes them.
#ifndef LIFECYCLE_DETAIL_OWNER_INDEX_HPP
#define LIFECYCLE_DETAIL_OWNER_INDEX_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/intern_table.hpp>
#include <lifecycle/detail/modules.hpp>
#include <lifecycle/detail/records.hpp>
#include <lifecycle/detail/sync.hpp>
#include <lifecycle/source_site.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

#include <pthread.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// What a closed, released or moved-from wrapper remembers (ownership.hpp):
/// interned per distinct (kind, how, creation site, end site), never destroyed.
struct alignas(8) tombstone {
    std::uint64_t hash = 0; // intern_table's key
    const kind_info* kind = nullptr;
    ending how = ending::closed;
    source_site created{};
    source_site ended{};
};

/// A live owner of a handle, as ownership diagnostics describe it.
struct owner_view {
    const kind_info* kind = nullptr;
    char label[64];      // the first 63 bytes, set when found: nothing to build or copy on the fast path
    source_site created{};
    const stack_entry* stack = nullptr; ///< its creation stack, if captured
    bool was_closed_elsewhere = false;
    source_site closed_elsewhere{}; ///< where, if was_closed_elsewhere (unknown for a destructor)
};

class owner_index {
public:
    constexpr owner_index() noexcept = default;
    owner_index(const owner_index&) = delete;
    owner_index& operator=(const owner_index&) = delete;

    // Records whose wrappers claimed their handle, hashed by (domain, identity)
    // into buckets chained through the records; one spin lock per stripe,
    // bucket % 256, whatever the table's size (a power of two >= 256). A
    // record is unclaimed before it retires, so a record seen under its
    // stripe's lock is live and its fields are stable. The table doubles
    // when a stripe has more claims than half its buckets (grow() holds
    // every stripe): a claim then walks half a record on average, so its
    // cost at a million claimed handles is that with none (8-16 B per
    // claimed handle; a load of 1 halves that but costs 1.4x at 1M, 2: 3x).

    /// Effects: indexes `r` (already enrolled with `identity`).
    /// Returns: true, and the oldest other live record claiming the same
    /// handle in `other`, if there is one.
    bool claim(record* r, owner_view& other) noexcept {
        if (!first_table()) return false;
        const std::uint64_t h = owner_hash(r);
        owner_lock& stripe = stripe_of(h);
        table* grown_from = nullptr;
        const record* oldest = nullptr;
        {
            lock_guard<spin_lock> lock(stripe.lock);
            table* t = table_.load(std::memory_order_relaxed); // stable: grow() holds every stripe
            record*& head = t->heads[h & t->mask];
            for (const record* o = head; o; o = o->owner_next) // newest first
                if (o->identity == r->identity && o->kind->domain == r->kind->domain && !o->was_closed_elsewhere) oldest = o;
            if (oldest) describe(*oldest, other);
            r->owner_prev = nullptr;
            r->owner_next = head;
            if (head) head->owner_prev = r;
            head = r;
            r->claimed = true;
            r->was_closed_elsewhere = false;
            r->closed_elsewhere = source_site{};
            if (2 * ++stripe.claims > (t->mask + 1) / owner_lock_count) grown_from = t;
        }
        if (LIFECYCLE_DETAIL_UNLIKELY(grown_from != nullptr)) grow(grown_from);
        return oldest != nullptr;
    }

    /// Used just before `r`'s wrapper closes its handle at `at`; takes r out
    /// of the index first, so a handle value reused right after the close is
    /// not taken for a second owner.
    /// Returns: `already_closed` if another wrapper already closed the same
    /// handle (`who` describes r, with where it was closed; nothing is
    /// marked); `still_owned` if other live records claim the handle (`who`
    /// is the oldest; every one is marked closed elsewhere at `at`, so they
    /// will not close it again); `alone` otherwise.
    enum class closing_state { alone, already_closed, still_owned };
    closing_state closing(record* r, const source_site& at, owner_view& who) noexcept {
        if (!r->claimed) return closing_state::alone;
        const std::uint64_t h = owner_hash(r);
        owner_lock& stripe = stripe_of(h);
        lock_guard<spin_lock> lock(stripe.lock);
        record*& head = unlink_claim(r, stripe, h);
        if (r->was_closed_elsewhere) {
            describe(*r, who);
            return closing_state::already_closed;
        }
        const record* oldest = nullptr;
        for (record* o = head; o; o = o->owner_next) {
            if (o == r || o->identity != r->identity || o->kind->domain != r->kind->domain) continue;
            if (o->was_closed_elsewhere) continue; // a stale owner: its handle was closed before, not by r
            o->was_closed_elsewhere = true;
            o->closed_elsewhere = at;
            oldest = o;
        }
        if (!oldest) return closing_state::alone;
        describe(*oldest, who);
        return closing_state::still_owned;
    }

    /// Returns: true if another wrapper closed the handle `r` claimed (its
    /// wrapper is a stale owner: the number may belong to a new resource).
    bool was_closed_elsewhere(const record* r) noexcept {
        if (!r->claimed) return false;
        lock_guard<spin_lock> lock(stripe_of(owner_hash(r)).lock);
        return r->was_closed_elsewhere;
    }

    /// Effects: takes `r` out of the index (before it retires).
    void unclaim(record* r) noexcept {
        const std::uint64_t h = owner_hash(r);
        owner_lock& stripe = stripe_of(h);
        lock_guard<spin_lock> lock(stripe.lock);
        unlink_claim(r, stripe, h);
    }

    /// Returns: the interned tombstone for a wrapper that stopped owning
    /// (nullptr when out of memory).
    const tombstone* intern_tombstone(const kind_info* kind, ending how, const source_site& created,
                                      const source_site& ended) noexcept {
        std::uint64_t key = reinterpret_cast<std::uintptr_t>(kind) * 31 + static_cast<unsigned>(how);
        for (const source_site* site : {&created, &ended})
            key = mix_hash(key ^ reinterpret_cast<std::uintptr_t>(site->file) ^ (std::uint64_t(site->line) << 40) ^
                           reinterpret_cast<std::uintptr_t>(site->function));
        auto same = [&](const tombstone& t) {
            return t.kind == kind && t.how == how && same_site(t.created, created) && same_site(t.ended, ended);
        };
        return tombstones_.intern(key, same, [&]() -> tombstone* {
            tombstone* t = new (std::nothrow) tombstone;
            if (t) *t = tombstone{0, kind, how, created, ended};
            return t;
        });
    }

    // Registered with pthread_atfork when the index is first used: fork
    // holds every stripe (as grow() does), so no chain is half-linked in the
    // child; the child makes them fresh, and a lock a vanished thread of the
    // parent held in the tombstone table is free there.
    void before_fork() noexcept {
        for (owner_lock& l : owner_locks_) l.lock.lock();
    }
    void after_fork_in_parent() noexcept {
        for (std::size_t i = owner_lock_count; i-- > 0;) owner_locks_[i].lock.unlock();
    }
    void after_fork_in_child() noexcept {
        for (owner_lock& l : owner_locks_) new (&l.lock) spin_lock(); // claims counts stay: the chains do
        tombstones_.after_fork_in_child();
    }
    static void fork_prepare() noexcept;
    static void fork_parent() noexcept;
    static void fork_child() noexcept;

private:
    static bool same_site(const source_site& a, const source_site& b) noexcept {
        return a.line == b.line && a.file == b.file && a.function == b.function;
    }

    static void describe(const record& o, owner_view& v) noexcept {
        v.kind = o.kind;
        v.created = o.site;
        v.stack = o.stack;
        v.was_closed_elsewhere = o.was_closed_elsewhere;
        v.closed_elsewhere = o.closed_elsewhere;
        const std::string_view label = o.label.view();
        const std::size_t n = std::min(label.size(), sizeof v.label - 1);
        std::memcpy(v.label, label.data(), n);
        v.label[n] = '\0';
    }

    struct table {
        std::size_t mask; // buckets - 1
        record* heads[1]; // `mask + 1` of them (allocated so)
    };
    struct alignas(64) owner_lock {
        spin_lock lock;
        std::size_t claims = 0; // claimed records in the stripe's buckets
    };
    static constexpr std::size_t owner_lock_count = 256;
    static constexpr std::size_t first_buckets = 4096;

    static std::uint64_t owner_hash(const record* r) noexcept {
        std::uint64_t h = std::uint64_t(r->identity) ^ (std::uint64_t(r->kind->domain) << 56);
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDull;
        h ^= h >> 33; // the low bits pick the stripe and the bucket: mixed from all of them
        return h;
    }
    owner_lock& stripe_of(std::uint64_t h) noexcept { return owner_locks_[h % owner_lock_count]; }

    static table* new_table(std::size_t buckets) noexcept {
        // calloc: the pages of a large table stay untouched until used
        void* p = std::calloc(1, sizeof(table) + (buckets - 1) * sizeof(record*));
        if (p == nullptr) return nullptr;
        table* t = static_cast<table*>(p);
        t->mask = buckets - 1;
        return t;
    }

    // Allocated on first claim.
    table* first_table() noexcept {
        table* t = table_.load(std::memory_order_acquire);
        if (LIFECYCLE_DETAIL_LIKELY(t != nullptr)) return t;
        owner_once_.call([this] {
            table_.store(new_table(first_buckets), std::memory_order_release);
            ::pthread_atfork(&owner_index::fork_prepare, &owner_index::fork_parent, &owner_index::fork_child);
        });
        return table_.load(std::memory_order_acquire);
    }

    // Doubles `from` (unless another claim did already), holding every
    // stripe; out of memory keeps the table as it is (longer chains).
    void grow(table* from) noexcept {
        for (owner_lock& l : owner_locks_) l.lock.lock();
        table* t = table_.load(std::memory_order_relaxed);
        table* bigger = t == from ? new_table(2 * (t->mask + 1)) : nullptr;
        if (bigger != nullptr) {
            for (std::size_t b = 0; b <= t->mask; ++b) {
                for (record* r = t->heads[b]; r;) {
                    record* next = r->owner_next;
                    record*& head = bigger->heads[owner_hash(r) & bigger->mask];
                    r->owner_prev = nullptr;
                    r->owner_next = head;
                    if (head) head->owner_prev = r;
                    head = r;
                    r = next;
                }
            }
            table_.store(bigger, std::memory_order_release);
            std::free(t); // nobody reads it: every reader holds a stripe
        }
        for (std::size_t i = owner_lock_count; i-- > 0;) owner_locks_[i].lock.unlock();
    }

    // Requires: `stripe` (the stripe of `h`, r's hash) held, r claimed.
    // Returns: the head of r's bucket.
    record*& unlink_claim(record* r, owner_lock& stripe, std::uint64_t h) noexcept {
        table* t = table_.load(std::memory_order_relaxed);
        record*& head = t->heads[h & t->mask];
        if (r->owner_prev) r->owner_prev->owner_next = r->owner_next;
        else head = r->owner_next;
        if (r->owner_next) r->owner_next->owner_prev = r->owner_prev;
        r->owner_prev = r->owner_next = nullptr;
        r->claimed = false;
        --stripe.claims;
        return head;
    }

    std::atomic<table*> table_{nullptr};
    once_flag owner_once_;
    owner_lock owner_locks_[owner_lock_count];
    intern_table<tombstone> tombstones_;
};

// One per process, shared by every module like the registry (its root in
// the module's note, detail/module_note.hpp); never torn down, so usable
// during static destruction. On the heap, so that it outlives the module
// that made it; the module's own, constant-initialized, if that fails.
#    if LIFECYCLE_DETAIL_MODULE_NOTES && LIFECYCLE_TRACKING
LIFECYCLE_DETAIL_NOINLINE inline owner_index& adopt_owners() noexcept {
    static owner_index fallback;
    bool made = false;
    void* p = shared_of_process(shared_object::owner_index, [] { return new (std::nothrow) owner_index; }, made);
    return p ? *static_cast<owner_index*>(p) : fallback;
}
#    endif
LIFECYCLE_DETAIL_ALWAYS_INLINE owner_index& owners() noexcept {
#    if LIFECYCLE_DETAIL_MODULE_NOTES && LIFECYCLE_TRACKING
    void* p = own_shared(shared_object::owner_index);
    return LIFECYCLE_DETAIL_LIKELY(p != nullptr) ? *static_cast<owner_index*>(p) : adopt_owners();
#    else
    static owner_index index;
    return index;
#    endif
}
inline void owner_index::fork_prepare() noexcept { owners().before_fork(); }
inline void owner_index::fork_parent() noexcept { owners().after_fork_in_parent(); }
inline void owner_index::fork_child() noexcept { owners().after_fork_in_child(); }

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_OWNER_INDEX_HPP
