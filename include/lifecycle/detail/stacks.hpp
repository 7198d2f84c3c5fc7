// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/stacks.hpp — private. Creation stacks interned once per
// distinct stack and never freed, so records point at them: a stack seen
// before is found without a lock, whatever the number of distinct stacks.
#ifndef LIFECYCLE_DETAIL_STACKS_HPP
#define LIFECYCLE_DETAIL_STACKS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/intern_table.hpp>
#include <lifecycle/detail/records.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

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
            void* raw = carve(offsetof(stack_entry, frames) + n * sizeof(void*));
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
    // Entries are carved from blocks of 64 KiB, never freed (as entries are
    // not): no allocator header and no rounding to 16 bytes per stack, 8
    // bytes of header before the frames. Under the table's lock (intern's
    // `make`). Blocks are chained from here, so leak checkers see them.
    struct block {
        block* next;
    };
    static constexpr std::size_t block_bytes = 65536;
    void* carve(std::size_t bytes) noexcept {
        bytes = (bytes + alignof(stack_entry) - 1) & ~(alignof(stack_entry) - 1);
        if (bytes > block_bytes - sizeof(block)) { // longer than any stack lifecycle collects: on its own
            block* b = static_cast<block*>(std::malloc(sizeof(block) + bytes));
            if (b == nullptr) return nullptr;
            b->next = big_;
            big_ = b;
            return b + 1;
        }
        if (left_ < bytes) {
            block* b = static_cast<block*>(std::malloc(block_bytes));
            if (b == nullptr) return nullptr;
            b->next = blocks_;
            blocks_ = b;
            next_ = reinterpret_cast<char*>(b + 1);
            left_ = block_bytes - sizeof(block);
        }
        void* p = next_;
        next_ += bytes;
        left_ -= bytes;
        return p;
    }

    intern_table<stack_entry> table_;
    block* blocks_ = nullptr; // newest first; the newest is being carved
    block* big_ = nullptr;
    char* next_ = nullptr;
    std::size_t left_ = 0;
};

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_STACKS_HPP
