// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/intern_table.hpp — private. One mechanism for every table
// of things lifecycle keeps for the life of the process (creation stacks,
// names, tombstones, symbolized frames, problems already warned about): an
// open-addressing hash table of references to immortal entries (pointers, or
// the stack table's 32-bit indexes), found without a lock, inserted under
// one, resized by doubling so that both stay O(1) however many entries there
// are.
//
// A replaced table is never freed (a reader may still be probing it); it
// only misses entries added since, and a miss is re-checked under the lock,
// so an entry is never interned twice. The tables replaced add up to less
// than the one in use.
#ifndef LIFECYCLE_DETAIL_INTERN_TABLE_HPP
#define LIFECYCLE_DETAIL_INTERN_TABLE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/sync.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Mixes a 64-bit value (the finalizer of MurmurHash3).
constexpr std::uint64_t mix_hash(std::uint64_t h) noexcept {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/// How an intern_table's slots name their entries: by address, 8 bytes a
/// slot. A policy of the same shape (`value_type`, an unsigned integer or a
/// pointer whose zero means "empty"; `entry(v)`, lock-free; `slot_of(e)`,
/// under the table's lock) names them in fewer bytes: the stack table's
/// 32-bit references into its blocks (detail/stacks.hpp).
template <class Entry>
struct pointer_slots {
    using value_type = Entry*;
    static Entry* entry(value_type v) noexcept { return v; }
    static value_type slot_of(Entry* e) noexcept { return e; }
};

/// Requires: `Entry` has an unsigned integer member `hash` (64 bits, or
/// fewer: a hash is cut to its width, so a smaller entry keeps its low bits)
/// that does not change once the entry is interned; entries are never destroyed.
template <class Entry, class Slots = pointer_slots<Entry>>
class intern_table : private Slots {
    using hash_type = decltype(Entry::hash);
    using value_type = typename Slots::value_type;

public:
    constexpr intern_table() noexcept = default;
    intern_table(const intern_table&) = delete;
    intern_table& operator=(const intern_table&) = delete;

    /// Returns: the entry with `hash` for which `same(entry)` holds, or nullptr. Lock-free.
    template <class Same>
    Entry* find(std::uint64_t hash, Same same) const noexcept {
        return find_in(current_.load(std::memory_order_acquire), static_cast<hash_type>(hash), same);
    }

    /// Returns: the entry found as find() does, or else the one `make()`
    /// returns (nullptr: not interned, e.g. out of memory), interned. `make`
    /// runs under the table's lock and must not use the table (but may use
    /// slots()).
    template <class Same, class Make>
    Entry* intern(std::uint64_t full_hash, Same same, Make make) noexcept {
        const hash_type hash = static_cast<hash_type>(full_hash);
        if (Entry* e = find(hash, same)) return e;
        lock_guard<spin_lock> hold(lock_);
        table* t = current_.load(std::memory_order_relaxed);
        if (Entry* e = find_in(t, hash, same)) return e; // interned meanwhile
        if (t == nullptr || (count_ + 1) * 4 > (t->mask + 1) * 3) {
            t = grow(t);
            if (t == nullptr) return nullptr;
        }
        Entry* e = make();
        if (e == nullptr) return nullptr;
        e->hash = hash;
        place(*t, Slots::slot_of(e), std::memory_order_release);
        ++count_;
        return e;
    }

    /// Effects: calls `visit(entry)` for every entry (a snapshot; lock-free).
    template <class Visit>
    void for_each(Visit visit) const {
        const table* t = current_.load(std::memory_order_acquire);
        if (t == nullptr) return;
        for (std::size_t i = 0; i <= t->mask; ++i)
            if (const value_type v = t->slots[i].load(std::memory_order_acquire)) visit(*Slots::entry(v));
    }

    /// Returns: the slot policy (for `make`, under the table's lock).
    Slots& slots() noexcept { return *this; }

    /// Effects: the lock free again in a child of fork() (the parent's
    /// other threads, gone, may have held it).
    void after_fork_in_child() noexcept { new (&lock_) spin_lock(); }

private:
    struct table {
        std::size_t mask = 0;
        table* replaced = nullptr;        // kept reachable (leak checkers), never freed
        std::atomic<value_type> slots[1]; // mask + 1 of them
    };

    template <class Same>
    Entry* find_in(const table* t, std::uint64_t hash, Same& same) const noexcept {
        if (t == nullptr) return nullptr;
        for (std::size_t i = static_cast<std::size_t>(mix_hash(hash)) & t->mask;; i = (i + 1) & t->mask) {
            const value_type v = t->slots[i].load(std::memory_order_acquire);
            if (!v) return nullptr;
            Entry* e = Slots::entry(v);
            if (e->hash == hash && same(*e)) return e;
        }
    }

    void place(table& t, value_type v, std::memory_order order) const noexcept {
        std::size_t i = static_cast<std::size_t>(mix_hash(Slots::entry(v)->hash)) & t.mask;
        while (t.slots[i].load(std::memory_order_relaxed)) i = (i + 1) & t.mask;
        t.slots[i].store(v, order);
    }

    // Requires: the lock. Returns: the published bigger table, or nullptr (out of memory).
    table* grow(table* old) noexcept {
        const std::size_t size = old ? (old->mask + 1) * 2 : 64;
        void* raw = std::calloc(1, sizeof(table) + (size - 1) * sizeof(std::atomic<value_type>));
        if (raw == nullptr) return nullptr;
        table* t = static_cast<table*>(raw); // zeroed: every slot is empty
        t->mask = size - 1;
        t->replaced = old;
        if (old)
            for (std::size_t i = 0; i <= old->mask; ++i)
                if (const value_type v = old->slots[i].load(std::memory_order_relaxed)) place(*t, v, std::memory_order_relaxed);
        current_.store(t, std::memory_order_release);
        return t;
    }

    std::atomic<table*> current_{nullptr};
    std::size_t count_ = 0;
    spin_lock lock_;
};

/// Returns: the FNV-1a hash of `n` bytes at `p`, mixed with `seed`.
inline std::uint64_t hash_bytes(const void* p, std::size_t n, std::uint64_t seed = 1469598103934665603ull) noexcept {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    std::uint64_t h = seed;
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_INTERN_TABLE_HPP
