// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/closer_cold.hpp — the definitions of closer's cold paths:
// the pass of close_all() (alias detection, closing newest first, the
// result), the owner check of add(), the destructor. Included by
// lifecycle/closer.hpp where its cold paths are defined (header-only mode,
// or the compiled library); private, never included on its own.
#ifndef LIFECYCLE_DETAIL_CLOSER_COLD_HPP
#define LIFECYCLE_DETAIL_CLOSER_COLD_HPP

#include <lifecycle/closer.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#if LIFECYCLE_DETAIL_DEFINE_COLD
LIFECYCLE_BEGIN_NAMESPACE

LIFECYCLE_DETAIL_COLD closer::~closer() {
    batch_type batch;
    {
        detail::lock_guard<detail::mutex> lock(mutex_);
        take_entries(batch);
    }
    run_pass(batch, nullptr);
}

LIFECYCLE_DETAIL_COLD void closer::take_entries(batch_type& batch) noexcept {
    batch.swap(entries_);
    owners_.clear();
}

LIFECYCLE_DETAIL_COLD detail::owner_claim closer::reserve_owner(identity id, const void* owner, std::string_view kind,
                                                                std::string_view name, const source_site& site) {
    detail::lock_guard<detail::mutex> lock(mutex_);
    const detail::owner_claims::record* claimed = owners_.find(id);
    const detail::pending_entry* held = claimed == nullptr ? nullptr : claimed->entry;
    // A claim whose entry's object has closed since it was added no longer holds the number.
    if (claimed == nullptr || (held && (held->state() == detail::open_state::closed || held->current_identity() != id))) {
        owners_.put(id, detail::owner_claims::record{owner, nullptr});
        return detail::owner_claim(&mutex_, &owners_, id);
    }
    if (owner && claimed->owner == owner) return {}; // shared_ptrs to one object: one destructor
    close_entry mine;
    mine.name = std::string(name);
    mine.kind = kind;
    mine.id = id;
    mine.ordinal = ordinals_ + 1;
    std::string other = "an entry being added on another thread";
    if (held) other = describe(*held, id) + ", added at " + detail::site_text(held->added_at);
    LIFECYCLE_DETAIL_THROW(std::invalid_argument("lifecycle::closer::add: " + mine.describe() +
                                ", added at " + detail::site_text(site) + ", is another owner of the object of " + other +
                                "; neither can give it up without closing it, so one of them would close it twice. Add "
                                "one owner, and the other by reference (not owned) or as a tracked handle"));
}

LIFECYCLE_DETAIL_COLD close_result closer::close_all() {
    batch_type batch;
    bool nested = false;
    {
        detail::lock_guard<detail::mutex> lock(mutex_);
        nested = closing_ && ::pthread_equal(closing_thread_, ::pthread_self());
        if (!nested) cv_.wait(mutex_, [this] { return !closing_; });
        if (entries_.empty()) return {};
        take_entries(batch);
        if (!nested) {
            closing_ = true;
            closing_thread_ = ::pthread_self();
        }
    }
    struct end_pass {
        closer* self;
        bool nested;
        ~end_pass() {
            if (nested) return;
            {
                detail::lock_guard<detail::mutex> lock(self->mutex_);
                self->closing_ = false;
            }
            self->cv_.notify_all();
        }
    } end{this, nested};
    close_result result;
    LIFECYCLE_DETAIL_TRY {
        result.entries_.reserve(batch.size());
    } LIFECYCLE_DETAIL_CATCH_ALL {
        run_pass(batch, nullptr);
        LIFECYCLE_DETAIL_RETHROW;
    }
    run_pass(batch, &result);
    return result;
}

LIFECYCLE_DETAIL_COLD close_result closer::close_all_or_throw() {
    close_result r = close_all();
    if (r.ok()) return r;
    std::shared_ptr<const close_error::data> d;
    LIFECYCLE_DETAIL_TRY {
        d = close_error::share(r);
        close_error e(d);
#if !LIFECYCLE_DETAIL_EXCEPTIONS
        // what() names the first failure only; nobody can ask for failures()
        std::fprintf(stderr, "%s", d->result.to_text().c_str());
#endif
        LIFECYCLE_DETAIL_THROW(e);
    } LIFECYCLE_DETAIL_CATCH([[maybe_unused]] const close_error& unused) {
        LIFECYCLE_DETAIL_RETHROW;
    } LIFECYCLE_DETAIL_CATCH_ALL { // out of memory building close_error: nobody can be told but the handler
        hand_over(d ? d->result : r);
        LIFECYCLE_DETAIL_RETHROW;
    }
}

LIFECYCLE_DETAIL_COLD void closer::close_entry_now(detail::pending_entry& e) noexcept {
    if (e.empty || e.state() == detail::open_state::closed) return;
    std::string what;
    const std::error_code ec = detail::close_catching(e, what);
    if (ec) detail::report_entry_failure(e, ec, what);
}

LIFECYCLE_DETAIL_COLD void closer::run_pass(batch_type& batch, close_result* out) noexcept {
    find_aliases(batch); // owning aliases have given their object up
    for (std::size_t n = batch.size(); n-- > 0;) {
        detail::pending_entry& e = *batch[n];
        const detail::pending_entry* primary = e.primary;
        std::error_code ec;
        std::string what;
        if (e.empty) {
            e.outcome = close_outcome::empty;
        } else if (primary) {
            e.outcome = close_outcome::alias;
        } else if (e.state() == detail::open_state::closed) {
            e.outcome = close_outcome::already_closed;
        } else {
            ec = detail::close_catching(e, what);
            e.outcome = ec ? close_outcome::failed : close_outcome::closed;
        }
        if (out) {
            close_entry& r = out->entries_.emplace_back(); // capacity reserved: no throw
            r.kind = e.kind;
            r.id = e.id;
            r.outcome = e.outcome;
            r.error = ec;
            r.added_at = e.added_at;
            r.created_at = e.created_at;
            r.ordinal = e.ordinal;
            LIFECYCLE_DETAIL_TRY {
                r.name = e.name;
                r.what = std::move(what);
                r.alias_of_ordinal = primary ? primary->ordinal : 0;
                if (primary) r.alias_of = describe(*primary, primary->id);
            } LIFECYCLE_DETAIL_CATCH_ALL {
            }
            e.result_index = out->entries_.size() - 1;
        } else if (ec) {
            detail::report_entry_failure(e, ec, what);
        }
    }
    while (!batch.empty()) batch.pop_back();
}

LIFECYCLE_DETAIL_COLD void closer::find_aliases(batch_type& batch) noexcept {
    auto read_identity = [](detail::pending_entry& e) noexcept {
        e.id = e.empty ? identity{} : e.current_identity();
        e.primary = nullptr;
    };
    auto better = [](const detail::pending_entry& candidate, const detail::pending_entry& current) noexcept {
        return candidate.owned_object() && !current.owned_object() && current.object() != candidate.owned_object();
    };
    // An owning alias gives its object up before it is closed through the
    // primary entry, so that the close finds no second owner.
    auto link = [](detail::pending_entry& e, const detail::pending_entry& primary) noexcept {
        if (&e != &primary && (!e.owned_object() || e.owned_object() == primary.object())) {
            e.primary = &primary;
            e.forget();
        }
    };
    // Hashed (the fallback below, quadratic, only when out of memory): a
    // first walk reads what each entry is (its identity, the object it owns
    // and the one it closes: virtual calls on entries that are cold in cache
    // at 100k) into one array in entry order; the two walks that place and
    // link them read that array and the slots, whose probes are prefetched
    // a few entries ahead, and touch an entry only to link an alias.
    struct facts {
        identity id;
        std::size_t hash;
        const void* owned;
        const void* object;
    };
    struct slot {
        std::uintptr_t value;
        std::size_t index;
    };
    const std::size_t count = batch.size();
    std::size_t size = 16;
    while (size < count * 2) size *= 2;
    std::unique_ptr<slot[]> slots(new (std::nothrow) slot[size]);
    std::unique_ptr<facts[]> f(slots ? new (std::nothrow) facts[count] : nullptr);
    if (slots && f) {
        const std::size_t none = static_cast<std::size_t>(-1), mask = size - 1;
        std::fill(slots.get(), slots.get() + size, slot{0, none});
        for (std::size_t n = 0; n < count; ++n) {
            detail::pending_entry& e = *batch[n];
            read_identity(e);
            f[n] = facts{e.id, e.id ? detail::identity_hash{}(e.id) : 0, e.owned_object(), e.object()};
        }
        auto slot_of = [&](std::size_t n) noexcept -> std::size_t& {
            for (std::size_t i = f[n].hash & mask;; i = (i + 1) & mask)
                if (slots[i].index == none || (slots[i].value == f[n].id.value() && f[slots[i].index].id == f[n].id)) {
                    slots[i].value = f[n].id.value();
                    return slots[i].index;
                }
        };
        auto better_than = [&](std::size_t candidate, std::size_t current) noexcept {
            return f[candidate].owned && !f[current].owned && f[current].object != f[candidate].owned;
        };
        constexpr std::size_t ahead = 8;
        for (std::size_t n = count; n-- > 0;) { // newest first: the newest of equals is the primary unless one owns
            if (n >= ahead) __builtin_prefetch(&slots[f[n - ahead].hash & mask], 1);
            if (!f[n].id) continue;
            std::size_t& at = slot_of(n);
            if (at == none || better_than(n, at)) at = n;
        }
        for (std::size_t n = 0; n < count; ++n) {
            if (n + ahead < count) __builtin_prefetch(&slots[f[n + ahead].hash & mask]);
            if (!f[n].id) continue;
            const std::size_t p = slot_of(n);
            if (p != n && (!f[n].owned || f[n].owned == f[p].object)) {
                batch[n]->primary = batch[p].get();
                batch[n]->forget();
            }
        }
        return;
    }
    for (auto& e : batch) read_identity(*e);
    for (auto& e : batch) {
        if (!e->id) continue;
        const detail::pending_entry* primary = nullptr;
        for (std::size_t m = batch.size(); m-- > 0;)
            if (batch[m]->id == e->id && (!primary || better(*batch[m], *primary))) primary = batch[m].get();
        link(*e, *primary);
    }
}

LIFECYCLE_DETAIL_COLD std::string closer::describe(const detail::pending_entry& e, const identity& id) {
    return detail::describe_entry(e.name, e.kind, id, e.ordinal);
}

LIFECYCLE_DETAIL_COLD void closer::hand_over(const close_result& r) noexcept {
    for (const close_entry& e : r.entries()) {
        if (e.outcome != close_outcome::failed) continue;
        close_failure f;
        f.kind = e.kind;
        f.label = e.name;
        f.site = e.created_at;
        f.added_at = e.added_at;
        f.error = e.error;
        f.what = e.what;
        report_close_failure(f);
    }
}

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_CLOSER_COLD_HPP
