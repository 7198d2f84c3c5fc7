// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/registry_core.hpp — private. The registry itself (see
// lifecycle/registry.hpp for what it is and costs): enroll and retire (the
// hot path), marks, snapshots and counts over its shards, and instance().
// Included by lifecycle/registry.hpp in header-only builds and by the
// compiled library; a file of a compiled-mode build sees only
// lifecycle/registry.hpp's declarations.
#ifndef LIFECYCLE_DETAIL_REGISTRY_CORE_HPP
#define LIFECYCLE_DETAIL_REGISTRY_CORE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/registry.hpp>

#if LIFECYCLE_TRACKING
#    include <lifecycle/detail/frames.hpp>
#    include <lifecycle/detail/hooks.hpp>
#    include <lifecycle/detail/kinds.hpp>
#    include <lifecycle/detail/modules.hpp>
#    include <lifecycle/detail/records.hpp>
#    include <lifecycle/detail/settings.hpp>
#    include <lifecycle/detail/shards.hpp>
#    include <lifecycle/detail/stacks.hpp>
#    include <lifecycle/detail/sync.hpp>
#    include <lifecycle/levels.hpp>
#    include <lifecycle/source_site.hpp>

#    include <algorithm>
#    include <atomic>
#    include <cstdint>
#    include <cstdio>
#    include <ctime>
#    include <string>
#    include <string_view>
#    include <vector>

#    include <cerrno> // program_invocation_short_name
#    include <cstring>
#    include <pthread.h>
#    include <signal.h>

LIFECYCLE_BEGIN_NAMESPACE

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

    // --- live-count windows ------------------------------------------------
    /// Effects: opens a window; the outermost open one starts every kind's
    /// window counts at 0. While any is open, each create of a kind and each
    /// close of a resource created in the window also moves the kind's exact
    /// process-wide counter (one atomic add; nothing while none is open), so
    /// the window peak is the most resources created since the outermost
    /// window opened that were live at once, whatever the threads (the
    /// shards' peaks are per thread, and count what was live before).
    /// Returns: true for the outermost window.
    bool open_window() noexcept {
        if (windows_.load(std::memory_order_acquire) == 0)
            window_epoch_.store(window_epoch_.load(std::memory_order_relaxed) % 0xfffffffeu + 1, std::memory_order_relaxed);
        if (windows_.fetch_add(1, std::memory_order_acq_rel) != 0) return false;
        kinds_.for_each([](const kind_info& k) {
            k.window_live.store(0, std::memory_order_relaxed);
            k.window_peak.store(0, std::memory_order_relaxed);
        });
        return true;
    }
    void close_window() noexcept { windows_.fetch_sub(1, std::memory_order_acq_rel); }
    /// Effects: calls `visit(const kind_info&, std::uint64_t peak, std::int64_t live)`
    /// for every kind: its window counts (meaningful while a window is open).
    template <class Visit>
    void for_each_window(Visit visit) const {
        kinds_.for_each([&visit](const kind_info& k) {
            const std::int64_t peak = k.window_peak.load(std::memory_order_relaxed);
            visit(k, static_cast<std::uint64_t>(peak < 0 ? 0 : peak), k.window_live.load(std::memory_order_relaxed));
        });
    }

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
    /// `skip`: frames of lifecycle's own to leave out first (the compiled
    /// library's enroll, which the capture is inlined into instead).
    /// `site_file`: the creating call's file; under site capture, a file in
    /// a system header gets a short stack that only anchors the site.
    LIFECYCLE_DETAIL_ALWAYS_INLINE const stack_entry* creation_stack(unsigned skip = 0, const char* site_file = nullptr) noexcept {
        const capture c = capture_tier();
        if (LIFECYCLE_DETAIL_UNLIKELY(c == capture::site) && site_file != nullptr && system_site(site_file))
            return anchor_stack(skip + 1);
        if (c != capture::stack || tls_paused != 0 || !sampled()) return nullptr;
        const void** frames = tls_frames;
        bool broken = false;
        const unsigned depth = stack_depth();
        const std::size_t n = collect_frames(frames, depth + stack_slack + skip, unwinder(), broken);
        const std::size_t skipped = n < skip ? n : skip;
        return stacks_.intern(frames + skipped, n - skipped, broken, depth);
    }

    /// Effects: enroll() with the creation stack of the function this is
    /// inlined into (every wrapper's create goes through here).
    LIFECYCLE_DETAIL_ALWAYS_INLINE record* enroll_here(const kind_info* kind, std::uintptr_t identity,
                                                       std::uint64_t weight, std::string_view label,
                                                       const source_site& site, int os_fd = -1) noexcept {
        return enroll(creation_stack(0, site.file), kind, identity, weight, label, site, os_fd);
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
        if (LIFECYCLE_DETAIL_UNLIKELY(!tls_thread_named)) name_this_thread();
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
        r->anchor_only = stack != nullptr && c != capture::stack;
        r->scope = tls_scope_name;
        r->kept.store(nullptr, std::memory_order_relaxed);
        r->thread = shard_set::tls_thread_id;
        r->thread_name = tls_thread_name;
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
        r->window = 0;
        if (LIFECYCLE_DETAIL_UNLIKELY(windows_.load(std::memory_order_relaxed) != 0)) {
            r->window = window_epoch_.load(std::memory_order_relaxed);
            window_add(kind, 1);
        }
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
        if (LIFECYCLE_DETAIL_UNLIKELY(windows_.load(std::memory_order_relaxed) != 0) && r->window != 0 &&
            r->window == window_epoch_.load(std::memory_order_relaxed))
            window_add(r->kind, -1);
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
    // The calling thread's name (pthread_getname_np), read at its first
    // create, as goleak names goroutines: a report may outlive the thread.
    // nullptr: the thread has no name of its own (it kept the process's).
    static thread_local inline const char* tls_thread_name = nullptr;
    static thread_local inline bool tls_thread_named = false;
    LIFECYCLE_DETAIL_NOINLINE void name_this_thread() noexcept {
        tls_thread_named = true;
        char buf[32] = {};
        if (::pthread_getname_np(::pthread_self(), buf, sizeof buf) != 0 || buf[0] == '\0') return;
        // Every thread starts with its creator's name, the program's (at most 15 bytes, as the kernel keeps it).
        const std::string_view program(program_invocation_short_name);
        if (program.substr(0, 15) == buf) return;
        LIFECYCLE_DETAIL_TRY {
            tls_thread_name = intern_name(buf);
        } LIFECYCLE_DETAIL_CATCH_ALL {
        }
    }

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

    // Under site capture, a site in a system header (a constructor reached
    // through emplace_back: the default argument's __builtin_FILE is the
    // allocator's, its function construct<..., const char (&)[3]>) says
    // nothing about who created the resource. Its few frames, kept only to
    // find the user's frame in a report (detail/anchor.hpp), are never printed
    // nor counted as a creation stack. A site's file is a literal: one
    // verdict per thread for the last one keeps the check off the hot path.
    static bool system_site(const char* file) noexcept {
        if (file != tls_site_file) {
            tls_site_file = file;
            tls_site_is_system = system_header(file);
        }
        return tls_site_is_system;
    }
    static thread_local inline const char* tls_site_file = nullptr;
    static thread_local inline bool tls_site_is_system = false;
    static constexpr std::size_t anchor_depth = 16;
    LIFECYCLE_DETAIL_NOINLINE const stack_entry* anchor_stack(unsigned skip) noexcept {
        if (tls_paused != 0) return nullptr;
        const void** frames = tls_frames;
        bool broken = false;
        const std::size_t n = collect_frames(frames, anchor_depth + skip, unwinder(), broken);
        const std::size_t skipped = n < skip ? n : skip;
        return stacks_.intern(frames + skipped, n - skipped, broken);
    }
    static thread_local inline const void* tls_frames[128 + stack_slack + 1]; // creation_stack()'s buffer (and one frame skipped): not in the creator's frame

    LIFECYCLE_DETAIL_NOINLINE static void window_add(const kind_info* k, std::int64_t d) noexcept {
        const std::int64_t now = k->window_live.fetch_add(d, std::memory_order_relaxed) + d;
        std::int64_t peak = k->window_peak.load(std::memory_order_relaxed);
        while (now > peak && !k->window_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
        }
    }

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
    std::atomic<int> windows_{0}; // open live-count windows
    std::atomic<std::uint32_t> window_epoch_{0}; // the outermost open window's number (never 0)
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

LIFECYCLE_END_NAMESPACE

// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD

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

LIFECYCLE_DETAIL_COLD void set_capture(capture c) noexcept { detail::instance().set_capture_tier(c); }
LIFECYCLE_DETAIL_COLD capture current_capture() noexcept { return detail::instance().capture_tier(); }
LIFECYCLE_DETAIL_COLD void set_stack_depth(unsigned frames) noexcept { detail::instance().set_stack_depth(frames); }
LIFECYCLE_DETAIL_COLD void set_unwind(unwind u) noexcept { detail::instance().set_unwinder(u); }
LIFECYCLE_DETAIL_COLD unwind current_unwind() noexcept { return detail::instance().unwinder(); }
LIFECYCLE_DETAIL_COLD std::vector<kind_stats> stats() { return detail::instance().stats(); }
LIFECYCLE_DETAIL_COLD void set_sample(unsigned n) noexcept { detail::instance().set_sample(n); }
LIFECYCLE_DETAIL_COLD void set_break_on(std::uint64_t ordinal) noexcept { detail::instance().set_break_on(ordinal); }
LIFECYCLE_DETAIL_COLD pause_tracking::pause_tracking() noexcept { ++detail::registry::tls_paused; }
LIFECYCLE_DETAIL_COLD pause_tracking::~pause_tracking() { --detail::registry::tls_paused; }

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD


#    include <lifecycle/detail/registry_modules.hpp>
#endif // LIFECYCLE_TRACKING

#endif // LIFECYCLE_DETAIL_REGISTRY_CORE_HPP
