// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/kinds.hpp — private. The kinds of resources (one entry
// per kind name, never destroyed) and the interned names records point at
// (scope names, keep_alive reasons, anchored sites).
#ifndef LIFECYCLE_DETAIL_KINDS_HPP
#define LIFECYCLE_DETAIL_KINDS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/intern_table.hpp>
#include <lifecycle/detail/records.hpp>
#include <lifecycle/detail/sync.hpp>

#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

class kind_table {
public:
    /// Returns: the kind named `name`, registered on first use. `domain`:
    /// the name of the value space its handles live in (traits'
    /// identity_domain(); empty = the kind's own name): kinds of one domain
    /// share a domain number. Throws: std::bad_alloc.
    const kind_info* register_kind(std::string_view name, std::string_view close_call, std::string_view domain = {});

    /// Effects: calls `visit(const kind_info&)` for every kind, in
    /// registration order; none from a signal handler that interrupted this
    /// thread registering a kind (its table is half written).
    template <class Visit>
    void for_each(Visit visit) const {
        if (tls_registering) return;
        lock_guard<mutex> lock(mutex_);
        for (const kind_info* k : kinds_) visit(*k);
    }

    // Held across fork(), not only re-initialized in the child: a thread
    // registering a kind grows kinds_ and domains_ under the lock, and a
    // child forked halfway would see a vector whose old storage is freed.
    void before_fork() noexcept { mutex_.lock(); }
    void after_fork_in_parent() noexcept { mutex_.unlock(); }
    void after_fork_in_child() noexcept { mutex_.reinitialize(); }

private:
    static thread_local inline volatile bool tls_registering = false; // inside register_kind, with mutex_
    mutable mutex mutex_;
    std::vector<kind_info*> kinds_; // never destroyed: records point at them
    std::vector<std::string> domains_;
};

class name_table {
public:
    /// Returns: a NUL-terminated copy of `name` that lives as long as the
    /// process; the same pointer for the same text. Throws: std::bad_alloc.
    const char* intern(std::string_view name) {
        const std::uint64_t h = hash_bytes(name.data(), name.size());
        entry* e = table_.intern(
            h, [&](const entry& x) { return x.text == name; },
            [&]() -> entry* {
                LIFECYCLE_DETAIL_TRY {
                    return new entry{0, std::string(name)};
                } LIFECYCLE_DETAIL_CATCH_ALL {
                    return nullptr;
                }
            });
        if (e == nullptr) LIFECYCLE_DETAIL_THROW(std::bad_alloc());
        return e->text.c_str();
    }

    void after_fork_in_child() noexcept { table_.after_fork_in_child(); }

private:
    struct entry {
        std::uint64_t hash;
        std::string text;
    };
    intern_table<entry> table_;
};

} // namespace detail
LIFECYCLE_END_NAMESPACE


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {

LIFECYCLE_DETAIL_COLD const kind_info* kind_table::register_kind(std::string_view name, std::string_view close_call, std::string_view domain) {
    if (domain.empty()) domain = name;
    struct registering { // set before the lock is taken, cleared after it is let go
        registering() noexcept { tls_registering = true; }
        ~registering() { tls_registering = false; }
    } marked;
    lock_guard<mutex> lock(mutex_);
    for (const kind_info* k : kinds_)
        if (k->name == name) return k;
    std::uint32_t d = 0;
    for (; d < domains_.size(); ++d)
        if (domains_[d] == domain) break;
    if (d == domains_.size()) domains_.emplace_back(domain);
    kinds_.reserve(kinds_.size() + 1);
    kind_info* k = new kind_info{std::string(name), std::string(close_call), static_cast<std::uint32_t>(kinds_.size()), d};
    kinds_.push_back(k);
    return k;
}

} // namespace detail

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_KINDS_HPP
