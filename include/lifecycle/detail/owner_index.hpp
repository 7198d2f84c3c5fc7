// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/owner_index.hpp — private. The ownership side of the
// registry (lifecycle/ownership.hpp): which live records claim which handle
// value of which domain, and the tombstones closed wrappers keep. The
// registry's records carry the links; this index, not the registry, reads
// and writes them.
#ifndef LIFECYCLE_DETAIL_OWNER_INDEX_HPP
#define LIFECYCLE_DETAIL_OWNER_INDEX_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/intern_table.hpp>
#include <lifecycle/detail/modules.hpp>
#include <lifecycle/detail/records.hpp>
#include <lifecycle/detail/shards.hpp>
#include <lifecycle/detail/sync.hpp>
#include <lifecycle/source_site.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

#include <pthread.h>

#if LIFECYCLE_DETAIL_MODULE_NOTES && LIFECYCLE_TRACKING
#    include <cxxabi.h>

extern void* __dso_handle __attribute__((visibility("hidden"))); // this module's, from the C runtime
#endif

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// What a closed, released or moved-from wrapper remembers (ownership.hpp):
/// interned per distinct (kind, how, creation site, end site), never destroyed.
struct alignas(8) tombstone {
    std::uint64_t hash = 0; // intern_table's key
    const kind_info* kind = nullptr;
    ending how = ending::closed;
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

class owner_index {
public:
    constexpr owner_index() noexcept = default;
    owner_index(const owner_index&) = delete;
    owner_index& operator=(const owner_index&) = delete;

    // Records whose wrappers claimed their handle, hashed by (domain, identity)
    // into buckets chained through the records; one stripe per bucket % 256,
    // whatever the table's size (a power of two >= 256), held through
    // stripe_guard (biased: see below). A
    // record is unclaimed before it retires, so a record seen under its
    // stripe's lock is live and its fields are stable. The table doubles
    // when a stripe has more claims than half its buckets (grow() holds
    // every stripe): a claim then walks half a record on average, so its
    // cost at a million claimed handles is that with none (8-16 B per
    // claimed handle; a load of 1 halves that but costs 1.4x at 1M, 2: 3x).
    // A claim or close of a handle no one else owns, in a stripe biased to
    // the calling thread, takes the fast path (claim_alone, close_alone:
    // inline, no call, no lock); anything else (a second owner, a record
    // marked shared, a stripe not biased to the thread, a table to grow)
    // takes the full one (claim, closing).

    /// The fast path of claim(), for a handle no one else owns, in a stripe
    /// biased to the calling thread: indexes `r` if no other record claims
    /// the same handle value of its domain. Makes no call and takes no lock.
    /// Returns: false, with nothing done, if one does, if the stripe is not
    /// biased to this thread, if the table must grow (or is not made yet);
    /// claim() then does it all.
    LIFECYCLE_DETAIL_ALWAYS_INLINE bool claim_alone(record* r) noexcept {
        table* t = table_.load(std::memory_order_acquire);
        if (LIFECYCLE_DETAIL_UNLIKELY(t == nullptr)) return false;
        const std::uint64_t h = owner_hash(r);
        owner_lock& stripe = stripe_of(h);
        if (LIFECYCLE_DETAIL_UNLIKELY(!enter_biased(stripe))) return false;
        t = table_.load(std::memory_order_relaxed); // stable now: grow() revokes every bias first
        bool alone = stripe.claims < t->stripe_limit;
        record*& head = t->heads[h & t->mask];
        for (const record* o = head; o && alone; o = o->owner_next) alone = !same_handle(*o, *r);
        if (LIFECYCLE_DETAIL_LIKELY(alone)) link_claim(r, head, stripe, t, claimed_alone);
        leave_biased(stripe);
        return alone;
    }

    /// Effects: indexes `r` (already enrolled with `identity`); `r` and
    /// every other record claiming the same handle are marked shared, so
    /// that their closes look for each other.
    /// Returns: true, and the oldest other live record claiming the same
    /// handle in `other`, if there is one.
    bool claim(record* r, owner_view& other) noexcept {
        if (!first_table()) return false;
        const std::uint64_t h = owner_hash(r);
        owner_lock& stripe = stripe_of(h);
        table* grown_from = nullptr;
        const record* oldest = nullptr;
        {
            stripe_guard lock(*this, stripe);
            table* t = table_.load(std::memory_order_relaxed); // stable: grow() holds every stripe
            record*& head = t->heads[h & t->mask];
            claim_state state = claimed_alone;
            for (record* o = head; o; o = o->owner_next) { // newest first; a stale owner is in no chain
                if (!same_handle(*o, *r)) continue;
                o->claimed = state = claimed_shared;
                oldest = o;
            }
            if (oldest) describe(*oldest, other);
            grown_from = link_claim(r, head, stripe, t, state);
        }
        if (LIFECYCLE_DETAIL_UNLIKELY(grown_from != nullptr)) grow(grown_from);
        return oldest != nullptr;
    }

    /// The fast path of closing(), in a stripe biased to the calling thread:
    /// takes `r` out of the index if no other record claimed its handle
    /// while it did. Makes no call and takes no lock.
    /// Returns: false, with nothing done, if one did or the stripe is not
    /// biased to this thread; closing() then does it all.
    LIFECYCLE_DETAIL_ALWAYS_INLINE bool close_alone(record* r) noexcept {
        const std::uint64_t h = owner_hash(r);
        owner_lock& stripe = stripe_of(h);
        if (LIFECYCLE_DETAIL_UNLIKELY(!enter_biased(stripe))) return false;
        const bool alone = r->claimed == claimed_alone;
        if (LIFECYCLE_DETAIL_LIKELY(alone)) unlink_claim(r, stripe, h);
        leave_biased(stripe);
        return alone;
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
        const std::uint64_t h = owner_hash(r);
        owner_lock& stripe = stripe_of(h);
        stripe_guard lock(*this, stripe);
        if (r->claimed == claimed_stale) {
            describe(*r, who);
            leave_index(r, stripe, h);
            return closing_state::already_closed;
        }
        record*& head = leave_index(r, stripe, h);
        // The others go stale: out of the chains (their value may be reused
        // by a new resource, which then is no second owner), with where.
        const record* oldest = nullptr;
        for (record* o = head; o;) {
            record* next = o->owner_next;
            if (same_handle(*o, *r)) {
                unlink_claim(o, stripe, h);
                o->claimed = claimed_stale;
                o->closed_elsewhere = intern_tombstone(o->kind, ending::closed, o->site, at);
                oldest = o;
            }
            o = next;
        }
        if (!oldest) return closing_state::alone;
        describe(*oldest, who);
        return closing_state::still_owned;
    }

    /// Returns: true if another wrapper closed the handle `r` claimed (its
    /// wrapper is a stale owner: the number may belong to a new resource).
    bool was_closed_elsewhere(const record* r) noexcept {
        if (!r->claimed) return false;
        stripe_guard lock(*this, stripe_of(owner_hash(r)));
        return r->claimed == claimed_stale;
    }

    /// Effects: takes `r` out of the index (before it retires).
    void unclaim(record* r) noexcept {
        const std::uint64_t h = owner_hash(r);
        owner_lock& stripe = stripe_of(h);
        stripe_guard lock(*this, stripe);
        leave_index(r, stripe, h);
    }

    /// Returns: the interned tombstone for a wrapper that stopped owning
    /// (nullptr when out of memory).
    const tombstone* intern_tombstone(const kind_info* kind, ending how, const source_site& created,
                                      const source_site& ended) noexcept {
        std::uint64_t key = reinterpret_cast<std::uintptr_t>(kind) * 31 + static_cast<unsigned>(how);
        for (const source_site* site : {&created, &ended})
            key = mix_hash(key ^ reinterpret_cast<std::uintptr_t>(site->file) ^ (std::uint64_t(site->line) << 40) ^
                           reinterpret_cast<std::uintptr_t>(site->function));
        auto same = [&](const tombstone& t) {
            return t.kind == kind && t.how == how && same_site(t.created, created) && same_site(t.ended, ended);
        };
        return tombstones_.intern(key, same, [&]() -> tombstone* {
            tombstone* t = new (std::nothrow) tombstone;
            if (t) *t = tombstone{0, kind, how, created, ended};
            return t;
        });
    }

    /// Effects: tombstones whose site text lies in `m`, a module being
    /// unloaded, get copies of it (never freed, as tombstones are not), so a
    /// use after close reported later reads no unmapped memory. As the
    /// registry does for live records (detail/registry_modules.hpp).
    void keep_module_text(const module_span& m) noexcept {
        tombstones_.for_each([&](const tombstone& t) {
            tombstone& kept = const_cast<tombstone&>(t); // made by new in intern_tombstone, not const
            for (source_site* s : {&kept.created, &kept.ended}) {
                keep_text(m, s->file);
                keep_text(m, s->function);
            }
        });
    }

    // Registered with pthread_atfork when the index is first used: fork
    // holds every stripe (as grow() does), so no chain is half-linked in the
    // child; the child makes them fresh, and a lock a vanished thread of the
    // parent held in the tombstone table is free there.
    void before_fork() noexcept { hold_all(); }
    void after_fork_in_parent() noexcept { release_all(); }
    // The child's one thread is in no stripe; a thread of the parent that
    // was may have left its flag up, and the biases name threads that are
    // gone: every stripe starts unbiased (the forking thread biases again).
    void after_fork_in_child() noexcept {
        for (owner_lock& l : owner_locks_) {
            new (&l.lock) spin_lock(); // claims counts stay: the chains do
            l.busy.store(false, std::memory_order_relaxed);
            l.bias.store(unbiased, std::memory_order_relaxed);
        }
        tombstones_.after_fork_in_child();
    }

    /// Effects: with `on` false, every stripe takes its lock from now on
    /// (the fallback ThreadSanitizer builds always use); with `on` true,
    /// stripes may be biased again (where the process barrier works). For
    /// tests, which compare the two.
    void set_biasing(bool on) noexcept {
        (void)first_table(); // its first-use set-up sets the default
        hold_all();
        biasing_.store(on && can_bias(), std::memory_order_relaxed);
        for (owner_lock& l : owner_locks_) l.bias.store(unbiased, std::memory_order_relaxed);
        release_all();
    }
    /// Returns: whether stripes may be biased.
    bool biasing() const noexcept { return biasing_.load(std::memory_order_relaxed); }
    /// Returns: the number of stripes biased to the calling thread (tests).
    std::size_t stripes_biased_here() noexcept {
        std::size_t n = 0;
        for (owner_lock& l : owner_locks_) n += l.bias.load(std::memory_order_relaxed) == this_thread_bias();
        return n;
    }
    static void fork_prepare() noexcept;
    static void fork_parent() noexcept;
    static void fork_child() noexcept;

private:
    static void keep_text(const module_span& m, const char*& text) noexcept {
        if (text == nullptr || !m.contains(text)) return;
        const std::size_t n = std::strlen(text) + 1;
        void* copy = std::malloc(n);
        text = copy ? static_cast<const char*>(std::memcpy(copy, text, n)) : "(text of an unloaded module)";
    }

    static bool same_site(const source_site& a, const source_site& b) noexcept {
        return a.line == b.line && a.file == b.file && a.function == b.function;
    }

    static bool same_handle(const record& a, const record& b) noexcept {
        return a.identity == b.identity && a.kind->domain == b.kind->domain;
    }

    static void describe(const record& o, owner_view& v) noexcept {
        v.kind = o.kind;
        v.created = o.site;
        v.stack = o.stack;
        v.was_closed_elsewhere = o.claimed == claimed_stale;
        if (v.was_closed_elsewhere && o.closed_elsewhere) v.closed_elsewhere = o.closed_elsewhere->ended; // else unknown: out of memory
        const std::string_view label = o.label.view();
        const std::size_t n = std::min(label.size(), sizeof v.label - 1);
        std::memcpy(v.label, label.data(), n);
        v.label[n] = '\0';
    }

    struct table {
        std::size_t mask;         // buckets - 1
        std::size_t stripe_limit; // a stripe with more claims makes the table grow
        record* heads[1];         // `mask + 1` of them (allocated so)
    };
    // Biased stripes. One thread creating and closing handles would pay two
    // locked exchanges per handle (a claim and a close, 10-15 ns) for locks
    // no other thread takes. So a stripe is biased to the first thread that
    // takes it: that thread enters with two plain stores and a load (busy =
    // 1; bias still mine? then in; busy = 0 on leaving), no locked
    // instruction. Any other thread takes the stripe's lock and, finding it
    // biased to someone else, revokes the bias for good: bias = revoked,
    // a process-wide memory barrier (membarrier(2), as the shards' readers
    // use it), then it waits until busy == 0. After the barrier the holder
    // either sees the revocation (and takes the lock) or had raised busy,
    // which the revoker sees: the shards' asymmetric Dekker handshake, here
    // between the bias holder and the first other thread. A revocation costs
    // one barrier per stripe, 256 in all at most; handle values shared
    // between threads (fds are process-wide) end with every stripe locked,
    // as without biasing. Not under ThreadSanitizer (which cannot model the
    // barrier) nor where membarrier is unavailable: every stripe locks.
    static constexpr std::uint32_t unbiased = 0;
    static constexpr std::uint32_t revoked = ~std::uint32_t(0);
    struct alignas(64) owner_lock {
        spin_lock lock;
        std::atomic<bool> busy{false};              // the bias holder is inside, without the lock
        std::atomic<std::uint32_t> bias{unbiased}; // the holder's this_thread_bias(), or unbiased, or revoked
        std::size_t claims = 0;                     // claimed records in the stripe's buckets
    };

    // Returns: the calling thread's bias id, from this index's counter (one
    // per process, never reused: a fork child's threads start after the
    // parent's). Cached per module (thread_locals are): a thread that uses
    // two modules has two ids and revokes its own bias once, which costs a
    // barrier and is correct; two threads never share one.
    struct bias_cache {
        const owner_index* of;
        std::uint32_t id;
    };
    static thread_local inline bias_cache tls_bias{nullptr, 0};
    LIFECYCLE_DETAIL_ALWAYS_INLINE std::uint32_t this_thread_bias() noexcept {
        bias_cache& c = tls_bias;
        if (LIFECYCLE_DETAIL_LIKELY(c.of == this)) return c.id;
        return new_bias();
    }
    LIFECYCLE_DETAIL_NOINLINE std::uint32_t new_bias() noexcept {
        std::uint32_t id = next_bias_.fetch_add(1, std::memory_order_relaxed);
        if (id == unbiased || id == revoked) id = next_bias_.fetch_add(2, std::memory_order_relaxed) + 1; // 4 billion threads later
        tls_bias = bias_cache{this, id};
        return id;
    }

    static bool can_bias() noexcept {
#    if LIFECYCLE_DETAIL_TSAN
        return false;
#    else
        static const bool registered = register_process_barrier();
        return registered;
#    endif
    }

    // The bias holder's way in and out: two plain stores and two loads
    // (busy = 1; bias still mine? then in; busy = 0 on leaving), no call.
    // Returns: false, with busy down, if the stripe is not biased to this
    // thread (or the thread has no bias id yet): take the lock.
    LIFECYCLE_DETAIL_ALWAYS_INLINE bool enter_biased(owner_lock& l) noexcept {
        const bias_cache& c = tls_bias;
        if (LIFECYCLE_DETAIL_UNLIKELY(c.of != this) || l.bias.load(std::memory_order_relaxed) != c.id) return false;
        l.busy.store(true, std::memory_order_relaxed);
        std::atomic_signal_fence(std::memory_order_seq_cst); // the store stays before the load
        if (LIFECYCLE_DETAIL_LIKELY(l.bias.load(std::memory_order_acquire) == c.id)) return true;
        l.busy.store(false, std::memory_order_release);
        return false;
    }
    static void leave_biased(owner_lock& l) noexcept { l.busy.store(false, std::memory_order_release); }

    class stripe_guard {
    public:
        LIFECYCLE_DETAIL_ALWAYS_INLINE stripe_guard(owner_index& index, owner_lock& l) noexcept : l_(l) {
            if (LIFECYCLE_DETAIL_LIKELY(index.enter_biased(l))) return;
            locked_ = true;
            index.lock_slowly(l, index.this_thread_bias());
        }
        LIFECYCLE_DETAIL_ALWAYS_INLINE ~stripe_guard() {
            if (LIFECYCLE_DETAIL_LIKELY(!locked_)) leave_biased(l_);
            else l_.lock.unlock();
        }
        stripe_guard(const stripe_guard&) = delete;
        stripe_guard& operator=(const stripe_guard&) = delete;

    private:
        owner_lock& l_;
        bool locked_ = false;
    };

    // Takes `l`'s lock; biases an unbiased stripe to `me`, or revokes
    // another thread's bias and waits it out.
    LIFECYCLE_DETAIL_NOINLINE void lock_slowly(owner_lock& l, std::uint32_t me) noexcept {
        l.lock.lock();
        const std::uint32_t b = l.bias.load(std::memory_order_relaxed);
        if (b == unbiased) {
            if (biasing_.load(std::memory_order_relaxed)) l.bias.store(me, std::memory_order_relaxed);
        } else if (b != revoked && b != me) {
            l.bias.store(revoked, std::memory_order_relaxed);
            barrier();
            wait_out(l);
        }
    }

    static void barrier() noexcept {
        if (!process_barrier()) fallback_barrier();
    }
    static void wait_out(const owner_lock& l) noexcept {
        for (int spins = 0; l.busy.load(std::memory_order_acquire); ++spins)
            if (spins < 64) spin_pause();
            else yield_thread();
    }

    // Every stripe's lock, and no bias holder inside one (grow, fork,
    // set_biasing): the biases of other threads revoked, behind one barrier.
    void hold_all() noexcept {
        const std::uint32_t me = this_thread_bias();
        bool revoking = false;
        for (owner_lock& l : owner_locks_) {
            l.lock.lock();
            const std::uint32_t b = l.bias.load(std::memory_order_relaxed);
            if (b != unbiased && b != revoked && b != me) {
                l.bias.store(revoked, std::memory_order_relaxed);
                revoking = true;
            }
        }
        if (!revoking) return;
        barrier();
        for (owner_lock& l : owner_locks_) wait_out(l);
    }
    void release_all() noexcept {
        for (std::size_t i = owner_lock_count; i-- > 0;) owner_locks_[i].lock.unlock();
    }
    static constexpr std::size_t owner_lock_count = 256;
    static constexpr std::size_t first_buckets = 4096;

    // The low bits pick the stripe and the bucket: after the multiply the
    // high half is folded in, so they depend on every bit of the value
    // (pointers' zero low bits included), and consecutive small values (fds)
    // fall into different buckets.
    static std::uint64_t owner_hash(const record* r) noexcept {
        const std::uint64_t h = (std::uint64_t(r->identity) ^ (std::uint64_t(r->kind->domain) << 56)) * 0x9E3779B97F4A7C15ull;
        return h ^ (h >> 32);
    }
    owner_lock& stripe_of(std::uint64_t h) noexcept { return owner_locks_[h % owner_lock_count]; }

    static table* new_table(std::size_t buckets) noexcept {
        // calloc: the pages of a large table stay untouched until used
        void* p = std::calloc(1, sizeof(table) + (buckets - 1) * sizeof(record*));
        if (p == nullptr) return nullptr;
        table* t = static_cast<table*>(p);
        t->mask = buckets - 1;
        t->stripe_limit = buckets / owner_lock_count / 2;
        return t;
    }

    // Allocated on first claim.
    table* first_table() noexcept {
        table* t = table_.load(std::memory_order_acquire);
        if (LIFECYCLE_DETAIL_LIKELY(t != nullptr)) return t;
        owner_once_.call([this] {
            biasing_.store(can_bias(), std::memory_order_relaxed);
            table_.store(new_table(first_buckets), std::memory_order_release);
            ::pthread_atfork(&owner_index::fork_prepare, &owner_index::fork_parent, &owner_index::fork_child);
        });
        return table_.load(std::memory_order_acquire);
    }

    // Doubles `from` (unless another claim did already), holding every
    // stripe; out of memory keeps the table as it is (longer chains).
    void grow(table* from) noexcept {
        hold_all();
        table* t = table_.load(std::memory_order_relaxed);
        table* bigger = t == from ? new_table(2 * (t->mask + 1)) : nullptr;
        if (bigger != nullptr) {
            for (std::size_t b = 0; b <= t->mask; ++b) {
                for (record* r = t->heads[b]; r;) {
                    record* next = r->owner_next;
                    record*& head = bigger->heads[owner_hash(r) & bigger->mask];
                    r->owner_prev = nullptr;
                    r->owner_next = head;
                    if (head) head->owner_prev = r;
                    head = r;
                    r = next;
                }
            }
            table_.store(bigger, std::memory_order_release);
            std::free(t); // nobody reads it: every reader holds a stripe
        }
        release_all();
    }

    // Requires: `stripe` (the stripe of `h`, r's hash) held, r claimed.
    // Effects: r leaves the index (a stale record is in no chain already).
    // Returns: the head of r's bucket.
    record*& leave_index(record* r, owner_lock& stripe, std::uint64_t h) noexcept {
        if (r->claimed != claimed_stale) return unlink_claim(r, stripe, h);
        r->claimed = unclaimed;
        table* t = table_.load(std::memory_order_relaxed);
        return t->heads[h & t->mask];
    }

    // Requires: `stripe` (the stripe of `h`, r's hash) held, r in a chain.
    // Returns: the head of r's bucket.
    record*& unlink_claim(record* r, owner_lock& stripe, std::uint64_t h) noexcept {
        table* t = table_.load(std::memory_order_relaxed);
        record*& head = t->heads[h & t->mask];
        if (r->owner_prev) r->owner_prev->owner_next = r->owner_next;
        else head = r->owner_next;
        if (r->owner_next) r->owner_next->owner_prev = r->owner_prev;
        r->owner_prev = r->owner_next = nullptr;
        r->claimed = unclaimed;
        --stripe.claims;
        return head;
    }

    // Requires: `stripe` (of r's hash) held; `head` r's bucket in `t`.
    // Effects: chains `r` first. Returns: `t` if the table must grow.
    static table* link_claim(record* r, record*& head, owner_lock& stripe, table* t, claim_state state) noexcept {
        r->owner_prev = nullptr;
        r->owner_next = head;
        if (head) head->owner_prev = r;
        head = r;
        r->claimed = state;
        return ++stripe.claims > t->stripe_limit ? t : nullptr;
    }

    std::atomic<table*> table_{nullptr};
    std::atomic<bool> biasing_{false}; // stripes may be biased (set on first use)
    std::atomic<std::uint32_t> next_bias_{1};
    once_flag owner_once_;
    owner_lock owner_locks_[owner_lock_count];
    intern_table<tombstone> tombstones_;
};

// One per process, shared by every module like the registry (its root in
// the module's note, detail/module_note.hpp); never torn down, so usable
// during static destruction. On the heap, so that it outlives the module
// that made it; the module's own, constant-initialized, if that fails.
#    if LIFECYCLE_DETAIL_MODULE_NOTES && LIFECYCLE_TRACKING
// Each module's finalizer for the index, registered with the module's
// __dso_handle at its first use of the index (adopt_owners): a shared
// object unloaded while tombstones point into its text (a wrapper it
// created or closed) leaves them copies. Hidden: it must name its own module.
LIFECYCLE_DETAIL_HIDDEN inline void keep_tombstone_text_of_unloading_module(void*) noexcept {
    void* index = own_shared(shared_object::owner_index);
    module_span m;
    if (index == nullptr || !module_of(reinterpret_cast<const void*>(&keep_tombstone_text_of_unloading_module), m) ||
        m.main_program)
        return;
    static_cast<owner_index*>(index)->keep_module_text(m);
}

// A module's first use of the index (and every use while out of memory
// left it without one). Hidden, so that each module runs its own and
// registers its own finalizer, once.
LIFECYCLE_DETAIL_NOINLINE LIFECYCLE_DETAIL_HIDDEN inline owner_index& adopt_owners() noexcept {
    static owner_index fallback;
    static std::atomic<bool> finalizer{false};
    bool made = false;
    void* p = shared_of_process(shared_object::owner_index, [] { return new (std::nothrow) owner_index; }, made);
    if (!finalizer.exchange(true, std::memory_order_acq_rel))
        abi::__cxa_atexit(&keep_tombstone_text_of_unloading_module, nullptr, &__dso_handle);
    return p ? *static_cast<owner_index*>(p) : fallback;
}
#    endif
LIFECYCLE_DETAIL_ALWAYS_INLINE owner_index& owners() noexcept {
#    if LIFECYCLE_DETAIL_MODULE_NOTES && LIFECYCLE_TRACKING
    void* p = own_shared(shared_object::owner_index);
    return LIFECYCLE_DETAIL_LIKELY(p != nullptr) ? *static_cast<owner_index*>(p) : adopt_owners();
#    else
    static owner_index index;
    return index;
#    endif
}
inline void owner_index::fork_prepare() noexcept { owners().before_fork(); }
inline void owner_index::fork_parent() noexcept { owners().after_fork_in_parent(); }
inline void owner_index::fork_child() noexcept { owners().after_fork_in_child(); }

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_OWNER_INDEX_HPP
