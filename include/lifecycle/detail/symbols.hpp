// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/symbols.hpp — private, report side. Symbolized frames,
// cached once per address for the life of the process; the symbolizer runs
// on one thread at a time (libbacktrace's state is not thread-safe).
#ifndef LIFECYCLE_DETAIL_SYMBOLS_HPP
#define LIFECYCLE_DETAIL_SYMBOLS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/frames.hpp>
#include <lifecycle/detail/intern_table.hpp>
#include <lifecycle/detail/stacktrace.hpp>
#include <lifecycle/detail/sync.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <vector>

#include <pthread.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

class symbol_cache {
public:
    constexpr symbol_cache() noexcept = default;

    /// Returns: the frames at `address` (detail/stacktrace.hpp's
    /// symbolize_chain: its inline frames first, never empty), a copy of the
    /// cached entry; while the symbolizer cannot read its files (EMFILE,
    /// ENOMEM), only its module and offset, not cached: a later call tries
    /// again (and `*complete` = false).
    /// Throws: std::bad_alloc (nothing is cached).
    std::vector<frame_info> chain(const void* address, bool* complete = nullptr) {
        const std::uint64_t h = mix_hash(reinterpret_cast<std::uintptr_t>(address));
        auto same = [address](const entry& e) { return e.address == address; };
        if (const entry* e = table_.find(h, same)) return e->chain;
        lock_guard<mutex> one_at_a_time(symbolizer_);
        if (const entry* e = table_.find(h, same)) return e->chain;
        if (!symbolizer_can_read()) {
            if (complete) *complete = false;
            return std::vector<frame_info>(1, module_frame(address));
        }
        entry* fresh = new entry{0, address, symbolize_chain(address, inline_)};
        const entry* e = table_.intern(h, same, [fresh] { return fresh; });
        if (e != fresh) delete fresh;
        if (e == nullptr) LIFECYCLE_DETAIL_THROW(std::bad_alloc());
        return e->chain;
    }

    /// Returns: the function that holds the code at `address` (the last of
    /// its chain), as chain(). Throws: std::bad_alloc.
    frame_info symbol(const void* address, bool* complete = nullptr) { return chain(address, complete).back(); }

    /// Returns: the chains of the `n` addresses, one after the other, as
    /// chain(). Throws: std::bad_alloc.
    std::vector<frame_info> symbols(const void* const* addresses, std::size_t n, bool* complete = nullptr) {
        std::vector<frame_info> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            std::vector<frame_info> c = chain(addresses[i], complete);
            out.insert(out.end(), std::make_move_iterator(c.begin()), std::make_move_iterator(c.end()));
        }
        return out;
    }

    // fork() waits for a symbolization under way: the symbolizer walks the
    // loaded modules under the dynamic loader's lock, which a child forked
    // meanwhile would find held forever (its first symbolization hung).
    void before_fork() noexcept { symbolizer_.lock(); }
    void after_fork_in_parent() noexcept { symbolizer_.unlock(); }
    void after_fork_in_child() noexcept {
        symbolizer_.reinitialize();
        table_.after_fork_in_child();
    }

private:
    struct entry {
        std::uint64_t hash;
        const void* address;
        std::vector<frame_info> chain;
    };
    mutex symbolizer_;
    inline_frames inline_; // under symbolizer_
    intern_table<entry> table_;
};

// One per process, never destroyed (frame_info holds strings: no static
// object with a destructor).
LIFECYCLE_DETAIL_EXPORT inline symbol_cache& symbols() noexcept {
    alignas(symbol_cache) static unsigned char storage[sizeof(symbol_cache)];
    static symbol_cache* const cache = [] {
        symbol_cache* c = new (storage) symbol_cache;
        ::pthread_atfork([] { symbols().before_fork(); }, [] { symbols().after_fork_in_parent(); },
                         [] { symbols().after_fork_in_child(); });
        return c;
    }();
    return *cache;
}

/// Returns: the `n` addresses symbolized (with their inline frames), without lifecycle's own frames on
/// top and the startup frames at the bottom (all of them when every frame is
/// lifecycle's); `*complete` = false when some could not be symbolized now.
/// Throws: std::bad_alloc.
inline std::vector<frame_info> user_frames(const void* const* addresses, std::size_t n, bool* complete) {
    std::vector<frame_info> frames = symbols().symbols(addresses, n, complete);
    std::size_t first = 0;
    while (first < frames.size() && library_frame(frames[first])) ++first;
    if (first == frames.size()) first = 0;
    std::size_t last = frames.size();
    while (last > first + 1 && startup_frame(frames[last - 1])) --last;
    // Unnamed, _start is the program's frame below libc's start routines.
    if (last > first + 2 && frames[last - 1].function.empty() && startup_frame(frames[last - 2])) {
        --last;
        while (last > first + 1 && startup_frame(frames[last - 1])) --last;
    }
    frames.erase(frames.begin() + static_cast<std::ptrdiff_t>(last), frames.end());
    frames.erase(frames.begin(), frames.begin() + static_cast<std::ptrdiff_t>(first));
    return frames;
}

/// The symbolizer the report layer lends to the layers below (detail/hooks.hpp).
inline bool symbolize_cached(const void* address, std::vector<frame_info>& out) noexcept {
    LIFECYCLE_DETAIL_TRY {
        out = symbols().chain(address);
        return true;
    } LIFECYCLE_DETAIL_CATCH_ALL {
        return false;
    }
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_SYMBOLS_HPP
