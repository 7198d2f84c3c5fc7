// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/record_fwd.hpp — private. The names of the registry's
// plain data that owners and scopes hold without seeing it (a record is a
// pointer to them; a scope keeps a watermark): what a file of a
// compiled-mode build needs, where the registry itself is the library's
// (detail/records.hpp has the definitions).
#ifndef LIFECYCLE_DETAIL_RECORD_FWD_HPP
#define LIFECYCLE_DETAIL_RECORD_FWD_HPP

#include <lifecycle/config.hpp>

#include <cstdint>
#include <utility>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

struct shard;
struct kind_info;
struct stack_entry;
struct record;
struct record_view;
struct tombstone;

/// How an owner stopped owning its resource: how a record leaves the
/// registry (closed, close_failed, released), and what a wrapper's tombstone
/// remembers (closed, released, moved) for use-after-close diagnostics.
enum class ending : unsigned char { closed, close_failed, released, moved };

/// A scope's starting point: the next sequence number of every shard.
struct watermark {
    std::vector<std::pair<const shard*, std::uint64_t>> marks;
    std::uint64_t of(const shard* s) const noexcept {
        for (const auto& m : marks)
            if (m.first == s) return m.second;
        return 0; // a shard born after the scope began: all its records are newer
    }
};

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_RECORD_FWD_HPP
