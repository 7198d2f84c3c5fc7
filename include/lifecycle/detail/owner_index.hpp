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
    // into buckets chained through the records; one spin lock per 256th of
    // the buckets. A record is unclaimed before it retires, so a record seen
    // under its bucket's lock is live and its fields are stable.

    /// Effects: indexes `r` (already enrolled with `identity`).
    /// Returns: true, and the oldest other live record claiming the same
    /// handle in `other`, if there is one.
    bool claim(record* r, owner_view& other) noexcept {
        record** heads = owner_buckets();
        if (!heads) return false;
        const std::size_t b = owner_bucket(r->kind->domain, r->identity);
        lock_guard<spin_lock> lock(owner_locks_[b % owner_lock_count].lock);
        const record* oldest = nullptr;
        for (const record* o = heads[b]; o; o = o->owner_next) // newest first
            if (o->identity == r->identity && o->kind->domain == r->kind->domain && !o->was_closed_elsewhere) oldest = o;
        if (oldest) describe(*oldest, other);
        r->owner_prev = nullptr;
        r->owner_next = heads[b];
        if (heads[b]) heads[b]->owner_prev = r;
        heads[b] = r;
        r->claimed = true;
        r->was_closed_elsewhere = false;
        r->closed_elsewhere = source_site{};
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
        record** heads = owner_heads_.load(std::memory_order_acquire);
        const std::size_t b = owner_bucket(r->kind->domain, r->identity);
        lock_guard<spin_lock> lock(owner_locks_[b % owner_lock_count].lock);
        unlink_claim(r, heads, b);
        if (r->was_closed_elsewhere) {
            describe(*r, who);
            return closing_state::already_closed;
        }
        const record* oldest = nullptr;
        for (record* o = heads[b]; o; o = o->owner_next) {
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
        const std::size_t b = owner_bucket(r->kind->domain, r->identity);
        lock_guard<spin_lock> lock(owner_locks_[b % owner_lock_count].lock);
        return r->was_closed_elsewhere;
    }

    /// Effects: takes `r` out of the index (before it retires).
    void unclaim(record* r) noexcept {
        record** heads = owner_heads_.load(std::memory_order_acquire);
        const std::size_t b = owner_bucket(r->kind->domain, r->identity);
        lock_guard<spin_lock> lock(owner_locks_[b % owner_lock_count].lock);
        unlink_claim(r, heads, b);
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

    // Registered with pthread_atfork when the index is first used: a lock a
    // vanished thread of the parent held is free in the child.
    void after_fork_in_child() noexcept {
        for (owner_lock& l : owner_locks_) new (&l.lock) spin_lock();
        tombstones_.after_fork_in_child();
    }
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

    static constexpr std::size_t owner_bucket_count = std::size_t(1) << 16;
    static constexpr std::size_t owner_lock_count = 256;

    std::size_t owner_bucket(std::uint32_t domain, std::uintptr_t identity) const noexcept {
        std::uint64_t h = (std::uint64_t(identity) ^ (std::uint64_t(domain) << 56)) * 0x9E3779B97F4A7C15ull;
        return static_cast<std::size_t>(h >> 48); // 16 bits
    }

    // Allocated on first claim (calloc: pages stay untouched until used).
    record** owner_buckets() noexcept {
        record** b = owner_heads_.load(std::memory_order_acquire);
        if (LIFECYCLE_DETAIL_LIKELY(b != nullptr)) return b;
        owner_once_.call([this] {
            owner_heads_.store(static_cast<record**>(std::calloc(owner_bucket_count, sizeof(record*))),
                               std::memory_order_release);
            ::pthread_atfork(nullptr, nullptr, &owner_index::fork_child);
        });
        return owner_heads_.load(std::memory_order_acquire);
    }

    // Requires: the bucket's lock held, r claimed.
    static void unlink_claim(record* r, record** heads, std::size_t b) noexcept {
        if (r->owner_prev) r->owner_prev->owner_next = r->owner_next;
        else heads[b] = r->owner_next;
        if (r->owner_next) r->owner_next->owner_prev = r->owner_prev;
        r->owner_prev = r->owner_next = nullptr;
        r->claimed = false;
    }

    std::atomic<record**> owner_heads_{nullptr};
    once_flag owner_once_;
    struct alignas(64) owner_lock {
        spin_lock lock;
    };
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
inline void owner_index::fork_child() noexcept { owners().after_fork_in_child(); }

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_OWNER_INDEX_HPP
