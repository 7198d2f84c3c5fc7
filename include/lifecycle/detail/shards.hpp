// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/shards.hpp — private. The registry's records live in
// per-thread shards: each thread leases one for its life and writes it
// without a lock; readers (scope checks, reports, stats) pay instead, with a
// process-wide memory barrier. The protocol, the leasing and fork() are here;
// what a record holds is detail/records.hpp's.
#ifndef LIFECYCLE_DETAIL_SHARDS_HPP
#define LIFECYCLE_DETAIL_SHARDS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/records.hpp>
#include <lifecycle/detail/sync.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

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
// The owner pays two plain stores and a load instead of two atomic exchanges;
// a reader pays one system call, dearer when other threads of the process
// are running (README, "Performance").
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
    // The owner is in a shard_section (set before it takes the shard, cleared
    // after it lets go): read only by the owner itself, from a signal handler
    // that interrupted it, which must then not wait for the shard.
    std::atomic<bool> owner_inside{false};
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
    void refill();

    void grow_counts(std::uint32_t kind);
};

/// Every shard of the process, and the protocol by which owners and readers
/// share them (see "Shard access" above).
class shard_set {
public:
    shard_set() noexcept {
        if (register_process_barrier()) mode_.store(owners_lock_free, std::memory_order_relaxed);
        else readers_.store(1, std::memory_order_relaxed); // pinned: owners always lock
        lease_key_ready_.store(::pthread_key_create(&lease_key_, &end_lease) == 0, std::memory_order_release);
    }

    /// Returns: the code that hands leases back (run at every thread's exit).
    const void* lease_code() const noexcept { return reinterpret_cast<const void*>(&end_lease); }
    /// Effects: leases are no longer handed back (the module that holds
    /// lease_code() is being unloaded: a thread's exit must not call into it).
    void stop_leasing() noexcept {
        if (lease_key_ready_.exchange(false, std::memory_order_acq_rel)) ::pthread_key_delete(lease_key_);
    }
    shard_set(const shard_set&) = delete;
    shard_set& operator=(const shard_set&) = delete;

    // Exclusive access to a shard by its owner (lock-free unless a reader is
    // about) or, for the ownerless shard, by anyone through its lock.
    class shard_section {
    public:
        LIFECYCLE_DETAIL_ALWAYS_INLINE shard_section(shard_set& set, shard& s) noexcept : s_(&s) {
            s.owner_inside.store(true, std::memory_order_relaxed);
            std::atomic_signal_fence(std::memory_order_seq_cst);
            if (LIFECYCLE_DETAIL_LIKELY(!s.ownerless)) {
                s.busy.store(true, std::memory_order_relaxed);
                std::atomic_signal_fence(std::memory_order_seq_cst); // the store stays before the load
                fast_ = set.readers_.load(std::memory_order_acquire) == 0;
            }
            if (LIFECYCLE_DETAIL_UNLIKELY(!fast_)) lock_slowly(s);
            if (LIFECYCLE_DETAIL_UNLIKELY(s.remote.load(std::memory_order_relaxed) != nullptr)) drain_remote(s);
        }
        LIFECYCLE_DETAIL_ALWAYS_INLINE ~shard_section() { leave(); }
        LIFECYCLE_DETAIL_ALWAYS_INLINE void leave() noexcept {
            if (!s_) return;
            if (fast_) s_->busy.store(false, std::memory_order_release);
            else s_->lock.unlock();
            std::atomic_signal_fence(std::memory_order_seq_cst);
            s_->owner_inside.store(false, std::memory_order_relaxed);
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
        explicit reading(shard_set& set) noexcept : set_(set) {
            const int mode = set_.mode_.load(std::memory_order_acquire);
            if (mode == owners_locked) return; // pinned: owners always lock
            set_.readers_.fetch_add(1, std::memory_order_seq_cst);
            counted_ = true;
            if (LIFECYCLE_DETAIL_LIKELY(mode == owners_lock_free && process_barrier())) return;
            set_.pin_owners();
        }
        ~reading() {
            if (counted_) set_.readers_.fetch_sub(1, std::memory_order_release);
        }
        reading(const reading&) = delete;
        reading& operator=(const reading&) = delete;

    private:
        shard_set& set_;
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

    // pthread_atfork: fork() happens with every shard held and no owner
    // inside one, and the child starts with them released (its other
    // threads are gone).
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

    // In the child, after release_all_shards(): no owner is inside a shard.
    // One that entered its shard after hold_all_shards() waited it out raised
    // `busy` on its way to the lock the fork held (shard_section), and may
    // have been forked between that store and the next: the flag would stay
    // up in the child, whose readers waited for that owner forever (seen
    // under ThreadSanitizer, whose owners always take that way). The owner is
    // gone with the parent's other threads; the forking thread is in none.
    // A thread making the exit shard may have held its once-lock likewise.
    void after_fork_in_child() noexcept {
        for (shard* s = shards_.load(std::memory_order_acquire); s; s = s->next_shard) {
            s->busy.store(false, std::memory_order_relaxed);
            s->owner_inside.store(false, std::memory_order_relaxed);
        }
        exit_once_.after_fork_in_child();
    }


    // Requires: exclusive access to s.
    static void unlink(shard& s, record* r, ending how) noexcept {
        if (r->prev) r->prev->next = r->next; else s.head = r->next;
        if (r->next) r->next->prev = r->prev; else s.tail = r->prev;
        kind_counts& k = s.counts[r->kind->id]; // exists: enroll created it
        --k.live;
        if (how == ending::released) ++k.released;
        else ++k.closed;
        if (how == ending::close_failed) ++k.failures;
        r->prev = nullptr;
        r->next = s.free;
        s.free = r;
    }

    // Requires: exclusive access to s.
    LIFECYCLE_DETAIL_NOINLINE static void drain_remote(shard& s) noexcept {
        for (record* r = s.remote.exchange(nullptr, std::memory_order_acquire); r;) {
            record* next = r->remote_next;
            unlink(s, r, static_cast<ending>(r->remote_how));
            r = next;
        }
    }

    static std::uint64_t ordinal_of(const shard& s, const record& r) noexcept {
        return (std::uint64_t(s.id) << ordinal_shard_shift) | r.seq;
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
        v.anchor_only = r.anchor_only;
        v.scope = r.scope;
        v.kept = r.kept.load(std::memory_order_acquire);
        v.thread = r.thread;
        v.thread_name = r.thread_name;
        v.os_fd = r.os_fd;
        return v;
    }

    // A thread leases a shard for its lifetime and hands it back when it ends,
    // so a later thread reuses it (sequence numbers keep growing). The
    // hand-back is a thread-specific value's destructor, not a thread_local
    // object's: registering a thread_local destructor allocates, and glibc
    // ends the process when that fails; pthread_setspecific reports it.
    static void end_lease(void* leased) noexcept {
        tls_shard = nullptr;
        tls_exiting = true;
        static_cast<shard*>(leased)->leased.store(false, std::memory_order_release);
    }

    /// The calling thread's OS id (gettid), as records store it.
    static int thread_id() noexcept {
        if (tls_thread_id == 0) tls_thread_id = static_cast<int>(::syscall(SYS_gettid));
        return tls_thread_id;
    }

    /// Returns: true if owners write their shards without a lock.
    bool lock_free_owners() const noexcept { return mode_.load(std::memory_order_relaxed) == owners_lock_free; }

    /// Returns: true if the calling thread is inside `s` as its owner: a
    /// signal handler interrupted it there, and must not wait for the shard.
    static bool interrupted_inside(const shard& s) noexcept {
        return &s == tls_shard && s.owner_inside.load(std::memory_order_relaxed);
    }

    /// Effects: calls `visit(shard&)` for every shard, each held as a reader
    /// holds it, except the calling thread's own shard when a signal handler
    /// interrupted it inside (async-signal-safe as far as `visit` is).
    /// Returns: false if that shard was skipped (an incomplete answer).
    template <class Visit>
    bool read_all(Visit visit) {
        reading guard(*this);
        bool complete = true;
        for (shard* s = shards_.load(std::memory_order_acquire); s; s = s->next_shard) {
            if (interrupted_inside(*s)) {
                complete = false;
                continue;
            }
            held_shard hold(*s);
            visit(*s);
        }
        return complete;
    }

    /// A scope's starting point: every shard's next sequence number.
    watermark mark() const;

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

    // Without a lease (no key, or no memory to set it) the thread still owns
    // the shard; it is not handed back when the thread ends.
    shard* adopt(shard* s) noexcept {
        if (lease_key_ready_.load(std::memory_order_acquire)) ::pthread_setspecific(lease_key_, s);
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

private:
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
    ::pthread_key_t lease_key_{};
    std::atomic<bool> lease_key_ready_{false};
};

} // namespace detail
LIFECYCLE_END_NAMESPACE


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

LIFECYCLE_DETAIL_NOINLINE LIFECYCLE_DETAIL_COLD void shard::refill() {
    std::size_t n = chunks.empty() ? 64 : std::min<std::size_t>(chunks.size() * 256, 4096);
    chunks.emplace_back(new record[n]);
    record* block = chunks.back().get();
    for (std::size_t i = 0; i < n; ++i) {
        block[i].home = this;
        block[i].next = free;
        free = &block[i];
    }
}

LIFECYCLE_DETAIL_NOINLINE LIFECYCLE_DETAIL_COLD void shard::grow_counts(std::uint32_t kind) {
    const std::uint32_t size = std::max<std::uint32_t>(kind + 1, counts_size * 2);
    std::unique_ptr<kind_counts[]> bigger(new kind_counts[size]);
    std::copy(counts.get(), counts.get() + counts_size, bigger.get());
    counts = std::move(bigger);
    counts_size = size;
}

LIFECYCLE_DETAIL_COLD watermark shard_set::mark() const {
    watermark w;
    for (shard* s = shards_.load(std::memory_order_acquire); s; s = s->next_shard)
        w.marks.emplace_back(s, s->next_seq.load(std::memory_order_acquire));
    return w;
}

} // namespace detail

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_SHARDS_HPP
