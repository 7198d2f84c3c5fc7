// SPDX-License-Identifier: BSL-1.0
// lifecycle/leak_scope.hpp — `leak_scope`: what a scope (a test case, a
// request, a phase of a program) created and left open.
//
//   {
//       lifecycle::leak_scope scope{"handle request"};
//       handle_request();
//       // resources created since `scope` began and still open are leaks:
//       LIFECYCLE_ASSERT_NO_LEAKS(scope);   // debug builds: abort with the report
//   }   // the destructor applies the policy: print the report to stderr (default)
//
// `check()` costs O(resources created since the scope began), not O(all live
// resources). Scopes nest, and scopes on several threads run independently;
// a scope sees resources created on every thread unless `this_thread_only`.
// Every resource remembers the innermost scope of its creating thread, which
// reports show. The destructor never throws. With LIFECYCLE_TRACKING=0 a
// scope sees nothing and `LIFECYCLE_ASSERT_NO_LEAKS` compiles to nothing.
//
// Options (leak_scope_options), each with a default:
//   limits      per kind, a maximum count and/or weight of leaked resources
//               tolerated; above it, all of them are reported ("one new
//               engine per sync" fails at the second engine with max_count 1)
//   allow       rules by kind, creating function or label (glob patterns,
//               `*` and `?`), each with a reason; reports say how often each
//               rule fired, so stale rules show. Per object: keep_alive(h, why).
//   os_check    Linux: also diff /proc/self/fd and the thread count between
//               the scope's start and the check; fds nobody tracks are
//               reported as their own group ("fd 9 -> /tmp/x")
//   max_groups  groups shown in the text (the rest in one line)
//   max_stacks  distinct creation stacks shown per group in the text (3; the
//               rest in one line); max_json_stacks: in the JSON (100)
//   grace_ms    wait up to this long, re-checking, for other threads to close
//               what they still hold (a worker that closes just after the
//               scope ends); 0 (default): no wait
//
// Reports that a scope prints (policies print and abort, the assertion
// macros, the at-exit report) are also appended as one JSON object per line
// to the file named by LIFECYCLE_REPORT_FILE, when set. LIFECYCLE_REPORT_AT_EXIT=1
// (or a call to report_at_exit()) prints what is still open when the process
// exits.
#ifndef LIFECYCLE_LEAK_SCOPE_HPP
#define LIFECYCLE_LEAK_SCOPE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/os_snapshot.hpp>
#include <lifecycle/detail/record_fwd.hpp>
#include <lifecycle/registry.hpp>
#include <lifecycle/report.hpp>
#include <lifecycle/detail/at_exit.hpp>
#include <lifecycle/detail/report_output.hpp>
#include <lifecycle/detail/timeline.hpp>

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <exception>
#include <lifecycle/detail/function.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE

#if LIFECYCLE_TRACKING
// Every function of this layer that a program uses leaves the hooks in its
// module's section and hands them over when it runs (detail/hooks.hpp). No
// static initializer: a file that only includes this header runs nothing.
#    define LIFECYCLE_DETAIL_LEND_REPORT_HOOKS()                                                                     \
        do {                                                                                                       \
            [[gnu::used, gnu::section("lifecycle_v0_hooks")]] static constexpr const ::lifecycle::detail::report_hooks* \
                lifecycle_detail_hooks_ = &::lifecycle::detail::report_layer_hooks;                               \
            ::lifecycle::detail::hooks().hand_over(lifecycle_detail_hooks_);                                      \
        } while (false)
#else
#    define LIFECYCLE_DETAIL_LEND_REPORT_HOOKS() ((void)0)
#endif

/// What a leak scope's destructor does with a non-empty report.
enum class leak_policy {
    print,        ///< write the report to stderr (default)
    abort,        ///< write the report to stderr, then std::abort()
    call_handler, ///< call the scope's handler with the report
    ignore,       ///< nothing; call check() yourself
};

/// What leak_policy::call_handler calls with a non-empty report.
using leak_handler = std::function<void(const leak_report&)>;

/// Leaked resources of `kind` a scope tolerates: up to `max_count` of them
/// and up to `max_weight` bytes in total. Above either, all are reported.
struct kind_limit {
    std::string kind;                                          ///< a kind name, e.g. "engine"; "*" for every kind
    std::size_t max_count = static_cast<std::size_t>(-1);      ///< default: no count limit
    std::uint64_t max_weight = static_cast<std::uint64_t>(-1); ///< default: no weight limit
};

/// A rule that keeps matching resources out of a scope's reports.
struct allow_rule {
    /// What a rule's pattern is matched against.
    enum class field { kind, function, label };
    /// The field matched.
    field what = field::kind;
    std::string pattern; ///< glob: `*` any run of characters, `?` one character
    std::string reason;  ///< required; printed with the rule's count

    /// Matches the kind ("fd", "engine"): `allow_rule::kind("engine", "one per process, by design")`.
    static allow_rule kind(std::string pattern, std::string reason) { return {field::kind, std::move(pattern), std::move(reason)}; }
    /// Matches the creating function: the site's function name, or the
    /// qualified name of the first frame of user code when the stack was captured.
    static allow_rule function(std::string pattern, std::string reason) { return {field::function, std::move(pattern), std::move(reason)}; }
    /// Matches the label given at creation.
    static allow_rule label(std::string pattern, std::string reason) { return {field::label, std::move(pattern), std::move(reason)}; }
};

/// Options of a leak scope; every member has a default.
struct leak_scope_options {
    /// What the scope does with a non-empty report (default: print it to stderr).
    leak_policy policy = leak_policy::print;
    leak_handler handler;          ///< used by leak_policy::call_handler
    bool this_thread_only = false; ///< count only resources created on the scope's thread
    std::vector<kind_limit> limits; ///< leaks tolerated per kind
    std::vector<allow_rule> allow;  ///< rules that keep resources out of reports
    bool os_check = false;          ///< Linux: also report fds and threads nobody tracks
    std::size_t max_groups = 10;    ///< groups shown in the text; 0: all
    /// Stacks shown per group in the text, most common first (those that differ
    /// only inside the standard library counted as one); 0: all.
    std::size_t max_stacks = 3;
    std::size_t max_json_stacks = 100; ///< distinct stacks per group in groups() and the JSON; 0: all
    unsigned grace_ms = 0;          ///< check(): wait up to this long for leaks to be closed (0: no wait)
    /// At the scope's end, append one timeline line ("type":"scope": duration,
    /// and per kind live, peak, created, closed; docs/report-schema.md) to
    /// LIFECYCLE_REPORT_FILE, when set.
    bool record_timeline = false;
    /// Count only resources created while this scope was the creating
    /// thread's innermost one: a test suite's own set-up and tear-down, not
    /// the tests inside it (which have scopes of their own), nor other threads.
    bool exclude_nested_scopes = false;
};

namespace detail {

/// `*` matches any run of characters, `?` any one character.
LIFECYCLE_DETAIL_COLD bool glob_match(std::string_view pattern, std::string_view text) noexcept;

LIFECYCLE_DETAIL_COLD const char* field_name(allow_rule::field f) noexcept;


} // namespace detail

/// Marks the start of a scope whose leaks `check()` and the destructor report.
class leak_scope final {
public:
    /// Effects: begins a scope named `name` with policy `policy`.
    explicit leak_scope(std::string_view name = {}, leak_policy policy = leak_policy::print);

    /// Effects: begins a scope whose destructor calls `handler` with a non-empty report.
    leak_scope(std::string_view name, leak_handler handler);

    /// Effects: begins a scope with `options`.
    /// Throws: std::invalid_argument if the policy is call_handler and no handler is given.
    /// Throws: std::invalid_argument naming the option for a limit without a
    /// kind, a rule without a pattern or a reason.
    leak_scope(std::string_view name, leak_scope_options options);

    leak_scope(const leak_scope&) = delete;
    leak_scope& operator=(const leak_scope&) = delete;

    /// Effects: applies the policy to `check()`'s report. Never throws: a
    /// handler's exception is reported on stderr.
    ~leak_scope();

    /// Returns: the resources created since this scope began (on its thread
    /// only, if so configured) that are still open.
    /// Kept-alive resources, allowed ones and leaks within the limits are
    /// counted in `allowed()` instead. With `grace_ms`, a non-empty report is
    /// taken again (after 1, 2, 4 ... 20 ms) until it is empty or the grace
    /// period is over.
    leak_report check() const;

    /// Returns: the scope's name.
    const std::string& name() const noexcept { return name_; }

private:
    static leak_scope_options options_with(leak_policy policy, leak_handler handler);

#if LIFECYCLE_TRACKING
    // Removes kept-alive and allowed records; returns the counts per rule.
    std::vector<allowance> filter(std::vector<detail::record_view>& records) const;

    // Removes the records of kinds within their limits (counted in `allowed`);
    // returns the limits exceeded.
    std::vector<limit_exceeded> apply_limits(std::vector<detail::record_view>& records, std::vector<allowance>& allowed) const;

    // The OS cross-check: fds opened since the scope began that no live
    // tracked handle owns, and threads started and not ended.
    void add_os_findings(leak_report& r) const;

    // One check, without the grace period.
    leak_report check_once() const;
#endif

    std::string name_;
    leak_scope_options options_;
#if LIFECYCLE_TRACKING
    detail::os_snapshot os_start_;
    detail::watermark start_;
    const char* interned_ = nullptr;
    const char* outer_ = nullptr;
    int thread_ = 0;
    std::unique_ptr<detail::timeline_window> timeline_; // with record_timeline
#endif
};

namespace detail {
// Effects: "leak scope 'name' could not report: what" on stderr, both escaped.
LIFECYCLE_DETAIL_COLD void could_not_report(std::string_view scope, std::string_view what) noexcept;
[[noreturn]] LIFECYCLE_DETAIL_COLD void assert_failed(const leak_report& r, const char* expr, const char* file, int line) noexcept;

#if LIFECYCLE_TRACKING
LIFECYCLE_DETAIL_COLD void assert_live_at_most(std::string_view kind, std::uint64_t n, const char* expr, const char* file, int line) noexcept;

#endif
} // namespace detail

/// Effects: at process exit, prints (and appends to LIFECYCLE_REPORT_FILE) a
/// report of every tracked resource still open, except those kept alive.
/// Statics constructed before this call are destroyed after the report: mark
/// those with keep_alive(), or set LIFECYCLE_REPORT_AT_EXIT=1 instead, which
/// installs the report before them. Idempotent.
LIFECYCLE_DETAIL_COLD void report_at_exit() noexcept;

LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_TRACKING
/// Aborts with the report when `scope` has leaked resources (tracking builds only).
#    define LIFECYCLE_ASSERT_NO_LEAKS(scope)                                                              \
        do {                                                                                              \
            const ::lifecycle::leak_report lifecycle_detail_report_ = (scope).check();                    \
            if (!lifecycle_detail_report_.empty())                                                        \
                ::lifecycle::detail::assert_failed(lifecycle_detail_report_, #scope, __FILE__, __LINE__); \
        } while (false)
/// Aborts with a report of the live resources of `kind` when more than `n`
/// are open (tracking builds only). `kind` is a kind name, e.g. "fd".
#    define LIFECYCLE_ASSERT_LIVE_AT_MOST(kind, n) \
        ::lifecycle::detail::assert_live_at_most((kind), (n), #kind ", " #n, __FILE__, __LINE__)
#else
#    define LIFECYCLE_ASSERT_NO_LEAKS(scope) ((void)sizeof(scope))
#    define LIFECYCLE_ASSERT_LIVE_AT_MOST(kind, n) ((void)sizeof(kind), (void)sizeof(n))
#endif


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD
#    if LIFECYCLE_TRACKING
#        include <lifecycle/detail/anchor.hpp>
#        include <lifecycle/detail/symbols.hpp>
#    endif

LIFECYCLE_BEGIN_NAMESPACE

namespace detail {
#    if LIFECYCLE_TRACKING
/// What this layer lends the layers below (detail/hooks.hpp).
inline constexpr report_hooks report_layer_hooks{&report_open_at_exit, &symbolize_cached};
#    endif

LIFECYCLE_DETAIL_COLD bool glob_match(std::string_view pattern, std::string_view text) noexcept {
    std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') { // before the literal test: "FILE*" has a '*' too
            star = p++;
            resume = t;
        } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

LIFECYCLE_DETAIL_COLD const char* field_name(allow_rule::field f) noexcept {
    switch (f) {
    case allow_rule::field::kind: return "kind";
    case allow_rule::field::function: return "function";
    case allow_rule::field::label: return "label";
    }
    return "?";
}

// The scope's name and the exception's words escaped (the words never cut);
// without the memory to escape them, the line without them.
LIFECYCLE_DETAIL_COLD void could_not_report(std::string_view scope, std::string_view what) noexcept {
    LIFECYCLE_DETAIL_TRY {
        std::string line = "lifecycle: leak scope '" + text_word(scope) + "' could not report: ";
        append_text_word(line, what, static_cast<std::size_t>(-1));
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stderr);
    } LIFECYCLE_DETAIL_CATCH_ALL {
        std::fputs("lifecycle: a leak scope could not report (out of memory)\n", stderr);
    }
}

[[noreturn]] LIFECYCLE_DETAIL_COLD void assert_failed(const leak_report& r, const char* expr, const char* file, int line) noexcept {
    write_report(r);
    std::fprintf(stderr, "%s:%d: LIFECYCLE_ASSERT_NO_LEAKS(%s) failed\n", file, line, expr);
    std::abort();
}
} // namespace detail

LIFECYCLE_DETAIL_COLD leak_scope::leak_scope(std::string_view name, leak_scope_options options) : name_(name), options_(std::move(options)) {
    if (options_.policy == leak_policy::call_handler && !options_.handler)
        LIFECYCLE_DETAIL_THROW(std::invalid_argument("lifecycle::leak_scope: leak_policy::call_handler needs a handler"));
    for (std::size_t i = 0; i < options_.limits.size(); ++i)
        if (options_.limits[i].kind.empty())
            LIFECYCLE_DETAIL_THROW(std::invalid_argument("lifecycle::leak_scope: limits[" + std::to_string(i) +
                                        "].kind is empty (a kind name such as \"fd\", or \"*\")"));
    for (std::size_t i = 0; i < options_.allow.size(); ++i) {
        const allow_rule& a = options_.allow[i];
        if (a.pattern.empty())
            LIFECYCLE_DETAIL_THROW(std::invalid_argument("lifecycle::leak_scope: allow[" + std::to_string(i) + "] (" +
                                        detail::field_name(a.what) + ") has an empty pattern"));
        if (a.reason.empty())
            LIFECYCLE_DETAIL_THROW(std::invalid_argument("lifecycle::leak_scope: allow[" + std::to_string(i) + "] (" +
                                        detail::field_name(a.what) + " '" + detail::text_word(a.pattern) +
                                        "') has no reason; reports print it"));
    }
    LIFECYCLE_DETAIL_LEND_REPORT_HOOKS();
#if LIFECYCLE_TRACKING
    if (options_.os_check) os_start_ = detail::take_os_snapshot();
    auto& reg = detail::instance();
    interned_ = reg.intern_name(name_);
    thread_ = detail::registry::thread_id();
    start_ = reg.mark();
    outer_ = std::exchange(detail::registry::tls_scope_name, interned_);
    if (options_.record_timeline) timeline_ = std::make_unique<detail::timeline_window>();
#endif
}

LIFECYCLE_DETAIL_COLD leak_scope::~leak_scope() {
#if LIFECYCLE_TRACKING
    detail::registry::tls_scope_name = outer_;
    if (timeline_) {
        LIFECYCLE_DETAIL_TRY {
            detail::append_report_line(timeline_->json("scope", name_, {}));
        } LIFECYCLE_DETAIL_CATCH_ALL {
            std::fputs("lifecycle: a timeline line could not be written to LIFECYCLE_REPORT_FILE (out of memory)\n", stderr);
        }
    }
    if (options_.policy == leak_policy::ignore) return;
    LIFECYCLE_DETAIL_TRY {
        leak_report r = check();
        if (r.empty()) return;
        switch (options_.policy) {
        case leak_policy::print: detail::write_report(r); break;
        case leak_policy::abort:
            detail::write_report(r);
            std::abort();
        case leak_policy::call_handler: options_.handler(r); break;
        case leak_policy::ignore: break;
        }
    } LIFECYCLE_DETAIL_CATCH(const std::exception& e) {
        detail::could_not_report(name_, e.what());
    } LIFECYCLE_DETAIL_CATCH_ALL {
        detail::could_not_report(name_, "unknown exception");
    }
#endif
}

LIFECYCLE_DETAIL_COLD leak_report leak_scope::check() const {
#if LIFECYCLE_TRACKING
    leak_report r = check_once();
    if (r.empty() || options_.grace_ms == 0) return r;
    auto now_ms = [] {
        timespec t{};
        ::clock_gettime(CLOCK_MONOTONIC, &t);
        return static_cast<std::uint64_t>(t.tv_sec) * 1000u + static_cast<std::uint64_t>(t.tv_nsec) / 1000000u;
    };
    const std::uint64_t deadline = now_ms() + options_.grace_ms;
    for (long step_ms = 1; !r.empty();) {
        const std::uint64_t now = now_ms();
        if (now >= deadline) break;
        const long wait_ms = static_cast<long>(std::min<std::uint64_t>(static_cast<std::uint64_t>(step_ms), deadline - now));
        timespec pause{wait_ms / 1000, (wait_ms % 1000) * 1000000L};
        while (::nanosleep(&pause, &pause) != 0 && errno == EINTR) {
        }
        step_ms = std::min(step_ms * 2, 20L);
        r = check_once();
    }
    return r;
#else
    return leak_report{};
#endif
}

#    if LIFECYCLE_TRACKING
LIFECYCLE_DETAIL_COLD leak_report leak_scope::check_once() const {
    auto& reg = detail::instance();
    std::vector<detail::record_view> records = reg.live_since(start_, options_.this_thread_only ? thread_ : 0);
    const std::int64_t checked = detail::now_ticks(); // the moment of the check: ages are measured here
    if (options_.exclude_nested_scopes)
        records.erase(std::remove_if(records.begin(), records.end(),
                                     [this](const detail::record_view& rec) { return rec.scope != interned_; }),
                      records.end());
    std::vector<allowance> allowed = filter(records);
    std::vector<limit_exceeded> exceeded = apply_limits(records, allowed);
    leak_report r = leak_report::from_records(name_, std::move(records), reg.capture_tier(), checked);
    r.allowed_ = std::move(allowed);
    r.exceeded_ = std::move(exceeded);
    r.max_groups_ = options_.max_groups;
    r.set_max_stacks(options_.max_stacks, options_.max_json_stacks);
    if (options_.os_check) add_os_findings(r);
    return r;
}

LIFECYCLE_DETAIL_COLD std::vector<allowance> leak_scope::filter(std::vector<detail::record_view>& records) const {
    std::vector<allowance> out;
    for (const allow_rule& a : options_.allow)
        out.push_back(allowance{std::string(detail::field_name(a.what)) + " '" + a.pattern + "'", a.reason, 0});
    auto user_function = [](const detail::record_view& rec) -> std::string {
        detail::frame_info f;
        if (!rec.stack || !detail::first_user_frame(const_cast<const void* const*>(rec.stack->frames), rec.stack->depth, f))
            return {};
        return detail::qualified_name(f.function);
    };
    std::size_t kept_from = out.size();
    auto keep = std::remove_if(records.begin(), records.end(), [&](const detail::record_view& rec) {
        if (rec.kept) {
            for (std::size_t i = kept_from; i < out.size(); ++i)
                if (out[i].reason == rec.kept) {
                    ++out[i].count;
                    return true;
                }
            out.push_back(allowance{"keep_alive", rec.kept, 1});
            return true;
        }
        for (std::size_t i = 0; i < options_.allow.size(); ++i) {
            const allow_rule& a = options_.allow[i];
            bool hit = false;
            switch (a.what) {
            case allow_rule::field::kind: hit = detail::glob_match(a.pattern, rec.kind->name); break;
            case allow_rule::field::label: hit = detail::glob_match(a.pattern, rec.label); break;
            case allow_rule::field::function:
                hit = (rec.site.function && detail::glob_match(a.pattern, rec.site.function)) ||
                      detail::glob_match(a.pattern, user_function(rec));
                break;
            }
            if (hit) {
                ++out[i].count;
                return true;
            }
        }
        return false;
    });
    records.erase(keep, records.end());
    return out;
}

LIFECYCLE_DETAIL_COLD std::vector<limit_exceeded> leak_scope::apply_limits(std::vector<detail::record_view>& records, std::vector<allowance>& allowed) const {
    std::vector<limit_exceeded> exceeded;
    if (options_.limits.empty()) return exceeded;
    auto limit_of = [this](const std::string& kind) -> const kind_limit* {
        const kind_limit* any = nullptr;
        for (const kind_limit& l : options_.limits) {
            if (l.kind == kind) return &l;
            if (l.kind == "*") any = &l;
        }
        return any;
    };
    std::vector<limit_exceeded> totals; // per kind with a limit
    for (const detail::record_view& rec : records) {
        const kind_limit* l = limit_of(rec.kind->name);
        if (!l) continue;
        auto it = std::find_if(totals.begin(), totals.end(), [&](const limit_exceeded& t) { return t.kind == rec.kind->name; });
        if (it == totals.end()) it = totals.insert(totals.end(), limit_exceeded{rec.kind->name, 0, 0, l->max_count, l->max_weight});
        ++it->count;
        it->weight += rec.weight;
    }
    for (const limit_exceeded& t : totals) {
        if (t.count > t.max_count || t.weight > t.max_weight) {
            exceeded.push_back(t);
            continue;
        }
        std::string rule = "limit '" + t.kind + "'";
        if (t.max_count != static_cast<std::size_t>(-1)) rule += " <= " + std::to_string(t.max_count);
        if (t.max_weight != static_cast<std::uint64_t>(-1)) rule += " <= " + detail::human_bytes(t.max_weight);
        allowed.push_back(allowance{rule, "tolerated by the scope's limits", t.count});
        records.erase(std::remove_if(records.begin(), records.end(),
                                     [&](const detail::record_view& rec) { return rec.kind->name == t.kind; }),
                      records.end());
    }
    return exceeded;
}

LIFECYCLE_DETAIL_COLD void leak_scope::add_os_findings(leak_report& r) const {
    if (!os_start_.ok) return;
    const detail::os_snapshot now = detail::take_os_snapshot();
    std::vector<int> tracked_fds; // the fds live tracked handles hold (fds, sockets, FILE*, DIR*, ...)
    for (const detail::record_view& rec : detail::instance().all_live())
        if (rec.os_fd >= 0) tracked_fds.push_back(rec.os_fd);
    std::sort(tracked_fds.begin(), tracked_fds.end());
    leak_group fds;
    fds.kind = "fd";
    fds.tracked = false;
    for (const auto& fd : now.fds) {
        if (std::binary_search(os_start_.fds.begin(), os_start_.fds.end(), fd)) continue;
        if (std::binary_search(tracked_fds.begin(), tracked_fds.end(), fd.first)) continue;
        ++fds.count;
        fds.labels.push_back("fd " + std::to_string(fd.first) + " -> " + fd.second);
    }
    if (fds.count) r.groups_.push_back(std::move(fds));
    if (now.threads > os_start_.threads && os_start_.threads > 0) {
        leak_group threads;
        threads.kind = "thread";
        threads.tracked = false;
        threads.count = static_cast<std::size_t>(now.threads - os_start_.threads);
        threads.labels.push_back(detail::plural(threads.count, "more thread", "more threads") + " than when the scope began (" +
                                 std::to_string(os_start_.threads) + " then, " + std::to_string(now.threads) + " now)");
        r.groups_.push_back(std::move(threads));
    }
    for (const leak_group& g : r.groups_)
        if (!g.tracked) r.count_ += g.count;
}

namespace detail {
LIFECYCLE_DETAIL_COLD void assert_live_at_most(std::string_view kind, std::uint64_t n, const char* expr, const char* file, int line) noexcept {
    std::uint64_t live = 0;
    LIFECYCLE_DETAIL_TRY {
        for (const kind_stats& k : stats())
            if (k.kind == kind) live = k.live;
    } LIFECYCLE_DETAIL_CATCH_ALL {
        return;
    }
    if (live <= n) return;
    LIFECYCLE_DETAIL_TRY {
        std::vector<record_view> records;
        for (record_view& rec : instance().all_live())
            if (rec.kind->name == kind) records.push_back(std::move(rec));
        char shown[text_word_buffer]; // a traits' kind name: escaped as the report's words are
        std::fprintf(stderr, "lifecycle: more than %llu %s live; where they were created:\n", static_cast<unsigned long long>(n),
                     text_word_into(shown, sizeof shown, kind));
        write_report(leak_report::from_records("live " + std::string(kind), std::move(records), instance().capture_tier()));
    } LIFECYCLE_DETAIL_CATCH_ALL {
    }
    std::fprintf(stderr, "%s:%d: LIFECYCLE_ASSERT_LIVE_AT_MOST(%s) failed: %llu live, at most %llu allowed\n", file, line, expr,
                 static_cast<unsigned long long>(live), static_cast<unsigned long long>(n));
    std::abort();
}

} // namespace detail
#    endif

LIFECYCLE_DETAIL_COLD void report_at_exit() noexcept {
    LIFECYCLE_DETAIL_LEND_REPORT_HOOKS();
#if LIFECYCLE_TRACKING
    detail::install_at_exit_report();
#endif
}

LIFECYCLE_DETAIL_COLD leak_scope::leak_scope(std::string_view name, leak_policy policy)
    : leak_scope(name, options_with(policy, {})) {}

LIFECYCLE_DETAIL_COLD leak_scope::leak_scope(std::string_view name, leak_handler handler)
    : leak_scope(name, options_with(leak_policy::call_handler, std::move(handler))) {}

LIFECYCLE_DETAIL_COLD leak_scope_options leak_scope::options_with(leak_policy policy, leak_handler handler) {
    leak_scope_options o;
    o.policy = policy;
    o.handler = std::move(handler);
    return o;
}

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_LEAK_SCOPE_HPP
