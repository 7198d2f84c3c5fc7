// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/sync.hpp — private. The few locks lifecycle takes, over
// pthreads and <atomic>: <mutex>, <condition_variable> and <thread> each
// cost more preprocessed lines than <memory> in every file that includes
// them (README, "Compile time"), and lifecycle needs a handful of their
// members. All of these
// are constant-initialized: usable in objects that are never destroyed and
// during static destruction.
#ifndef LIFECYCLE_DETAIL_SYNC_HPP
#define LIFECYCLE_DETAIL_SYNC_HPP

#include <lifecycle/config.hpp>

#include <atomic>
#include <ctime>

#include <pthread.h>
#include <sched.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

inline void yield_thread() noexcept { ::sched_yield(); }

inline void sleep_ms(unsigned ms) noexcept {
    timespec t{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
    while (::nanosleep(&t, &t) != 0) {
    }
}

inline void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    yield_thread();
#endif
}

/// A lock for short, rarely contended sections (a futex-based mutex would
/// double their cost).
class spin_lock {
public:
    void lock() noexcept {
        while (flag_.exchange(true, std::memory_order_acquire)) {
            while (flag_.load(std::memory_order_relaxed)) yield_thread();
        }
    }
    bool try_lock() noexcept { return !flag_.exchange(true, std::memory_order_acquire); }
    void unlock() noexcept { flag_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> flag_{false};
};

/// A mutex for sections that may block or run long (symbolizing, handlers' lists).
class mutex {
public:
    constexpr mutex() noexcept = default;
    mutex(const mutex&) = delete;
    mutex& operator=(const mutex&) = delete;
    void lock() noexcept { ::pthread_mutex_lock(&m_); }
    bool try_lock() noexcept { return ::pthread_mutex_trylock(&m_) == 0; }
    void unlock() noexcept { ::pthread_mutex_unlock(&m_); }
    pthread_mutex_t* native() noexcept { return &m_; }
    /// Effects: a fresh, unlocked mutex (a fork child whose parent's other threads held it).
    void reinitialize() noexcept { m_ = PTHREAD_MUTEX_INITIALIZER; }

private:
    pthread_mutex_t m_ = PTHREAD_MUTEX_INITIALIZER;
};

/// Holds a lock for a scope (std::lock_guard without <mutex>).
template <class Lock>
class lock_guard {
public:
    explicit lock_guard(Lock& l) noexcept : l_(l) { l_.lock(); }
    ~lock_guard() { l_.unlock(); }
    lock_guard(const lock_guard&) = delete;
    lock_guard& operator=(const lock_guard&) = delete;

private:
    Lock& l_;
};

/// A condition variable over `mutex`.
class condition {
public:
    constexpr condition() noexcept = default;
    condition(const condition&) = delete;
    condition& operator=(const condition&) = delete;
    /// Requires: `m` locked by the caller. Effects: waits until `done()`.
    template <class Predicate>
    void wait(mutex& m, Predicate done) noexcept {
        while (!done()) ::pthread_cond_wait(&c_, m.native());
    }
    void notify_all() noexcept { ::pthread_cond_broadcast(&c_); }

private:
    pthread_cond_t c_ = PTHREAD_COND_INITIALIZER;
};

/// Runs `f` once per process (std::call_once without <mutex>).
class once_flag {
public:
    template <class F>
    void call(F f) noexcept {
        if (done_.load(std::memory_order_acquire)) return;
        lock_guard<mutex> hold(m_);
        if (done_.load(std::memory_order_relaxed)) return;
        f();
        done_.store(true, std::memory_order_release);
    }
    /// Effects: in a fork child, a call that a vanished thread of the parent
    /// was inside no longer holds the lock (the child makes its own).
    void after_fork_in_child() noexcept { m_.reinitialize(); }

private:
    std::atomic<bool> done_{false};
    mutex m_;
};

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_SYNC_HPP
