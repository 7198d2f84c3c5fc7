// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/stacks.hpp — private. Creation stacks interned once per
// distinct stack and never freed, so records point at them: a stack seen
// before is found without a lock, whatever the number of distinct stacks.
#ifndef LIFECYCLE_DETAIL_STACKS_HPP
#define LIFECYCLE_DETAIL_STACKS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/intern_table.hpp>
#include <lifecycle/detail/records.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

// Where interned stacks live, and the references to them that the stack
// table's slots hold: 4 bytes a slot instead of a pointer's 8, the table's
// share of a stack of 16 frames 16 bytes instead of 32 (issue 14: 8 bytes a
// frame + 32 a stack). Entries are carved from blocks of 64 KiB, never freed
// (as entries are not): no allocator header and no rounding to 16 bytes a
// stack. A reference is a block's number in a directory that only grows (19
// bits, from 1: 0 is no entry) and the entry's offset in it in 8-byte units
// (13 bits). A replaced directory is
// never freed (a reader may still read it) and holds every block a reference
// read before it was replaced can name. Blocks are reachable from the
// directory, so leak checkers see them.
class stack_arena {
public:
    using value_type = std::uint32_t;

    constexpr stack_arena() noexcept = default;

    /// Requires: `v` read (acquire) from a slot of the table. Lock-free.
    stack_entry* entry(value_type v) const noexcept {
        const directory* d = directory_.load(std::memory_order_acquire);
        return reinterpret_cast<stack_entry*>(d->blocks[v >> unit_bits] + (v & (units_a_block - 1)) * unit);
    }

    /// Requires: `e` is at what carve() returned last (the table calls this
    /// right after `make`).
    value_type slot_of(const stack_entry*) const noexcept { return last_; }

    /// Returns: `bytes` for an entry, or nullptr (out of memory, or 32 GiB
    /// of stacks already). Under the table's lock (intern's `make`).
    void* carve(std::size_t bytes) noexcept {
        bytes = (bytes + unit - 1) & ~(unit - 1);
        if (bytes > block_bytes) return new_block(bytes, last_); // longer than any stack lifecycle collects: on its own
        if (left_ < bytes) {
            char* b = new_block(block_bytes, carving_);
            if (b == nullptr) return nullptr;
            next_ = b;
            left_ = block_bytes;
        }
        last_ = static_cast<value_type>(carving_ + (block_bytes - left_) / unit);
        void* p = next_;
        next_ += bytes;
        left_ -= bytes;
        return p;
    }

private:
    static constexpr std::size_t unit = 8, unit_bits = 13, units_a_block = std::size_t{1} << unit_bits;
    static constexpr std::size_t block_bytes = unit * units_a_block; // 64 KiB
    static constexpr std::size_t max_blocks = std::size_t{1} << (32 - unit_bits);
    static_assert(alignof(stack_entry) <= unit, "a reference counts 8-byte units");

    struct directory {
        std::size_t capacity;
        directory* replaced; // kept reachable (leak checkers), never freed
        char* blocks[1];     // capacity of them
    };

    // Returns: a new block of `bytes`, its first unit's reference in `first`;
    // or nullptr (out of memory, or no room in the directory), `first` unchanged.
    char* new_block(std::size_t bytes, value_type& first) noexcept {
        char* b = static_cast<char*>(std::malloc(bytes));
        if (b == nullptr) return nullptr;
        const std::size_t number = add_block(b);
        if (number == 0) {
            std::free(b);
            return nullptr;
        }
        first = static_cast<value_type>(number << unit_bits);
        return b;
    }

    // Returns: the number of block `b` (from 1), or 0: no room, or out of memory.
    std::size_t add_block(char* b) noexcept {
        directory* d = directory_.load(std::memory_order_relaxed);
        if (count_ == max_blocks) return 0;
        if (d == nullptr || count_ == d->capacity) {
            const std::size_t capacity = d ? d->capacity * 2 : 64;
            auto* bigger = static_cast<directory*>(std::calloc(1, sizeof(directory) + (capacity - 1) * sizeof(char*)));
            if (bigger == nullptr) return 0;
            bigger->capacity = capacity;
            bigger->replaced = d;
            if (d) std::memcpy(bigger->blocks, d->blocks, count_ * sizeof(char*));
            else count_ = 1; // block 0: none
            directory_.store(bigger, std::memory_order_release);
            d = bigger;
        }
        d->blocks[count_] = b;
        return count_++;
    }

    std::atomic<directory*> directory_{nullptr};
    std::size_t count_ = 0;  // blocks numbered, block 0 included
    char* next_ = nullptr;   // in the block being carved
    std::size_t left_ = 0;
    value_type carving_ = 0; // the reference of the block being carved's first unit
    value_type last_ = 0;    // the reference of the entry carved last
};

class stack_table {
public:
    constexpr stack_table() noexcept = default;

    /// Returns: the interned copy of `frames`, walked to a `broken` record or
    /// not, captured for `user_depth` of the program's frames (0: all; see
    /// stack_slack); nullptr for none, or out of memory.
    LIFECYCLE_DETAIL_NOINLINE const stack_entry* intern(const void* const* frames, std::size_t n, bool broken = false,
                                                        unsigned user_depth = 0) noexcept {
        if (n == 0) return nullptr;
        // One multiply a frame, mixed once at the end: with the fast unwinder
        // the hash is most of a capture's cost, and a full mix per frame
        // would double it.
        std::uint64_t h = (n * 2 + broken) ^ (std::uint64_t{user_depth} << 32);
        for (std::size_t i = 0; i < n; ++i) {
            h = (h ^ reinterpret_cast<std::uintptr_t>(frames[i])) * 0x9e3779b97f4a7c15ull;
            h = (h << 29) | (h >> 35);
        }
        h = mix_hash(h);
        auto same = [&](const stack_entry& e) {
            return e.depth == n && e.broken == broken && e.user_depth == user_depth && std::memcmp(e.frames, frames, n * sizeof(void*)) == 0;
        };
        return table_.intern(h, same, [&]() -> stack_entry* {
            void* raw = table_.slots().carve(offsetof(stack_entry, frames) + n * sizeof(void*));
            if (raw == nullptr) return nullptr;
            stack_entry* e = new (raw) stack_entry;
            e->depth = static_cast<std::uint16_t>(n);
            e->broken = broken;
            e->user_depth = static_cast<std::uint8_t>(user_depth);
            std::memcpy(e->frames, frames, n * sizeof(void*));
            return e;
        });
    }

    void after_fork_in_child() noexcept { table_.after_fork_in_child(); }

private:
    intern_table<stack_entry, stack_arena> table_;
};

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_STACKS_HPP
