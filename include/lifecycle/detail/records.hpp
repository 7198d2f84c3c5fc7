// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/records.hpp — private. What the registry keeps of one
// live resource (a record), of a kind, of a creation stack, and the value
// copies that readers take away (record_view). Plain data; the registry
// (lifecycle/registry.hpp) and its shards (detail/shards.hpp) own them.
#ifndef LIFECYCLE_DETAIL_RECORDS_HPP
#define LIFECYCLE_DETAIL_RECORDS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/record_fwd.hpp>
#include <lifecycle/detail/settings.hpp>
#include <lifecycle/source_site.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// A resource kind, registered once per name and never destroyed.
struct kind_info {
    std::string name;       // "fd"
    std::string close_call; // "close()"
    std::uint32_t id = 0;
    std::uint32_t domain = 0; // kinds whose handles share a value space (fd and socket) share a domain
    // Exact process-wide counts while a live-count window is open
    // (registry::open_window): the shards' counts are per thread, and the sum
    // of per-thread peaks is not the most ever live at once.
    mutable std::atomic<std::int64_t> window_live{0};
    mutable std::atomic<std::int64_t> window_peak{0};
};

/// Frames a capture collects beyond LIFECYCLE_STACK_DEPTH: the depth counts
/// the program's frames, and the standard library's (emplace_back's four,
/// make_unique's two) and lifecycle's own come first. Reports cut each stack
/// back to `user_depth` of the program's frames.
inline constexpr unsigned stack_slack = 8;

/// Interned raw creation stack; never destroyed.
struct stack_entry {
    std::uint32_t hash = 0;  // the stack table's hash (32 bits: the header fits in the 8 bytes before the frames)
    std::uint16_t depth = 0; // at most 128 + stack_slack (set_stack_depth) or the 64 a test collects
    bool broken = false;     // the fast unwinder stopped at a record that is not a frame's (detail/frame_walk.hpp)
    std::uint8_t user_depth = 0; // the program's frames the capture was asked for (LIFECYCLE_STACK_DEPTH); 0: every frame
    void* frames[1];         // `depth` frames follow
};

// A label kept inline when short (the common case costs a memcpy, no
// allocation) and on the heap otherwise. 32 bytes: 31 inline and a length
// byte; heap_mark in it says the first 8 bytes hold the heap string's
// address instead. A long label after a long one reuses the string; a short
// one frees it.
class alignas(8) label_store {
public:
    label_store() noexcept = default;
    label_store(const label_store&) = delete;
    label_store& operator=(const label_store&) = delete;
    ~label_store() { drop_heap(); }

    std::string_view view() const noexcept {
        return size_ == heap_mark ? std::string_view(*heap()) : std::string_view(bytes_, size_);
    }
    void assign(std::string_view s) noexcept {
        if (s.empty()) {
            if (size_ != 0) clear(); // reused records usually held an empty label already: no store
            return;
        }
        if (LIFECYCLE_DETAIL_LIKELY(s.size() <= sizeof bytes_)) {
            drop_heap();
            std::memcpy(bytes_, s.data(), s.size());
            size_ = static_cast<unsigned char>(s.size());
            return;
        }
        assign_long(s);
    }

private:
    static constexpr unsigned char heap_mark = 0xff;

    std::string* heap() const noexcept {
        std::string* p;
        std::memcpy(&p, bytes_, sizeof p);
        return p;
    }
    void drop_heap() noexcept {
        if (size_ != heap_mark) return;
        delete heap();
        size_ = 0;
    }
    void clear() noexcept {
        drop_heap();
        size_ = 0;
    }
    LIFECYCLE_DETAIL_NOINLINE void assign_long(std::string_view s) noexcept {
        LIFECYCLE_DETAIL_TRY {
            if (size_ == heap_mark) {
                heap()->assign(s.data(), s.size());
                return;
            }
            std::string* p = new std::string(s);
            std::memcpy(bytes_, &p, sizeof p);
            size_ = heap_mark;
        } LIFECYCLE_DETAIL_CATCH_ALL {
            drop_heap();
            std::memcpy(bytes_, s.data(), sizeof bytes_); // out of memory: keep what fits
            size_ = sizeof bytes_;
        }
    }

    char bytes_[31];
    unsigned char size_ = 0;
};
static_assert(sizeof(label_store) == 32, "records.hpp: a label is 31 bytes inline and a length byte");

/// Whether a record is in the owner index (detail/owner_index.hpp), and
/// whether another live record claimed the same handle while it did (then,
/// and only then, its close looks for the others). `claimed_stale`: it
/// claimed a handle that another wrapper closed since; it left the index's
/// chains then (the value may belong to a new resource) and keeps where.
enum claim_state : std::uint8_t { unclaimed, claimed_alone, claimed_shared, claimed_stale };

/// One live resource. Owned by its shard; reused through the free list.
/// 184 bytes on a 64-bit system, laid out without padding holes (a static
/// assertion below keeps it so): memory per live handle is issue #14's row.
struct record {
    record* prev = nullptr;
    record* next = nullptr;
    shard* home = nullptr;
    std::uint64_t seq = 0;
    const kind_info* kind = nullptr;
    std::uintptr_t identity = 0;
    std::uint64_t weight = 0;
    std::int64_t created_ticks = 0;
    source_site site{};
    const stack_entry* stack = nullptr;
    const char* scope = nullptr; // interned name of the creating thread's innermost scope
    std::atomic<const char*> kept{nullptr}; // interned keep_alive() reason: not a leak (set from any thread)
    const char* thread_name = nullptr; // interned name of the creator, read at its first create; nullptr: none
    int thread = 0;              // OS thread id of the creator
    int os_fd = -1;              // the file descriptor the handle holds, if any (OS cross-check)
    std::uint32_t window = 0;    // the live-count window it was created in (registry::open_window); 0: none
    // Ownership index (ownership.hpp): records that claimed their identity
    // are chained per bucket (owner_prev/owner_next below).
    claim_state claimed = unclaimed;
    bool anchor_only = false; // `stack` only anchors a site in a system header (site capture): not a creation stack
    // Retired by another thread than its shard's owner: waiting in the
    // shard's `remote` list (chained by remote_next) to be unlinked, counted as `remote_how`.
    unsigned char remote_how = 0;
    label_store label;
    // One word, two uses: a record in the owner index's chains links to the
    // one before it; one claimed_stale is out of them and keeps where the
    // other wrapper closed its handle, as the index's tombstone of that
    // close (nullptr: out of memory, an unknown site).
    union {
        record* owner_prev = nullptr;
        const tombstone* closed_elsewhere;
    };
    // One word, two lists: a record leaves the owner index (unclaim) before
    // it retires (registry::retire requires it), so its owner link is free by
    // the time a remote retire chains it.
    union {
        record* owner_next = nullptr;
        record* remote_next;
    };
};
static_assert(sizeof(void*) != 8 || sizeof(record) == 184, "records.hpp: a field added or moved left a padding hole");

struct kind_counts {
    std::uint64_t created = 0, closed = 0, released = 0, failures = 0, live = 0, peak = 0;
};

/// A snapshot of one record, safe to keep after the resource closed.
struct record_view {
    std::uint64_t ordinal = 0; // shard id << 40 | sequence
    const kind_info* kind = nullptr;
    std::string label;
    std::uintptr_t identity = 0;
    std::uint64_t weight = 0;
    std::int64_t created_ticks = 0;
    source_site site{};
    const stack_entry* stack = nullptr;
    const char* scope = nullptr;
    const char* kept = nullptr;
    int thread = 0;
    const char* thread_name = nullptr;
    int os_fd = -1;
    bool anchor_only = false;
};


// Creation times, in nanoseconds of the coarse monotonic clock: a vDSO read
// of the kernel's last tick, cheaper than the time-stamp counter under
// virtualization and than the precise clock (README, "Performance"). Ages in
// reports have the kernel tick's resolution, plenty for "how long has this
// been open". Never 0, which means "not captured".
inline std::int64_t now_ticks() noexcept {
    timespec ts{};
#    ifdef CLOCK_MONOTONIC_COARSE
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#    else
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
#    endif
    return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec + 1;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_RECORDS_HPP
