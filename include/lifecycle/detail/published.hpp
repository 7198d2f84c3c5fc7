// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/published.hpp — private. A value computed once from an
// immutable object and published without a lock: what a report's first
// render leaves for the next ones (report.hpp).
#ifndef LIFECYCLE_DETAIL_PUBLISHED_HPP
#define LIFECYCLE_DETAIL_PUBLISHED_HPP

#include <lifecycle/config.hpp>

#include <atomic>
#include <memory>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// A value computed from an immutable object once and published lock-free: readers see null or the
/// finished value, never a half-built one. A copy starts empty (recomputed from caches); a move takes it.
template <class T>
class published {
public:
    published() = default;
    published(const published&) noexcept {}
    published(published&& o) noexcept : p_(o.take()) {}
    published& operator=(const published& o) noexcept { return reset(this == &o ? take() : nullptr); }
    published& operator=(published&& o) noexcept { return reset(this == &o ? take() : o.take()); }
    ~published() { reset(nullptr); }
    const T* get() const noexcept { return p_.load(std::memory_order_acquire); }
    /// Returns: `fresh`, now published, or the value another thread published first.
    const T& publish(std::unique_ptr<T> fresh) const noexcept {
        const T* expected = nullptr;
        if (p_.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel)) return *fresh.release();
        return *expected;
    }

private:
    const T* take() noexcept { return p_.exchange(nullptr, std::memory_order_acq_rel); }
    published& reset(const T* p) noexcept {
        delete p_.exchange(p, std::memory_order_acq_rel);
        return *this;
    }
    mutable std::atomic<const T*> p_{nullptr};
};
} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_PUBLISHED_HPP
