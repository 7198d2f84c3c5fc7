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

    /// Returns: the interned copy of `frames` (nullptr for none, or out of memory).
    LIFECYCLE_DETAIL_NOINLINE const stack_entry* intern(const void* const* frames, std::size_t n) noexcept {
        if (n == 0) return nullptr;
        std::uint64_t h = n;
        for (std::size_t i = 0; i < n; ++i) h = mix_hash(h ^ reinterpret_cast<std::uintptr_t>(frames[i]));
        auto same = [&](const stack_entry& e) {
            return e.depth == n && std::memcmp(e.frames, frames, n * sizeof(void*)) == 0;
        };
        return table_.intern(h, same, [&]() -> stack_entry* {
            void* raw = std::malloc(sizeof(stack_entry) + (n - 1) * sizeof(void*));
            if (raw == nullptr) return nullptr;
            stack_entry* e = new (raw) stack_entry;
            e->depth = static_cast<std::uint32_t>(n);
            std::memcpy(e->frames, frames, n * sizeof(void*));
            return e;
        });
    }

    void after_fork_in_child() noexcept { table_.after_fork_in_child(); }

private:
    intern_table<stack_entry> table_;
};

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_STACKS_HPP
