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
#include <lifecycle/detail/settings.hpp>
#include <lifecycle/detail/sync.hpp>
#include <lifecycle/levels.hpp>
#include <lifecycle/source_site.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#if LIFECYCLE_TRACKING
#    include <lifecycle/detail/stacktrace.hpp>

#    include <atomic>
#    include <ctime>
#    include <deque>
#    include <memory>
#    include <unordered_map>
#    include <unordered_set>

#    include <signal.h>

#    include <pthread.h>
#    include <sys/mman.h>
#    include <sys/syscall.h>
#    include <unistd.h>
#endif

LIFECYCLE_BEGIN_NAMESPACE

/// Per-kind counters, summed over all threads.
struct kind_stats {
    std::string kind;
    std::uint64_t live = 0;           ///< open now
    std::uint64_t peak = 0;           ///< most open at once (see README: exact per thread, an upper bound across threads)
    std::uint64_t created = 0;        ///< enrolled since the process started
    std::uint64_t closed = 0;         ///< closed by lifecycle (successfully or not)
    std::uint64_t released = 0;       ///< handed out by `release()`
    std::uint64_t close_failures = 0; ///< closes that reported an error
};

namespace detail {

/// How a wrapper stopped owning its handle, for use-after-close diagnostics.
enum class end_how : unsigned char { closed, released, moved };

} // namespace detail

#if LIFECYCLE_TRACKING

namespace detail {

struct shard;

/// A resource kind, registered once per name and never destroyed.
struct kind_info {
    std::string name;       // "fd"
    std::string close_call; // "close()"
    std::uint32_t id = 0;
    std::uint32_t domain = 0; // kinds whose handles share a value space (fd and socket) share a domain
};

/// Interned raw creation stack; never destroyed.
struct stack_entry {
    std::uint64_t hash = 0;
    stack_entry* next = nullptr; // chain within an intern stripe
    std::uint32_t depth = 0;
    void* frames[1];             // `depth` frames follow
};

// A label kept inline when short (the common case costs a memcpy, no
// allocation) and on the heap otherwise.
class label_store {
public:
    std::string_view view() const noexcept {
        return heap_ ? std::string_view(*heap_) : std::string_view(inline_, size_);
    }
    void assign(std::string_view s) noexcept {
        if (s.empty()) {
            // Reused records usually held an empty label already: no store.
            if (size_ != 0 || heap_ != nullptr) size_ = 0, heap_ = nullptr;
            return;
        }
        if (LIFECYCLE_DETAIL_LIKELY(s.size() <= sizeof inline_)) {
            if (!s.empty()) std::memcpy(inline_, s.data(), s.size());
            size_ = static_cast<unsigned char>(s.size());
            heap_ = nullptr;
            return;
        }
        try {
            if (!long_) long_.reset(new std::string);
            long_->assign(s.data(), s.size());
            heap_ = long_.get();
        } catch (...) {
            std::memcpy(inline_, s.data(), sizeof inline_); // out of memory: keep what fits
            size_ = sizeof inline_;
            heap_ = nullptr;
        }
    }

private:
    char inline_[31];
    unsigned char size_ = 0;
    const std::string* heap_ = nullptr;
    std::unique_ptr<std::string> long_; // kept across reuse of the record
};

/// One live resource. Owned by its shard; reused through the free list.
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
    int thread = 0;              // OS thread id of the creator
    int os_fd = -1;              // the file descriptor the handle holds, if any (OS cross-check)
    label_store label;
    // Ownership index (ownership.hpp): records that claimed their identity
    // are chained per bucket; `closed_elsewhere` is where another wrapper
    // closed the same handle while this one still owned it.
    record* owner_prev = nullptr;
    record* owner_next = nullptr;
    bool claimed = false;
    bool was_closed_elsewhere = false;
    source_site closed_elsewhere{};
    // Retired by another thread than its shard's owner: waiting in the
    // shard's `remote` list (chained here) to be unlinked, counted as `remote_how`.
    record* remote_next = nullptr;
    unsigned char remote_how = 0;
};

struct kind_counts {
    std::uint64_t created = 0, closed = 0, released = 0, failures = 0, live = 0, peak = 0;
};

// ---- Shard access ---------------------------------------------------------------
// A shard is written by the thread that leases it (its owner) on every create
// and close, and read by other threads rarely: scope checks, reports, stats.
// So the owner's side is made nearly free and the readers' side pays:
//
//   owner:  busy = 1 (a plain store); if readers_ == 0: work, busy = 0
//           else: busy = 0, take the shard's lock, work, unlock
//   reader: ++readers_; make every thread of the process pass a full memory
//           barrier (membarrier(2), private expedited); then, per shard,
//           take its lock and wait until busy == 0; read; unlock; --readers_
//
// After the barrier each owner either sees readers_ != 0 (and takes the lock)
// or had raised busy before it, which the reader then sees and waits out: the
// classic asymmetric Dekker handshake, with the barrier moved off the owner.
// The owner pays two plain stores and a load instead of two atomic exchanges
// (about 18 ns under virtualization); a reader pays one system call (1 us
// alone, tens of us when other threads of the process are running).
//
// Where membarrier is unavailable, and under ThreadSanitizer (which cannot
// model it), readers_ stays pinned above zero and every owner takes the lock.
// If membarrier stops working later (a seccomp filter installed after
// start-up), the first reader to see it pins readers_ for good behind a
// fallback barrier while later readers wait for that to finish.
// fork() holds every shard (pthread_atfork), so that the child never
// inherits a shard whose owner, gone with the parent's other threads, was
// halfway through a change.
// A close on another thread than the owner's pushes the record on the shard's
// `remote` list (one CAS); the owner, or a reader holding the shard, unlinks
// it. The shard used by threads whose thread_local destructors run has no
// owner: everyone takes its lock.

/// membarrier(2) commands, spelled out for systems whose headers lack them.
inline constexpr int membarrier_query = 0;
inline constexpr int membarrier_global = 1 << 0;
inline constexpr int membarrier_private_expedited = 1 << 3;
inline constexpr int membarrier_register_private_expedited = 1 << 4;

/// Returns: true if process_barrier() can be used (registered for this process).
inline bool register_process_barrier() noexcept {
#    if defined(SYS_membarrier) && !LIFECYCLE_DETAIL_TSAN
    const long commands = ::syscall(SYS_membarrier, membarrier_query, 0, 0);
    if (commands < 0 || (commands & membarrier_private_expedited) == 0 ||
        (commands & membarrier_register_private_expedited) == 0)
        return false;
    return ::syscall(SYS_membarrier, membarrier_register_private_expedited, 0, 0) == 0;
#    else
    return false;
#    endif
}

/// Effects: every running thread of the process executes a full memory
/// barrier before this returns. Returns: false if the system call failed
/// three times (a seccomp filter installed after start-up, say; ENOMEM and
/// EINTR are transient).
inline bool process_barrier() noexcept {
#    if defined(SYS_membarrier)
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (::syscall(SYS_membarrier, membarrier_private_expedited, 0, 0) == 0) return true;
        yield_thread();
    }
#    endif
    return false;
}

/// The same effect without the registered command, for when it stops
/// working: membarrier's global command (slow, needs no registration); else,
/// on x86, taking write access away from a page the process has touched,
/// which makes the kernel interrupt every CPU that may cache the mapping (a
/// TLB shootdown, a full barrier there); else a pause long enough for any
/// store buffer to drain, which is not a guarantee (documented).
inline void fallback_barrier() noexcept {
#    if defined(SYS_membarrier)
    if (::syscall(SYS_membarrier, membarrier_global, 0, 0) == 0) return;
#    endif
#    if defined(__x86_64__) || defined(__i386__)
    static char* const page = [] {
        void* p = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? nullptr : static_cast<char*>(p);
    }();
    if (page != nullptr) {
        *static_cast<volatile char*>(page) = 1;
        if (::mprotect(page, 4096, PROT_READ) == 0 && ::mprotect(page, 4096, PROT_READ | PROT_WRITE) == 0) return;
    }
#    endif
    sleep_ms(10);
}


struct alignas(64) shard {
    spin_lock lock;                       // readers, the owner when a reader is about, ownerless shards
    std::atomic<bool> busy{false};        // the owner is writing without the lock
    bool ownerless = false;               // immutable once published
    std::atomic<record*> remote{nullptr}; // retired by other threads, not yet unlinked
    record* head = nullptr; // oldest live record (all below: owner section or lock held)
    record* tail = nullptr; // newest live record
    record* free = nullptr; // reusable records, linked through `next`
    std::atomic<std::uint64_t> next_seq{1};
    std::unique_ptr<kind_counts[]> counts; // indexed by kind id
    std::uint32_t counts_size = 0;
    std::vector<std::unique_ptr<record[]>> chunks;
    std::uint32_t id = 0;
    std::atomic<bool> leased{false};
    shard* next_shard = nullptr; // immutable once published

    // Requires: exclusive access. Throws: std::bad_alloc.
    record* allocate() {
        if (LIFECYCLE_DETAIL_UNLIKELY(free == nullptr)) refill();
        record* r = free;
        free = r->next;
        return r;
    }

    // Requires: exclusive access. Throws: std::bad_alloc.
    kind_counts& counts_of(std::uint32_t kind) {
        if (LIFECYCLE_DETAIL_UNLIKELY(kind >= counts_size)) grow_counts(kind);
        return counts[kind];
    }

private:
    LIFECYCLE_DETAIL_NOINLINE void refill() {
        std::size_t n = chunks.empty() ? 64 : std::min<std::size_t>(chunks.size() * 256, 4096);
        chunks.emplace_back(new record[n]);
        record* block = chunks.back().get();
        for (std::size_t i = 0; i < n; ++i) {
            block[i].home = this;
            block[i].next = free;
            free = &block[i];
        }
    }

    LIFECYCLE_DETAIL_NOINLINE void grow_counts(std::uint32_t kind) {
        const std::uint32_t size = std::max<std::uint32_t>(kind + 1, counts_size * 2);
        std::unique_ptr<kind_counts[]> bigger(new kind_counts[size]);
        std::copy(counts.get(), counts.get() + counts_size, bigger.get());
        counts = std::move(bigger);
        counts_size = size;
    }
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
    int os_fd = -1;
};


// Creation times, in nanoseconds of the coarse monotonic clock: a vDSO read
// of the kernel's last tick (about 5 ns; the time-stamp counter costs twice
// that under virtualization, the precise clock four times). Ages in reports
// have the kernel tick's resolution (1 to 10 ms), plenty for "how long has
// this been open". Never 0, which means "not captured".
inline std::int64_t now_ticks() noexcept {
    timespec ts{};
#    ifdef CLOCK_MONOTONIC_COARSE
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#    else
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
#    endif
    return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec + 1;
}
/// What a closed, released or moved-from wrapper remembers (ownership.hpp):
/// interned per distinct (kind, how, creation site, end site), never destroyed.
struct alignas(8) tombstone {
    const kind_info* kind = nullptr;
    end_how how = end_how::closed;
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

/// A scope's starting point: the next sequence number of every shard.
struct watermark {
    std::vector<std::pair<const shard*, std::uint64_t>> marks;
    std::uint64_t of(const shard* s) const noexcept {
        for (const auto& m : marks)
            if (m.first == s) return m.second;
        return 0; // a shard born after the scope began: all its records are newer
    }
};

inline void fork_prepare() noexcept; // pthread_atfork handlers, defined after instance()

// ---- the at-exit report (LIFECYCLE_REPORT_AT_EXIT=1) ------------------------
// The registry only knows when to run it; the report belongs to the report
// layer (lifecycle/leak_scope.hpp), which hands its entry point over when it
// runs (hand_over) and also leaves it in each module's `lifecycle_v0_at_exit`
// section from every function of it that a program uses, so a program that
// never ran one still has it at exit. Separate from the registry, so that
// each module's finalizer below is small.
struct at_exit_state {
    using reporter = void (*)();

    /// Effects: the report runs when the process exits (read from the settings).
    void request() noexcept {
        requested.store(true, std::memory_order_release);
        std::atexit(&at_exit_state::mark_exiting);
    }
    void hand_over(reporter f) noexcept { handed.store(f, std::memory_order_release); }

    /// Effects: if requested and the process is exiting, runs the report
    /// once, with the reporter handed over, else `found` (the calling
    /// module's own); nothing otherwise.
    void run(reporter found) noexcept {
        if (!requested.load(std::memory_order_acquire) || !exiting.load(std::memory_order_acquire)) return;
        reporter f = handed.load(std::memory_order_acquire);
        if (f == nullptr) f = found;
        if (f == nullptr || done.exchange(true, std::memory_order_acq_rel)) return;
        f();
    }

    static void mark_exiting() noexcept;

    std::atomic<bool> requested{false}, exiting{false}, done{false};
    std::atomic<reporter> handed{nullptr};
};

// Constant-initialized (no guard); one per process like the registry.
LIFECYCLE_DETAIL_EXPORT inline at_exit_state& at_exit_globals() noexcept {
    static at_exit_state state;
    return state;
}
inline void at_exit_state::mark_exiting() noexcept { at_exit_globals().exiting.store(true, std::memory_order_release); }
inline void fork_done() noexcept;

class LIFECYCLE_DETAIL_EXPORT registry {
public:
    registry() {
        const process_settings s = read_process_settings(stderr);
        capture_.store(static_cast<int>(s.tier), std::memory_order_relaxed);
        depth_.store(s.depth, std::memory_order_relaxed);
        sample_.store(s.sample, std::memory_order_relaxed);
        break_on_.store(s.break_on, std::memory_order_relaxed);
        ownership_.store(static_cast<int>(s.ownership), std::memory_order_relaxed);
        if (s.report_at_exit) at_exit_globals().request();
        if (register_process_barrier()) mode_.store(owners_lock_free, std::memory_order_relaxed);
        else readers_.store(1, std::memory_order_relaxed); // pinned: owners always lock
        ::pthread_atfork(&fork_prepare, &fork_done, &fork_done);
    }

    /// Returns: true if owners write their shards without a lock (see "Shard access").
    bool lock_free_owners() const noexcept { return mode_.load(std::memory_order_relaxed) == owners_lock_free; }

    /// Returns: how many seconds ago `ticks` (from now_ticks()) was; 0 for 0.
    double age_seconds(std::int64_t ticks) const noexcept {
        if (ticks == 0) return 0;
        const std::int64_t now = now_ticks();
        return now > ticks ? static_cast<double>(now - ticks) / 1e9 : 0.0;
    }
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    // --- configuration -------------------------------------------------
    capture capture_mode() const noexcept { return static_cast<capture>(capture_.load(std::memory_order_relaxed)); }
    void set_capture_mode(capture c) noexcept { capture_.store(static_cast<int>(c), std::memory_order_relaxed); }
    unsigned stack_depth() const noexcept { return depth_.load(std::memory_order_relaxed); }
    void set_stack_depth(unsigned d) noexcept { depth_.store(d < 1 ? 1 : (d > 128 ? 128 : d), std::memory_order_relaxed); }
    unsigned sample() const noexcept { return sample_.load(std::memory_order_relaxed); }
    void set_sample(unsigned n) noexcept { sample_.store(n < 1 ? 1 : n, std::memory_order_relaxed); }
    std::uint64_t break_on() const noexcept { return break_on_.load(std::memory_order_relaxed); }
    void set_break_on(std::uint64_t ordinal) noexcept { break_on_.store(ordinal, std::memory_order_relaxed); }
    ownership_level ownership() const noexcept { return static_cast<ownership_level>(ownership_.load(std::memory_order_relaxed)); }
    void set_ownership(ownership_level m) noexcept { ownership_.store(static_cast<int>(m), std::memory_order_relaxed); }

    // --- kinds ---------------------------------------------------------
    /// `domain`: the name of the value space the kind's handles live in
    /// (traits' identity_domain(); empty = the kind's own name).
    const kind_info* register_kind(std::string_view name, std::string_view close_call, std::string_view domain = {}) {
        if (domain.empty()) domain = name;
        lock_guard<mutex> lock(kinds_mutex_);
        for (const kind_info& k : kinds_)
            if (k.name == name) return &k;
        std::uint32_t d = 0;
        for (; d < domains_.size(); ++d)
            if (domains_[d] == domain) break;
        if (d == domains_.size()) domains_.emplace_back(domain);
        kinds_.push_back(kind_info{std::string(name), std::string(close_call), static_cast<std::uint32_t>(kinds_.size()), d});
        return &kinds_.back();
    }

    // --- enroll / retire (the hot path) ---------------------------------
    /// The creation stack of a resource about to be enrolled, for the stack
    /// tier (sampled), else nullptr. Inlined into the creating function, so
    /// that the unwind starts in its frame (see collect_frames). No branch
    /// hint: hinted unlikely, g++ moves the capture past the creator's
    /// epilogues, and the unwinder then runs a longer CFI program for the
    /// creator's frame on every capture (3% of a capture's instructions in
    /// bench/, measured; the site path is no slower without the hint).
    LIFECYCLE_DETAIL_ALWAYS_INLINE const stack_entry* creation_stack() noexcept {
        if (capture_mode() != capture::stack || tls_paused != 0 || !sampled()) return nullptr;
        const void** frames = tls_frames;
        return intern_stack(frames, collect_frames(frames, stack_depth()));
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
        const capture c = capture_mode();
        shard* s = current_shard();
        if (LIFECYCLE_DETAIL_UNLIKELY(s == nullptr)) return nullptr;
        const std::int64_t ticks = c != capture::off ? now_ticks() : 0;
        record* r = nullptr;
        kind_counts* k = nullptr;
        shard_section section(*this, *s);
        try {
            k = &s->counts_of(kind->id);
            r = s->allocate();
        } catch (...) {
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
        r->thread = tls_thread_id;
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
        if (LIFECYCLE_DETAIL_UNLIKELY(target != 0) && target == ordinal_of(*s, *r)) {
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

    enum class retire_how { closed, close_failed, released };

    void retire(record* r, retire_how how) noexcept {
        if (LIFECYCLE_DETAIL_UNLIKELY(r->claimed)) unclaim(r);
        shard* s = r->home;
        if (LIFECYCLE_DETAIL_LIKELY(s == tls_shard) || s->ownerless) {
            shard_section section(*this, *s);
            unlink(*s, r, how);
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
        shard* s = current_shard();
        if (!s) return;
        shard_section section(*this, *s);
        try {
            ++s->counts_of(kind->id).failures;
        } catch (...) {
        }
    }

    // --- reading ---------------------------------------------------------
    watermark mark() const {
        watermark w;
        for (shard* s = shards_.load(std::memory_order_acquire); s; s = s->next_shard)
            w.marks.emplace_back(s, s->next_seq.load(std::memory_order_acquire));
        return w;
    }

    /// Copies of the live records created at or after `from`; if `thread` is
    /// non-zero, only those created on that OS thread. Oldest first per shard.
    std::vector<record_view> live_since(const watermark& from, int thread = 0) {
        std::vector<record_view> out;
        auto visit = [&](shard& s) {
            const std::uint64_t start = from.of(&s);
            const std::size_t first = out.size();
            for (const record* r = s.tail; r && r->seq >= start; r = r->prev) {
                if (thread != 0 && r->thread != thread) continue;
                out.push_back(view_of(s, *r));
            }
            std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
        };
        shard* own = tls_shard;
        if (thread != 0 && thread == tls_thread_id && own != nullptr) {
            // Only the calling thread's records: all in its own shard, which
            // it reads as its owner, with no barrier.
            shard_section section(*this, *own);
            visit(*own);
            return out;
        }
        reading guard(*this);
        for (shard* s = shards_.load(std::memory_order_acquire); s; s = s->next_shard) {
            held_shard hold(*s);
            visit(*s);
        }
        return out;
    }

    std::vector<record_view> all_live() { return live_since(watermark{}); }

    std::vector<kind_stats> stats() {
        std::vector<kind_counts> sum;
        reading guard(*this);
        for (shard* s = shards_.load(std::memory_order_acquire); s; s = s->next_shard) {
            held_shard hold(*s);
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
        }
        std::vector<kind_stats> out;
        lock_guard<mutex> lock(kinds_mutex_);
        for (const kind_info& k : kinds_) {
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
        }
        return out;
    }

    // --- scopes ------------------------------------------------------------
    const char* intern_name(std::string_view name) {
        lock_guard<mutex> lock(names_mutex_);
        return names_.emplace(name).first->c_str();
    }

    static thread_local inline const char* tls_scope_name = nullptr;

    /// The calling thread's OS id (gettid), as records store it.
    static int thread_id() noexcept {
        if (tls_thread_id == 0) tls_thread_id = static_cast<int>(::syscall(SYS_gettid));
        return tls_thread_id;
    }

    // --- stacks and symbols ------------------------------------------------
    /// The interned copy of `frames` (nullptr for none, or out of memory).
    /// Entries are never removed and never change once published, so a stack
    /// seen before is found without a lock; only an insert takes the stripe's.
    LIFECYCLE_DETAIL_NOINLINE const stack_entry* intern_stack(const void* const* frames, std::size_t n) noexcept {
        if (n == 0) return nullptr;
        std::uint64_t h = 1469598103934665603ull;
        for (std::size_t i = 0; i < n; ++i) {
            h ^= reinterpret_cast<std::uintptr_t>(frames[i]);
            h *= 1099511628211ull;
            h ^= h >> 29;
        }
        stripe& st = stripes_[h % stripe_count];
        const stack_entry* seen = st.head.load(std::memory_order_acquire);
        if (const stack_entry* e = find_stack(seen, nullptr, h, frames, n)) return e;
        lock_guard<spin_lock> lock(st.lock);
        stack_entry* const head = st.head.load(std::memory_order_relaxed);
        if (const stack_entry* e = find_stack(head, seen, h, frames, n)) return e; // interned meanwhile
        void* raw = std::malloc(sizeof(stack_entry) + (n - 1) * sizeof(void*));
        if (!raw) return nullptr;
        stack_entry* e = new (raw) stack_entry;
        e->hash = h;
        e->depth = static_cast<std::uint32_t>(n);
        std::memcpy(e->frames, frames, n * sizeof(void*));
        e->next = head;
        st.head.store(e, std::memory_order_release);
        return e;
    }

    /// The entry for `frames` in the chain from `e` to `end` (excluded), if any.
    static const stack_entry* find_stack(const stack_entry* e, const stack_entry* end, std::uint64_t h,
                                         const void* const* frames, std::size_t n) noexcept {
        for (; e != end; e = e->next)
            if (e->hash == h && e->depth == n && std::memcmp(e->frames, frames, n * sizeof(void*)) == 0) return e;
        return nullptr;
    }

    /// Symbolizes `address` once per process; later calls hit the cache.
    /// The lock also serializes the symbolizer, which is not thread-safe.
    frame_info symbol(const void* address) {
        lock_guard<mutex> lock(symbols_mutex_);
        auto it = symbols_.find(address);
        if (it == symbols_.end()) it = symbols_.emplace(address, symbolize_frame(address)).first;
        return it->second;
    }

    /// Symbolizes many addresses under one lock acquisition.
    std::vector<frame_info> symbols(const void* const* addresses, std::size_t n) {
        std::vector<frame_info> out;
        out.reserve(n);
        lock_guard<mutex> lock(symbols_mutex_);
        for (std::size_t i = 0; i < n; ++i) {
            auto it = symbols_.find(addresses[i]);
            if (it == symbols_.end()) it = symbols_.emplace(addresses[i], symbolize_frame(addresses[i])).first;
            out.push_back(it->second);
        }
        return out;
    }

    static std::uint64_t ordinal_of(const shard& s, const record& r) noexcept {
        return (std::uint64_t(s.id) << ordinal_shard_shift) | r.seq;
    }

    // --- ownership index (ownership.hpp) -------------------------------------
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

    /// Returns: the first frame of user code (not lifecycle's, not the
    /// standard library's) among `frames`, as a site with interned strings;
    /// `fallback` when there is none or it has no line information.
    source_site user_site(const void* const* frames, std::size_t n, const source_site& fallback) noexcept {
        try {
            frame_info f;
            if (first_user_frame(frames, n, f) && !f.file.empty())
                return source_site{intern_name(f.file), intern_name(qualified_name(f.function)), f.line};
        } catch (...) {
        }
        return fallback;
    }

    /// Returns: true, with the first frame of `frames` that is neither
    /// lifecycle's nor the standard library's (symbolized) in `out`.
    bool first_user_frame(const void* const* frames, std::size_t n, frame_info& out) {
        for (std::size_t i = 0; i < n; ++i) {
            out = symbol(frames[i]);
            if (!out.function.empty() && !library_frame(out)) return true;
        }
        return false;
    }

    /// Returns: `site`, unless it lies in a system header (a constructor
    /// reached through make_unique or emplace_back) and the stack was
    /// captured: then the first frame of user code of `stack`.
    source_site anchored_site(const source_site& site, const stack_entry* stack) noexcept {
        if (!stack || !system_header(site.file)) return site;
        return user_site(const_cast<const void* const*>(stack->frames), stack->depth, site);
    }

    /// Returns: where the calling code is, from its stack (a slow path, for
    /// diagnostics): the first frame of user code; unknown without stacks.
    source_site current_user_site() noexcept {
        const void* frames[24];
        const std::size_t n = collect_frames(frames, 24);
        return user_site(frames, n, source_site{});
    }

    /// Returns: the interned tombstone for a wrapper that stopped owning.
    const tombstone* intern_tombstone(const kind_info* kind, end_how how, const source_site& created,
                                      const source_site& ended) noexcept {
        std::uint64_t key = reinterpret_cast<std::uintptr_t>(kind) * 31 + static_cast<unsigned>(how);
        for (const source_site* site : {&created, &ended})
            key = (key ^ reinterpret_cast<std::uintptr_t>(site->file) ^ (std::uint64_t(site->line) << 40)) * 0x100000001B3ull;
        // A per-thread cache in front of the process-wide map: a close site
        // seen before on this thread takes no lock.
        struct cached {
            std::uint64_t key = 0;
            const tombstone* stone = nullptr;
        };
        static thread_local cached cache[64];
        cached& slot = cache[(key >> 7) % 64];
        if (slot.stone && slot.key == key) {
            const tombstone& t = *slot.stone;
            if (t.kind == kind && t.how == how && same_site(t.created, created) && same_site(t.ended, ended)) return slot.stone;
        }
        const tombstone* found = intern_tombstone_locked(key, kind, how, created, ended);
        if (found) slot = cached{key, found};
        return found;
    }

    const tombstone* intern_tombstone_locked(std::uint64_t key, const kind_info* kind, end_how how, const source_site& created,
                                             const source_site& ended) noexcept {
        lock_guard<mutex> lock(tombstones_mutex_);
        auto range = tombstones_.equal_range(key);
        for (auto it = range.first; it != range.second; ++it) {
            const tombstone& t = *it->second;
            if (t.kind == kind && t.how == how && same_site(t.created, created) && same_site(t.ended, ended)) return &t;
        }
        try {
            auto stone = std::make_unique<tombstone>(tombstone{kind, how, created, ended});
            const tombstone* t = stone.get();
            tombstones_.emplace(key, std::move(stone));
            return t;
        } catch (...) {
            return nullptr;
        }
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
        });
        return owner_heads_.load(std::memory_order_acquire);
    }

    void unclaim(record* r) noexcept {
        record** heads = owner_heads_.load(std::memory_order_acquire);
        const std::size_t b = owner_bucket(r->kind->domain, r->identity);
        lock_guard<spin_lock> lock(owner_locks_[b % owner_lock_count].lock);
        unlink_claim(r, heads, b);
    }

    // Requires: the bucket's lock held, r claimed.
    static void unlink_claim(record* r, record** heads, std::size_t b) noexcept {
        if (r->owner_prev) r->owner_prev->owner_next = r->owner_next;
        else heads[b] = r->owner_next;
        if (r->owner_next) r->owner_next->owner_prev = r->owner_prev;
        r->owner_prev = r->owner_next = nullptr;
        r->claimed = false;
    }

    // --- shard access (see "Shard access" above the shard) ----------------------

    // Exclusive access to a shard by its owner (lock-free unless a reader is
    // about) or, for the ownerless shard, by anyone through its lock.
    class shard_section {
    public:
        LIFECYCLE_DETAIL_ALWAYS_INLINE shard_section(registry& reg, shard& s) noexcept : s_(&s) {
            if (LIFECYCLE_DETAIL_LIKELY(!s.ownerless)) {
                s.busy.store(true, std::memory_order_relaxed);
                std::atomic_signal_fence(std::memory_order_seq_cst); // the store stays before the load
                fast_ = reg.readers_.load(std::memory_order_acquire) == 0;
            }
            if (LIFECYCLE_DETAIL_UNLIKELY(!fast_)) lock_slowly(s);
            if (LIFECYCLE_DETAIL_UNLIKELY(s.remote.load(std::memory_order_relaxed) != nullptr)) drain_remote(s);
        }
        LIFECYCLE_DETAIL_ALWAYS_INLINE ~shard_section() { leave(); }
        LIFECYCLE_DETAIL_ALWAYS_INLINE void leave() noexcept {
            if (!s_) return;
            if (fast_) s_->busy.store(false, std::memory_order_release);
            else s_->lock.unlock();
            s_ = nullptr;
        }
        shard_section(const shard_section&) = delete;
        shard_section& operator=(const shard_section&) = delete;

    private:
        LIFECYCLE_DETAIL_NOINLINE static void lock_slowly(shard& s) noexcept {
            s.busy.store(false, std::memory_order_release);
            s.lock.lock();
        }

        shard* s_;
        bool fast_ = false;
    };

    // While alive, owners that enter their shards take the lock, and owners
    // already inside are visible through `busy` (the barrier's effect).
    class reading {
    public:
        explicit reading(registry& reg) noexcept : reg_(reg) {
            const int mode = reg_.mode_.load(std::memory_order_acquire);
            if (mode == owners_locked) return; // pinned: owners always lock
            reg_.readers_.fetch_add(1, std::memory_order_seq_cst);
            counted_ = true;
            if (LIFECYCLE_DETAIL_LIKELY(mode == owners_lock_free && process_barrier())) return;
            reg_.pin_owners();
        }
        ~reading() {
            if (counted_) reg_.readers_.fetch_sub(1, std::memory_order_release);
        }
        reading(const reading&) = delete;
        reading& operator=(const reading&) = delete;

    private:
        registry& reg_;
        bool counted_ = false;
    };

    // A shard held by a reader (requires a live `reading`): its lock, its
    // owner out of any lock-free section, records retired elsewhere unlinked.
    class held_shard {
    public:
        explicit held_shard(shard& s) noexcept : s_(s) {
            s.lock.lock();
            wait_for_owner(s);
            if (s.remote.load(std::memory_order_relaxed) != nullptr) drain_remote(s);
        }
        ~held_shard() { s_.lock.unlock(); }

        // Requires: the shard's lock. An owner inside is a few stores from
        // leaving, unless it was preempted.
        static void wait_for_owner(const shard& s) noexcept {
            for (int spins = 0; s.busy.load(std::memory_order_acquire); ++spins)
                if (spins < 64) spin_pause();
                else yield_thread();
        }
        held_shard(const held_shard&) = delete;
        held_shard& operator=(const held_shard&) = delete;

    private:
        shard& s_;
    };

    // membarrier failed: the first reader here pins owners to their locks
    // for good, behind a fallback barrier; the others wait until it is done.
    LIFECYCLE_DETAIL_NOINLINE void pin_owners() noexcept {
        int expected = owners_lock_free;
        if (mode_.compare_exchange_strong(expected, switching, std::memory_order_acq_rel)) {
            readers_.fetch_add(1, std::memory_order_seq_cst);
            fallback_barrier();
            mode_.store(owners_locked, std::memory_order_release);
            return;
        }
        while (mode_.load(std::memory_order_acquire) != owners_locked) yield_thread();
    }

public:
    // pthread_atfork (fork_prepare, fork_done): fork() happens with every
    // shard held and no owner inside one, and the child starts with them
    // released (its other threads are gone).
    void hold_all_shards() noexcept {
        publish_mutex_.lock(); // no shard is added meanwhile
        new (fork_reading_) reading(*this);
        for (shard* s = shards_.load(std::memory_order_acquire); s; s = s->next_shard) {
            s->lock.lock();
            held_shard::wait_for_owner(*s);
        }
    }

    void release_all_shards() noexcept {
        for (shard* s = shards_.load(std::memory_order_acquire); s; s = s->next_shard) s->lock.unlock();
        std::launder(reinterpret_cast<reading*>(fork_reading_))->~reading();
        publish_mutex_.unlock();
    }

private:

    // Requires: exclusive access to s.
    static void unlink(shard& s, record* r, retire_how how) noexcept {
        if (r->prev) r->prev->next = r->next; else s.head = r->next;
        if (r->next) r->next->prev = r->prev; else s.tail = r->prev;
        kind_counts& k = s.counts[r->kind->id]; // exists: enroll created it
        --k.live;
        if (how == retire_how::released) ++k.released;
        else ++k.closed;
        if (how == retire_how::close_failed) ++k.failures;
        r->prev = nullptr;
        r->next = s.free;
        s.free = r;
    }

    // Requires: exclusive access to s.
    LIFECYCLE_DETAIL_NOINLINE static void drain_remote(shard& s) noexcept {
        for (record* r = s.remote.exchange(nullptr, std::memory_order_acquire); r;) {
            record* next = r->remote_next;
            unlink(s, r, static_cast<retire_how>(r->remote_how));
            r = next;
        }
    }

    static record_view view_of(const shard& s, const record& r) {
        record_view v;
        v.ordinal = ordinal_of(s, r);
        v.kind = r.kind;
        v.label = std::string(r.label.view());
        v.identity = r.identity;
        v.weight = r.weight;
        v.created_ticks = r.created_ticks;
        v.site = r.site;
        v.stack = r.stack;
        v.scope = r.scope;
        v.kept = r.kept.load(std::memory_order_acquire);
        v.thread = r.thread;
        v.os_fd = r.os_fd;
        return v;
    }

    // A thread leases a shard for its lifetime and hands it back when it ends,
    // so a later thread reuses it (sequence numbers keep growing).
    struct lease {
        shard* s = nullptr;
        ~lease() {
            if (s) {
                tls_shard = nullptr;
                tls_exiting = true;
                s->leased.store(false, std::memory_order_release);
            }
        }
    };

    static thread_local inline shard* tls_shard = nullptr;
    static thread_local inline bool tls_exiting = false;
    static thread_local inline int tls_thread_id = 0;

    shard* current_shard() noexcept {
        shard* s = tls_shard;
        if (LIFECYCLE_DETAIL_LIKELY(s != nullptr)) return s;
        return acquire_shard();
    }

    LIFECYCLE_DETAIL_NOINLINE shard* acquire_shard() noexcept {
        thread_id();
        if (tls_exiting) return exit_shard(); // thread_local destructors of this thread are running
        for (shard* s = shards_.load(std::memory_order_acquire); s; s = s->next_shard) {
            bool expected = false;
            if (s->leased.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
                return adopt(s);
            }
        }
        shard* fresh = new (std::nothrow) shard;
        if (!fresh) return nullptr;
        fresh->leased.store(true, std::memory_order_relaxed);
        publish(fresh);
        return adopt(fresh);
    }

    shard* adopt(shard* s) noexcept {
        try {
            static thread_local lease l;
            l.s = s;
        } catch (...) {
        }
        tls_shard = s;
        return s;
    }

    void publish(shard* s) noexcept {
        lock_guard<mutex> lock(publish_mutex_);
        s->id = ++shard_count_;
        s->next_shard = shards_.load(std::memory_order_relaxed);
        shards_.store(s, std::memory_order_release);
    }

    // Shared by threads that create resources while their thread_local
    // destructors run; never leased.
    shard* exit_shard() noexcept {
        exit_once_.call([this] {
            exit_shard_ = new (std::nothrow) shard;
            if (exit_shard_) {
                exit_shard_->ownerless = true;
                exit_shard_->leased.store(true);
                publish(exit_shard_);
            }
        });
        return exit_shard_;
    }

    struct alignas(64) stripe {
        spin_lock lock;                          // taken to insert
        std::atomic<stack_entry*> head{nullptr}; // published with release
    };
    static constexpr std::size_t stripe_count = 64;

    std::atomic<int> capture_{static_cast<int>(capture::stack)};
    std::atomic<unsigned> depth_{32};
    std::atomic<unsigned> sample_{1};
    std::atomic<std::uint64_t> break_on_{0};
    std::atomic<int> ownership_{static_cast<int>(ownership_level::warn_once)};
    std::atomic<record**> owner_heads_{nullptr};
    once_flag owner_once_;
    struct alignas(64) owner_lock {
        spin_lock lock;
    };
    owner_lock owner_locks_[owner_lock_count];
    mutex tombstones_mutex_;
    std::unordered_multimap<std::uint64_t, std::unique_ptr<const tombstone>> tombstones_;
    std::atomic<shard*> shards_{nullptr};
    // owners_lock_free: process_barrier() is registered and works; switching:
    // it failed and a reader is pinning readers_; owners_locked: pinned.
    static constexpr int owners_locked = 0, owners_lock_free = 1, switching = 2;
    std::atomic<int> mode_{owners_locked};
    alignas(reading) unsigned char fork_reading_[sizeof(reading)]; // a reading while fork() runs
    // Readers about (pinned at 1 or more while owners_locked). Read by every owner on
    // every create and close: a line of its own, written only by readers.
    struct alignas(64) reader_count : std::atomic<int> {
        using std::atomic<int>::atomic;
    };
    reader_count readers_{0};
    mutex publish_mutex_;
    std::uint32_t shard_count_ = 0;
    shard* exit_shard_ = nullptr;
    once_flag exit_once_;
    mutable mutex kinds_mutex_;
    std::deque<kind_info> kinds_;
    std::vector<std::string> domains_;
    mutex names_mutex_;
    std::unordered_set<std::string> names_;
    stripe stripes_[stripe_count];
    mutex symbols_mutex_;
    std::unordered_map<const void*, frame_info> symbols_;
};

// Out of line and noexcept (out of memory before the first resource is
// tracked ends the process): the guarded initialization in instance() then
// has no cleanup, so instance() brings no exception handling into the
// creating functions it is inlined into, whose frames stay cheaper to unwind.
LIFECYCLE_DETAIL_NOINLINE inline registry* make_registry() noexcept { return new registry; }

// The registry once it exists: constant-initialized, so reading it needs no
// guard; default visibility keeps it one per process across shared objects.
LIFECYCLE_DETAIL_EXPORT inline std::atomic<registry*>& registry_slot() noexcept {
    static std::atomic<registry*> slot{nullptr};
    return slot;
}

LIFECYCLE_DETAIL_NOINLINE inline registry& create_registry() noexcept {
    static registry* const r = make_registry();
    registry_slot().store(r, std::memory_order_release);
    return *r;
}

// One per process, never destroyed, so resources closed during static
// destruction still retire. Inlined, it costs a load and a test.
LIFECYCLE_DETAIL_ALWAYS_INLINE registry& instance() noexcept {
    registry* r = registry_slot().load(std::memory_order_acquire);
    return LIFECYCLE_DETAIL_LIKELY(r != nullptr) ? *r : create_registry();
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

// The reporters the report layer left in this module (see
// run_at_exit_report); null where it left none. Hidden: each module sees
// its own section.
extern "C" const lifecycle::detail::at_exit_state::reporter __start_lifecycle_v0_at_exit[]
    __attribute__((weak, visibility("hidden")));
extern "C" const lifecycle::detail::at_exit_state::reporter __stop_lifecycle_v0_at_exit[]
    __attribute__((weak, visibility("hidden")));

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

// Each module's finalizer. glibc runs the finalizers after the atexit list,
// which holds every static destructor: resources that statics close are
// closed before the at-exit report looks. At dlclose the process is not
// exiting and this does nothing.
__attribute__((destructor)) inline void run_at_exit_report_of_module() noexcept {
    at_exit_state::reporter found = nullptr;
    for (const at_exit_state::reporter* p = __start_lifecycle_v0_at_exit; p && p != __stop_lifecycle_v0_at_exit; ++p)
        if (*p) found = *p;
    at_exit_globals().run(found);
}

inline void fork_prepare() noexcept { instance().hold_all_shards(); }
inline void fork_done() noexcept { instance().release_all_shards(); }

} // namespace detail

/// Effects: sets the capture tier for resources created from now on.
inline void set_capture(capture c) noexcept { detail::instance().set_capture_mode(c); }
/// Returns: the capture tier in force.
inline capture current_capture() noexcept { return detail::instance().capture_mode(); }
/// Effects: sets how many frames a creation stack keeps (clamped to 1..128).
inline void set_stack_depth(unsigned frames) noexcept { detail::instance().set_stack_depth(frames); }
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
/// line per kind. A template, so that this header needs no <ostream>.
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
        std::snprintf(buf, sizeof buf, " %10llu %10llu %10llu %10llu %10llu %10llu\n", (unsigned long long)k.live,
                      (unsigned long long)k.peak, (unsigned long long)k.created, (unsigned long long)k.closed,
                      (unsigned long long)k.released, (unsigned long long)k.close_failures);
        os << pad(k.kind) << buf;
    }
    return os;
}

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_REGISTRY_HPP
