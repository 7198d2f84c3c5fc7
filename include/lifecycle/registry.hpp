// SPDX-License-Identifier: BSL-1.0
// lifecycle/registry.hpp — the process-wide registry of live resources.
//
// Handles enroll a record when they take ownership and retire it when they
// close or release; leak scopes and reports read snapshots. The registry is
// one per process (also across shared objects), constructed on first use and
// never destroyed, so handles destroyed during static destruction retire
// safely.
//
// Cost: enrolling and retiring write the calling thread's own shard with no
// atomic read-modify-write (see "Shard access" below); records come from a
// free list; moving a handle never touches the registry. A record closed on
// another thread is handed back to the shard it was created in. Checking a
// scope visits only the records created after it began.
//
// Capture tiers, set in code or by environment (read once, at first use):
//   LIFECYCLE_CAPTURE=off|site|stack   off: records carry kind, label, thread;
//                                      site: + file:line:function and time;
//                                      stack: + creation stack (raw, symbolized
//                                      only when a report is rendered).
//   LIFECYCLE_STACK_DEPTH=N            frames kept per stack (1..128, default 32)
//   LIFECYCLE_UNWIND=fast|precise      fast: frame pointers (default on x86-64 and aarch64;
//                                      stops at a frame without one, and reports say so);
//                                      precise: the DWARF unwinder, every frame
//   LIFECYCLE_SAMPLE=N                 stack tier: capture the stack of 1 resource in N
//                                      per thread (1..1000000, default 1 = all)
//   LIFECYCLE_BREAK_ON=S:N             raise SIGTRAP when the resource with ordinal S:N
//                                      (as reports print it) is created; N alone is 1:N
//
//   { lifecycle::pause_tracking paused; cache.warm_up(); } // created here: not tracked
//
//   lifecycle::set_capture(lifecycle::capture::stack);
//   for (const auto& k : lifecycle::stats()) std::printf("%s: %llu live\n", k.kind.c_str(), ...);
//
// With LIFECYCLE_TRACKING=0 this header declares only the configuration
// functions, which do nothing, and `stats()`, which returns nothing.
#ifndef LIFECYCLE_REGISTRY_HPP
#define LIFECYCLE_REGISTRY_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/settings.hpp>
#include <lifecycle/levels.hpp>
#include <lifecycle/source_site.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#if LIFECYCLE_TRACKING
#    include <lifecycle/detail/frames.hpp>
#    include <lifecycle/detail/hooks.hpp>
#    include <lifecycle/detail/kinds.hpp>
#    include <lifecycle/detail/modules.hpp>
#    include <lifecycle/detail/records.hpp>
#    include <lifecycle/detail/shards.hpp>
#    include <lifecycle/detail/stacks.hpp>
#    include <lifecycle/detail/sync.hpp>

#    include <atomic>
#    include <ctime>

#    include <pthread.h>
#    include <signal.h>
#endif

LIFECYCLE_BEGIN_NAMESPACE

/// Per-kind counters, summed over all threads.
struct kind_stats {
    /// The kind ("fd", "socket", a traits' kind_name()).
    std::string kind;
    std::uint64_t live = 0;           ///< open now
    std::uint64_t peak = 0;           ///< most open at once (see README: exact per thread, an upper bound across threads)
    std::uint64_t created = 0;        ///< enrolled since the process started
    std::uint64_t closed = 0;         ///< closed by lifecycle (successfully or not)
    std::uint64_t released = 0;       ///< handed out by `release()`
    std::uint64_t close_failures = 0; ///< closes that reported an error
};

#if LIFECYCLE_TRACKING

namespace detail {

LIFECYCLE_DETAIL_HIDDEN inline void fork_prepare() noexcept; // pthread_atfork handlers, defined after instance()
LIFECYCLE_DETAIL_HIDDEN inline void fork_done_in_parent() noexcept;
LIFECYCLE_DETAIL_HIDDEN inline void fork_done_in_child() noexcept;

class LIFECYCLE_DETAIL_EXPORT registry {
public:
    registry();
    /// Effects: once per process, by the module that made the registry: the
    /// settings' warnings, the at-exit request.
    void start() noexcept;
    /// Effects: if the loaded modules changed since the last call, says once
    /// on stderr when they mix tracking modes or use several registries.
    void check_modules() noexcept;

    /// Effects: the module `m` is being unloaded: live records that point at
    /// its text (site file and function names, where another wrapper closed
    /// the handle) point at copies from now on, and their stack frames in it
    /// are symbolized now, while it is still mapped, by the symbolizer in
    /// reach (detail/hooks.hpp), whose cache later reports read. If the
    /// shards' lease hand-back is its code, threads stop handing them back.
    void keep_module_text(const module_span& m) noexcept;
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    /// Returns: true if owners write their shards without a lock (detail/shards.hpp).
    bool lock_free_owners() const noexcept { return shards_.lock_free_owners(); }

    /// Returns: how many seconds ago `ticks` (from now_ticks()) was; 0 for 0.
    double age_seconds(std::int64_t ticks) const noexcept {
        if (ticks == 0) return 0;
        const std::int64_t now = now_ticks();
        return now > ticks ? static_cast<double>(now - ticks) / 1e9 : 0.0;
    }

    // --- configuration -------------------------------------------------
    capture capture_tier() const noexcept { return static_cast<capture>(capture_.load(std::memory_order_relaxed)); }
    void set_capture_tier(capture c) noexcept { capture_.store(static_cast<int>(c), std::memory_order_relaxed); }
    unsigned stack_depth() const noexcept { return depth_.load(std::memory_order_relaxed); }
    void set_stack_depth(unsigned d) noexcept { depth_.store(d < 1 ? 1 : (d > 128 ? 128 : d), std::memory_order_relaxed); }
    unwind unwinder() const noexcept { return static_cast<unwind>(unwind_.load(std::memory_order_relaxed)); }
    void set_unwinder(unwind u) noexcept {
        unwind_.store(static_cast<int>(u == unwind::fast ? default_unwind : u), std::memory_order_relaxed);
    }
    unsigned sample() const noexcept { return sample_.load(std::memory_order_relaxed); }
    void set_sample(unsigned n) noexcept { sample_.store(n < 1 ? 1 : n, std::memory_order_relaxed); }
    std::uint64_t break_on() const noexcept { return break_on_.load(std::memory_order_relaxed); }
    void set_break_on(std::uint64_t ordinal) noexcept { break_on_.store(ordinal, std::memory_order_relaxed); }
    ownership_level ownership() const noexcept { return static_cast<ownership_level>(ownership_.load(std::memory_order_relaxed)); }
    void set_ownership(ownership_level m) noexcept { ownership_.store(static_cast<int>(m), std::memory_order_relaxed); }

    // --- kinds -------------------------------------------------------------
    /// Returns: the kind named `name` (see kind_table). Throws: std::bad_alloc.
    const kind_info* register_kind(std::string_view name, std::string_view close_call, std::string_view domain = {}) {
        return kinds_.register_kind(name, close_call, domain);
    }

    // --- enroll / retire (the hot path) ---------------------------------
    /// The creation stack of a resource about to be enrolled, for the stack
    /// tier (sampled), else nullptr. Inlined into the creating function, so
    /// that the unwind starts in its frame (see collect_frames). No branch
    /// hint: hinted unlikely, g++ moves the capture past the creator's
    /// epilogues, and the unwinder then runs a longer CFI program for the
    /// creator's frame on every capture (measured in bench/; the site path is
    /// no slower without the hint).
    LIFECYCLE_DETAIL_ALWAYS_INLINE const stack_entry* creation_stack() noexcept {
        if (capture_tier() != capture::stack || tls_paused != 0 || !sampled()) return nullptr;
        const void** frames = tls_frames;
        bool broken = false;
        const std::size_t n = collect_frames(frames, stack_depth(), unwinder(), broken);
        return stacks_.intern(frames, n, broken);
    }

    /// Effects: enroll() with the creation stack of the function this is
    /// inlined into (every wrapper's create goes through here).
    LIFECYCLE_DETAIL_ALWAYS_INLINE record* enroll_here(const kind_info* kind, std::uintptr_t identity,
                                                       std::uint64_t weight, std::string_view label,
                                                       const source_site& site, int os_fd = -1) noexcept {
        return enroll(creation_stack(), kind, identity, weight, label, site, os_fd);
    }

    /// Effects: enrolls a resource created at `site`, with `stack` from
    /// creation_stack(), out of line. Returns: its record, or nullptr when
    /// tracking is paused or out of memory.
    record* enroll(const stack_entry* stack, const kind_info* kind, std::uintptr_t identity, std::uint64_t weight,
                   std::string_view label, const source_site& site, int os_fd = -1) noexcept {
        if (LIFECYCLE_DETAIL_UNLIKELY(tls_paused != 0)) return nullptr; // pause_tracking: stays untracked
        const capture c = capture_tier();
        shard* s = shards_.current_shard();
        if (LIFECYCLE_DETAIL_UNLIKELY(s == nullptr)) return nullptr;
        const std::int64_t ticks = c != capture::off ? now_ticks() : 0;
        record* r = nullptr;
        kind_counts* k = nullptr;
        shard_set::shard_section section(shards_, *s);
        LIFECYCLE_DETAIL_TRY {
            k = &s->counts_of(kind->id);
            r = s->allocate();
        } LIFECYCLE_DETAIL_CATCH_ALL {
            return nullptr; // out of memory: the handle stays correct, only untracked
        }
        r->seq = s->next_seq.load(std::memory_order_relaxed);
        s->next_seq.store(r->seq + 1, std::memory_order_relaxed);
        r->kind = kind;
        r->identity = identity;
        r->weight = weight;
        r->stack = stack;
        r->scope = tls_scope_name;
        r->kept.store(nullptr, std::memory_order_relaxed);
        r->thread = shard_set::tls_thread_id;
        r->os_fd = os_fd;
        r->site = c != capture::off ? site : source_site{};
        r->created_ticks = ticks;
        r->label.assign(label);
        r->next = nullptr;
        r->prev = s->tail;
        if (s->tail) s->tail->next = r; else s->head = r;
        s->tail = r;
        ++k->created;
        if (++k->live > k->peak) k->peak = k->live;
        const std::uint64_t target = break_on();
        if (LIFECYCLE_DETAIL_UNLIKELY(target != 0) && target == shard_set::ordinal_of(*s, *r)) {
            section.leave();
            break_here(target);
        }
        return r;
    }

    /// Effects: marks `r` as intentionally long-lived: leak scopes count it
    /// under `reason` instead of reporting it.
    void keep(record* r, std::string_view reason) {
        r->kept.store(intern_name(reason), std::memory_order_release);
    }

    /// Pauses tracking on the calling thread while > 0 (pause_tracking).
    static thread_local inline int tls_paused = 0;

    using ending = detail::ending;

    /// Effects: removes `r` from its shard, counted as `how`, from any thread.
    /// Requires: `r` is not claimed in the owner index (detail/enrollment.hpp
    /// unclaims first).
    void retire(record* r, ending how) noexcept {
        shard* s = r->home;
        if (LIFECYCLE_DETAIL_LIKELY(s == shard_set::tls_shard) || s->ownerless) {
            shard_set::shard_section section(shards_, *s);
            shard_set::unlink(*s, r, how);
            return;
        }
        // Another thread's shard: hand the record back; its owner (or a reader) unlinks it.
        r->remote_how = static_cast<unsigned char>(how);
        record* head = s->remote.load(std::memory_order_relaxed);
        do {
            r->remote_next = head;
        } while (!s->remote.compare_exchange_weak(head, r, std::memory_order_release, std::memory_order_relaxed));
    }

    /// A failed close of a resource nobody tracked (empty token): counted
    /// under its kind on the calling thread's shard.
    void count_untracked_failure(const kind_info* kind) noexcept {
        shard* s = shards_.current_shard();
        if (!s) return;
        shard_set::shard_section section(shards_, *s);
        LIFECYCLE_DETAIL_TRY {
            ++s->counts_of(kind->id).failures;
        } LIFECYCLE_DETAIL_CATCH_ALL {
        }
    }

    // --- reading ---------------------------------------------------------
    watermark mark() const { return shards_.mark(); }

    /// Copies of the live records created at or after `from`; if `thread` is
    /// non-zero, only those created on that OS thread. Oldest first per shard.
    std::vector<record_view> live_since(const watermark& from, int thread = 0);

    std::vector<record_view> all_live() { return live_since(watermark{}); }

    std::vector<kind_stats> stats();

    // --- scopes ------------------------------------------------------------
    /// Returns: `name` interned for the life of the process. Throws: std::bad_alloc.
    const char* intern_name(std::string_view name) { return names_.intern(name); }

    static thread_local inline const char* tls_scope_name = nullptr;

    /// The calling thread's OS id (gettid), as records store it.
    static int thread_id() noexcept { return shard_set::thread_id(); }

    // --- fork ----------------------------------------------------------------
    void hold_all_shards() noexcept { shards_.hold_all_shards(); }
    void release_all_shards() noexcept { shards_.release_all_shards(); }
    // Every module's prepare handler runs, then every module's parent or
    // child handler: the first holds the shards, the last lets them go.
    void before_fork() noexcept {
        if (fork_holds_++ != 0) return;
        kinds_.before_fork();
        hold_all_shards();
    }
    void after_fork(bool in_child) noexcept {
        if (--fork_holds_ != 0) return;
        release_all_shards();
        if (in_child) after_fork_in_child();
        else kinds_.after_fork_in_parent();
    }
    // The child's other threads are gone: a lock one of them held (a
    // thread interning a stack or a name when another forked) is free.
    void after_fork_in_child() noexcept {
        shards_.after_fork_in_child();
        kinds_.after_fork_in_child();
        names_.after_fork_in_child();
        stacks_.after_fork_in_child();
    }

private:
    // The stack tier keeps 1 stack in sample() per thread (the first, then every Nth).
    bool sampled() noexcept {
        const unsigned n = sample();
        if (LIFECYCLE_DETAIL_LIKELY(n <= 1)) return true;
        return tls_sample_tick++ % n == 0;
    }
    static thread_local inline unsigned tls_sample_tick = 0;
    static thread_local inline const void* tls_frames[128]; // creation_stack()'s buffer: not in the creator's frame

    LIFECYCLE_DETAIL_NOINLINE static void break_here(std::uint64_t ordinal) noexcept {
        std::fprintf(stderr, "lifecycle: LIFECYCLE_BREAK_ON: creating resource %llu:%llu; raising SIGTRAP\n",
                     static_cast<unsigned long long>(ordinal >> ordinal_shard_shift),
                     static_cast<unsigned long long>(ordinal & ((std::uint64_t(1) << ordinal_shard_shift) - 1)));
        std::fflush(stderr);
        ::raise(SIGTRAP);
    }

    std::atomic<int> capture_{static_cast<int>(capture::stack)};
    std::atomic<unsigned> depth_{32};
    std::atomic<int> unwind_{static_cast<int>(default_unwind)};
    std::atomic<unsigned> sample_{1};
    std::atomic<std::uint64_t> break_on_{0};
    std::atomic<int> ownership_{static_cast<int>(ownership_level::warn_once)};
    int fork_holds_ = 0; // written by the forking thread only, while it holds every shard
    std::atomic<unsigned long long> modules_seen_{~0ull};
    std::atomic<bool> said_mixed_{false}, said_split_{false};
    shard_set shards_;
    kind_table kinds_;
    name_table names_;
    stack_table stacks_;
};

// Out of line and noexcept (out of memory before the first resource is
// tracked ends the process): the guarded initialization in instance() then
// has no cleanup, so instance() brings no exception handling into the
// creating functions it is inlined into, whose frames stay cheaper to unwind.
#    if LIFECYCLE_DETAIL_DEFINE_COLD
LIFECYCLE_DETAIL_NOINLINE LIFECYCLE_DETAIL_COLD registry* make_registry() noexcept { return new registry; }
#    endif

// The registry this module's files use once it exists: constant-initialized,
// so reading it needs no guard. One per module (hidden), found by the other
// modules through the module's ELF note (detail/module_note.hpp), so that
// the process has one registry whatever the symbol visibility, RTLD_LOCAL or
// -rdynamic; without notes (not ELF), one per module that symbols bind.
#    if LIFECYCLE_DETAIL_MODULE_NOTES
LIFECYCLE_DETAIL_HIDDEN inline registry* own_registry() noexcept {
    return static_cast<registry*>(own_shared(shared_object::registry));
}
#    else
LIFECYCLE_DETAIL_EXPORT inline std::atomic<registry*>& registry_slot() noexcept {
    static std::atomic<registry*> slot{nullptr};
    return slot;
}
inline registry* own_registry() noexcept { return registry_slot().load(std::memory_order_acquire); }
#    endif

#    if LIFECYCLE_DETAIL_DEFINE_COLD
// The first use in a module: the process's registry, made here if no module
// made one yet (detail/modules.hpp). Not a function-local static: a signal
// handler that interrupted the first use on this thread, or another thread
// at the same moment, makes a registry of its own; the first to publish one
// wins, and the others' is never used (nor freed: shard_set holds a
// thread-specific key). Only the registry's maker warns about settings; but
// every module installs its own fork handlers (they go when it is unloaded).
// A module that uses the registry more than once here (a signal handler
// again) installs them twice; the registry counts them.
/// Effects: once per module that uses the registry: its fork handlers and
/// its finalizer (keep_text_of_unloading_module).
LIFECYCLE_DETAIL_HIDDEN LIFECYCLE_DETAIL_COLD void attach_module() noexcept;

LIFECYCLE_DETAIL_NOINLINE LIFECYCLE_DETAIL_HIDDEN LIFECYCLE_DETAIL_COLD registry& create_registry() noexcept {
    bool made = false;
#        if LIFECYCLE_DETAIL_MODULE_NOTES
    registry* mine = static_cast<registry*>(shared_of_process(shared_object::registry, [] { return make_registry(); }, made));
#        else
    registry* mine = make_registry();
    registry* before = nullptr;
    made = registry_slot().compare_exchange_strong(before, mine, std::memory_order_acq_rel);
    if (!made) return *before;
#        endif
    if (made) mine->start();
    attach_module();
    mine->check_modules();
    return *mine;
}
#    else
LIFECYCLE_DETAIL_HIDDEN registry& create_registry() noexcept; // in the compiled library
#    endif

// One per process, never destroyed, so resources closed during static
// destruction still retire. Inlined, it costs a load and a test.
LIFECYCLE_DETAIL_ALWAYS_INLINE registry& instance() noexcept {
    registry* r = own_registry();
    return LIFECYCLE_DETAIL_LIKELY(r != nullptr) ? *r : create_registry();
}


} // namespace detail

/// Effects: sets the capture tier for resources created from now on.
inline void set_capture(capture c) noexcept { detail::instance().set_capture_tier(c); }
/// Returns: the capture tier in force.
inline capture current_capture() noexcept { return detail::instance().capture_tier(); }
/// Effects: sets how many frames a creation stack keeps (clamped to 1..128).
inline void set_stack_depth(unsigned frames) noexcept { detail::instance().set_stack_depth(frames); }
/// Effects: sets the unwinder of the stacks captured from now on (`fast` is
/// `precise` where there is no fast one).
inline void set_unwind(unwind u) noexcept { detail::instance().set_unwinder(u); }
/// Returns: the unwinder in force.
inline unwind current_unwind() noexcept { return detail::instance().unwinder(); }
/// Returns: per-kind counters, one entry per kind ever enrolled.
inline std::vector<kind_stats> stats() { return detail::instance().stats(); }
/// Effects: the stack tier captures the stack of 1 resource in `n` per thread (1: all).
inline void set_sample(unsigned n) noexcept { detail::instance().set_sample(n); }
/// Effects: raises SIGTRAP when the resource with `ordinal` ("S:N" as reports
/// print it, parsed by `parse_ordinal`) is created; 0 turns it off.
inline void set_break_on(std::uint64_t ordinal) noexcept { detail::instance().set_break_on(ordinal); }

/// While alive, resources created on this thread are not tracked (they stay
/// correct RAII owners, invisible to scopes and reports): for warm-up caches
/// and other intentionally long-lived resources created in bulk.
class pause_tracking {
public:
    pause_tracking() noexcept { ++detail::registry::tls_paused; }
    ~pause_tracking() { --detail::registry::tls_paused; }
    pause_tracking(const pause_tracking&) = delete;
    pause_tracking& operator=(const pause_tracking&) = delete;
};

#else // LIFECYCLE_TRACKING

inline void set_capture(capture) noexcept {}
inline capture current_capture() noexcept { return capture::off; }
inline void set_stack_depth(unsigned) noexcept {}
inline void set_unwind(unwind) noexcept {}
inline unwind current_unwind() noexcept { return detail::default_unwind; }
inline std::vector<kind_stats> stats() { return {}; }
inline void set_sample(unsigned) noexcept {}
inline void set_break_on(std::uint64_t) noexcept {}
class pause_tracking {
public:
    pause_tracking() noexcept {}
    ~pause_tracking() {}
    pause_tracking(const pause_tracking&) = delete;
    pause_tracking& operator=(const pause_tracking&) = delete;
};

#endif // LIFECYCLE_TRACKING

/// Effects: writes `s` to `os` (a std::ostream) as an aligned table, one
/// line per kind. A template, so that this header needs no `<ostream>`.
template <class OStream>
OStream& print_stats(OStream& os, const std::vector<kind_stats>& s) {
    std::size_t w = 4;
    for (const auto& k : s) w = std::max(w, k.kind.size());
    auto pad = [&](const std::string& t) { return t + std::string(w - t.size(), ' '); };
    char buf[160];
    os << pad("kind");
    std::snprintf(buf, sizeof buf, " %10s %10s %10s %10s %10s %10s\n", "live", "peak", "created", "closed", "released", "failures");
    os << buf;
    for (const auto& k : s) {
        using ull = unsigned long long;
        std::snprintf(buf, sizeof buf, " %10llu %10llu %10llu %10llu %10llu %10llu\n", static_cast<ull>(k.live),
                      static_cast<ull>(k.peak), static_cast<ull>(k.created), static_cast<ull>(k.closed),
                      static_cast<ull>(k.released), static_cast<ull>(k.close_failures));
        os << pad(k.kind) << buf;
    }
    return os;
}

LIFECYCLE_END_NAMESPACE


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD && LIFECYCLE_TRACKING

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

LIFECYCLE_DETAIL_COLD registry::registry() {
    const process_settings s = read_process_settings(nullptr); // said by start(), once
    capture_.store(static_cast<int>(s.tier), std::memory_order_relaxed);
    depth_.store(s.depth, std::memory_order_relaxed);
    unwind_.store(static_cast<int>(s.unwinder), std::memory_order_relaxed);
    sample_.store(s.sample, std::memory_order_relaxed);
    break_on_.store(s.break_on, std::memory_order_relaxed);
    ownership_.store(static_cast<int>(s.ownership), std::memory_order_relaxed);
}

LIFECYCLE_DETAIL_COLD void registry::start() noexcept {
    const process_settings s = read_process_settings(stderr);
    if (s.report_at_exit) hooks().request_at_exit();
}

LIFECYCLE_DETAIL_COLD std::vector<record_view> registry::live_since(const watermark& from, int thread) {
    check_modules(); // a scope's check is where a module loaded since is first noticed
    std::vector<record_view> out;
    auto visit = [&](shard& s) {
        const std::uint64_t start = from.of(&s);
        const std::size_t first = out.size();
        for (const record* r = s.tail; r && r->seq >= start; r = r->prev) {
            if (thread != 0 && r->thread != thread) continue;
            out.push_back(shard_set::view_of(s, *r));
        }
        std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    };
    shard* own = shard_set::tls_shard;
    if (thread != 0 && thread == shard_set::tls_thread_id && own != nullptr) {
        // Only the calling thread's records: all in its own shard, which
        // it reads as its owner, with no barrier (none, from a signal
        // handler that interrupted it inside).
        if (shard_set::interrupted_inside(*own)) return out;
        shard_set::shard_section section(shards_, *own);
        visit(*own);
        return out;
    }
    shards_.read_all(visit);
    return out;
}

LIFECYCLE_DETAIL_COLD std::vector<kind_stats> registry::stats() {
    std::vector<kind_counts> sum;
    shards_.read_all([&sum](shard& s_) {
        const shard* s = &s_;
        if (sum.size() < s->counts_size) sum.resize(s->counts_size);
        for (std::size_t i = 0; i < s->counts_size; ++i) {
            const kind_counts& c = s->counts[i];
            sum[i].created += c.created;
            sum[i].closed += c.closed;
            sum[i].released += c.released;
            sum[i].failures += c.failures;
            sum[i].live += c.live;
            sum[i].peak += c.peak;
        }
    });
    std::vector<kind_stats> out;
    kinds_.for_each([&](const kind_info& k) {
        kind_stats st;
        st.kind = k.name;
        if (k.id < sum.size()) {
            const kind_counts& c = sum[k.id];
            st.live = c.live;
            st.peak = c.peak;
            st.created = c.created;
            st.closed = c.closed;
            st.released = c.released;
            st.close_failures = c.failures;
        }
        out.push_back(std::move(st));
    });
    return out;
}

} // namespace detail

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD && LIFECYCLE_TRACKING

#if LIFECYCLE_TRACKING
#    include <lifecycle/detail/registry_modules.hpp>
#endif

#endif // LIFECYCLE_REGISTRY_HPP
