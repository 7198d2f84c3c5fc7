// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/test_integration.hpp — what the doctest, GoogleTest and
// Catch2 integrations share: settings from flags and environment, the
// per-test check (thresholds, grace period, opt-outs), the end-of-run list
// and the self-test. Private: include lifecycle/doctest.hpp, gtest.hpp or
// catch2.hpp. It includes no test framework.
//
// Settings (a flag overrides the variable; a malformed value warns once on
// stderr, naming the setting and what it accepts, and the default is used):
//
//   --lifecycle-detect-leaks[=B]     LIFECYCLE_DETECT_LEAKS=B    automatic mode on (B: 1/0, true/false, yes/no, on/off)
//   --lifecycle-max-leaks=N          LIFECYCLE_MAX_LEAKS=N       a test may leave up to N resources open
//   --lifecycle-max-weight=BYTES     LIFECYCLE_MAX_WEIGHT=BYTES  ... holding up to BYTES (suffix K, M, G: KiB, MiB, GiB)
//   --lifecycle-max-live=SPEC        LIFECYCLE_MAX_LIVE=SPEC     most live at once per kind: N, or kind=N[,kind=N...]
//   --lifecycle-leak-grace-ms=T      LIFECYCLE_LEAK_GRACE_MS=T   wait up to T ms for other threads to close
//   --lifecycle-self-test[=B]        LIFECYCLE_SELF_TEST=B       add the self-test test case
//
// With neither max-leaks nor max-weight set, any resource left open fails the
// test; with one or both set, a test fails when it exceeds one of them.
//
// Tests run one at a time in all three frameworks; the state below is guarded
// by a mutex only so that `allow_leaks` may be called from any thread.
#ifndef LIFECYCLE_DETAIL_TEST_INTEGRATION_HPP
#define LIFECYCLE_DETAIL_TEST_INTEGRATION_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/settings.hpp>
#include <lifecycle/detail/text_escape.hpp>
#include <lifecycle/handle.hpp>
#include <lifecycle/leak_scope.hpp>
#include <lifecycle/registry.hpp>
#include <lifecycle/report.hpp>
#include <lifecycle/traits.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>

LIFECYCLE_BEGIN_NAMESPACE

/// The automatic per-test leak check's settings; see the flags above.
struct test_leak_settings {
    bool detect = false;                    ///< automatic mode on
    std::optional<std::uint64_t> max_leaks; ///< resources a test may leave open; unset: see max_weight
    std::optional<std::uint64_t> max_weight;///< bytes a test may leave open; unset: see max_leaks
    /// Most resources of a kind live at once during a test: (kind, limit); kind "*" is every kind.
    std::vector<std::pair<std::string, std::uint64_t>> max_live;
    unsigned grace_ms = 0;                  ///< wait up to this long for other threads to close
    bool self_test = false;                 ///< register the self-test test case
};

namespace detail {
namespace testing {

// ---- parsing ----------------------------------------------------------------

inline std::optional<bool> parse_bool(std::string_view v) {
    for (const char* t : {"1", "true", "yes", "on"})
        if (v == t) return true;
    for (const char* f : {"0", "false", "no", "off"})
        if (v == f) return false;
    return std::nullopt;
}

inline std::optional<std::uint64_t> parse_count(std::string_view v) {
    std::uint64_t n = 0;
    if (!read_whole(v, 0, ~std::uint64_t(0), n)) return std::nullopt;
    return n;
}

inline std::optional<std::uint64_t> parse_bytes(std::string_view v) {
    std::uint64_t unit = 1;
    for (auto [suffix, u] : {std::pair<const char*, std::uint64_t>{"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
                             {"K", 1ull << 10}, {"M", 1ull << 20}, {"G", 1ull << 30}}) {
        const std::size_t n = std::strlen(suffix);
        if (v.size() > n && v.substr(v.size() - n) == suffix) {
            v.remove_suffix(n);
            unit = u;
            break;
        }
    }
    auto n = parse_count(v);
    if (!n || *n > (std::uint64_t(1) << 40)) return std::nullopt;
    return *n * unit;
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

inline std::optional<std::vector<std::pair<std::string, std::uint64_t>>> parse_max_live(std::string_view v) {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    if (trim(v).empty()) return std::nullopt;
    while (true) {
        const std::size_t comma = v.find(',');
        const std::string_view item = trim(v.substr(0, comma));
        const std::size_t eq = item.rfind('=');
        std::string kind = "*";
        std::string_view number = item;
        if (eq != std::string_view::npos) {
            kind = std::string(trim(item.substr(0, eq)));
            number = trim(item.substr(eq + 1));
            if (kind.empty()) return std::nullopt;
        }
        auto n = parse_count(number);
        if (!n) return std::nullopt;
        out.emplace_back(std::move(kind), *n);
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
    return out;
}

inline std::optional<unsigned> parse_grace(std::string_view v) {
    std::uint64_t n = 0;
    if (!read_whole(v, 0, 600000, n)) return std::nullopt;
    return static_cast<unsigned>(n);
}

inline std::string describe_live(const std::vector<std::pair<std::string, std::uint64_t>>& v) {
    if (v.empty()) return "no limit";
    std::string s;
    for (const auto& [kind, n] : v) s += (s.empty() ? "" : ",") + (kind == "*" ? std::to_string(n) : kind + "=" + std::to_string(n));
    return s;
}

/// How a test-integration setting is applied. Its variable, flag and what it
/// accepts are detail::settings_table's, the one table of every setting.
struct setting {
    setting_id id;
    bool bare_is_true; // "--flag" alone means "--flag=1"
    bool (*apply)(test_leak_settings&, std::string_view);
    std::string (*current)(const test_leak_settings&);

    const char* flag() const noexcept { return setting_of(id).flag; } // without "--"
    const char* accepts() const noexcept { return setting_of(id).accepts; }
};

inline const std::vector<setting>& test_settings_table() {
    static const std::vector<setting> table = {
        {setting_id::detect_leaks, true,
         [](test_leak_settings& s, std::string_view v) { auto b = parse_bool(v); if (b) s.detect = *b; return b.has_value(); },
         [](const test_leak_settings& s) { return std::string(s.detect ? "1" : "0"); }},
        {setting_id::max_leaks, false,
         [](test_leak_settings& s, std::string_view v) { auto n = parse_count(v); if (n) s.max_leaks = n; return n.has_value(); },
         [](const test_leak_settings& s) { return s.max_leaks ? std::to_string(*s.max_leaks) : std::string("no limit"); }},
        {setting_id::max_weight, false,
         [](test_leak_settings& s, std::string_view v) { auto n = parse_bytes(v); if (n) s.max_weight = n; return n.has_value(); },
         [](const test_leak_settings& s) { return s.max_weight ? std::to_string(*s.max_weight) : std::string("no limit"); }},
        {setting_id::max_live, false,
         [](test_leak_settings& s, std::string_view v) { auto l = parse_max_live(v); if (l) s.max_live = std::move(*l); return l.has_value(); },
         [](const test_leak_settings& s) { return describe_live(s.max_live); }},
        {setting_id::leak_grace_ms, false,
         [](test_leak_settings& s, std::string_view v) { auto n = parse_grace(v); if (n) s.grace_ms = *n; return n.has_value(); },
         [](const test_leak_settings& s) { return std::to_string(s.grace_ms); }},
        {setting_id::self_test, true,
         [](test_leak_settings& s, std::string_view v) { auto b = parse_bool(v); if (b) s.self_test = *b; return b.has_value(); },
         [](const test_leak_settings& s) { return std::string(s.self_test ? "1" : "0"); }},
    };
    return table;
}

// ---- per-run state ----------------------------------------------------------

struct opt_out {
    std::string test, file, reason;
    unsigned line = 0;
    std::uint64_t leaked = 0; // resources left open while allowed
};

struct test_case {
    std::string name, file;
    unsigned line = 0;
    std::optional<std::string> allowed; // the opt-out's reason
    bool failed = false;
    std::uint64_t leaked_while_allowed = 0;
};

struct state {
    std::mutex mutex;
    test_leak_settings settings;
    bool configured = false;
    bool automatic_installed = false; // an integration's automatic mode is wired in
    std::optional<test_case> current;   // the test case being checked (automatic mode or a fixture)
    bool current_is_automatic = false;
    std::map<std::string, std::string> decorated; // "file:line:name" -> reason, from decorators/tags
    std::vector<opt_out> opt_outs;
    std::uint64_t checked = 0, failed = 0;
};

inline state& global() {
    static state* s = new state; // never destroyed: test cases may end during static destruction
    return *s;
}

/// Effects: applies the environment variables to `out`.
inline void apply_environment(test_leak_settings& out) {
    for (const setting& s : test_settings_table()) {
        const char* v = setting_value(s.id);
        if (v == nullptr) continue;
        if (!s.apply(out, v)) warn_ignored(stderr, s.id, v, s.current(out));
    }
}

/// Effects: applies lifecycle's flags (`--lifecycle-...`) among `args` (args[0]: the program) to `out`.
inline void apply_flags(test_leak_settings& out, const std::vector<std::string_view>& args) {
    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string_view a = args[i];
        if (a.rfind("--lifecycle-", 0) != 0) continue;
        a.remove_prefix(2);
        const std::size_t eq = a.find('=');
        const std::string_view name = a.substr(0, eq);
        const setting* found = nullptr;
        for (const setting& s : test_settings_table())
            if (name == s.flag()) found = &s;
        if (!found) {
            std::string known;
            for (const setting& s : test_settings_table()) known += (known.empty() ? "--" : ", --") + std::string(s.flag());
            std::fprintf(stderr, "lifecycle: ignoring unknown option --%s; lifecycle's options are %s\n",
                         text_word(name).c_str(), known.c_str());
            continue;
        }
        if (eq == std::string_view::npos) {
            if (found->bare_is_true) found->apply(out, "1");
            else std::fprintf(stderr, "lifecycle: ignoring --%s without a value: expected --%s=<%s>; using %s\n",
                              found->flag(), found->flag(), found->accepts(), found->current(out).c_str());
            continue;
        }
        const std::string_view value = a.substr(eq + 1);
        if (!found->apply(out, value))
            warn_ignored(stderr, "--" + std::string(found->flag()), value, found->accepts(), found->current(out));
    }
}

/// Returns: this process's command line, from /proc/self/cmdline (empty
/// where there is none): the integrations read flags without owning main().
inline std::vector<std::string> process_arguments() {
    std::vector<std::string> out;
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    if (!in) return out;
    const std::string all{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::size_t start = 0;
    while (start < all.size()) {
        std::size_t end = all.find('\0', start);
        if (end == std::string::npos) end = all.size();
        out.push_back(all.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

/// Effects: reads the environment and the command line once (the given
/// arguments, else /proc/self/cmdline); later calls read nothing. With
/// arguments, always removes lifecycle's flags from them, so that a framework
/// that rejects unknown options never sees them.
inline void configure(int* argc, char** argv) {
    state& st = global();
    std::lock_guard<std::mutex> lock(st.mutex);
    std::vector<std::string_view> args;
    if (argc && argv)
        for (int i = 0; i < *argc; ++i) args.emplace_back(argv[i]);
    if (!st.configured) {
        st.configured = true;
        apply_environment(st.settings);
        std::vector<std::string> storage;
        if (!(argc && argv)) {
            storage = process_arguments();
            for (const auto& a : storage) args.emplace_back(a);
        }
        apply_flags(st.settings, args);
        const test_leak_settings& s = st.settings;
        if (!s.detect && (s.max_leaks || s.max_weight || !s.max_live.empty() || s.grace_ms))
            std::fputs("lifecycle: leak thresholds and the grace period have no effect without --lifecycle-detect-leaks "
                       "or LIFECYCLE_DETECT_LEAKS=1\n", stderr);
#if !LIFECYCLE_TRACKING
        if (s.detect)
            std::fputs("lifecycle: leak detection was requested, but this binary is built with LIFECYCLE_TRACKING=0 "
                       "(NDEBUG is defined, e.g. a CMake Release build): nothing is tracked and no leak can be reported; "
                       "build the tests with LIFECYCLE_TRACKING=1\n", stderr);
#endif
    }
    if (argc && argv) {
        int kept = 0;
        for (int i = 0; i < *argc; ++i)
            if (i == 0 || std::string_view(argv[i]).rfind("--lifecycle-", 0) != 0) argv[kept++] = argv[i];
        for (int i = kept; i < *argc; ++i) argv[i] = nullptr;
        *argc = kept;
    }
}

/// Returns: the settings, reading the environment and /proc/self/cmdline first if nobody configured them.
inline test_leak_settings settings() {
    configure(nullptr, nullptr);
    state& st = global();
    std::lock_guard<std::mutex> lock(st.mutex);
    return st.settings;
}

inline std::string decoration_key(std::string_view file, unsigned line, std::string_view name) {
    return std::string(file) + ":" + std::to_string(line) + ":" + std::string(name);
}

/// Effects: records a decorator's (or tag's) opt-out of the test case at file:line named `name`.
inline void decorate(std::string_view file, unsigned line, std::string_view name, std::string reason) {
    state& st = global();
    std::lock_guard<std::mutex> lock(st.mutex);
    st.decorated[decoration_key(file, line, name)] = std::move(reason);
}

/// Effects: makes `c` the current test case. Returns: false if one is current already.
inline bool begin_case(test_case c, bool automatic) {
    state& st = global();
    std::lock_guard<std::mutex> lock(st.mutex);
    if (st.current) return false;
    auto it = st.decorated.find(decoration_key(c.file, c.line, c.name));
    if (it != st.decorated.end()) c.allowed = it->second;
    st.current = std::move(c);
    st.current_is_automatic = automatic;
    return true;
}

/// Effects: ends the current test case: counts it and lists its opt-out.
inline void end_case() {
    state& st = global();
    std::lock_guard<std::mutex> lock(st.mutex);
    if (!st.current) return;
    ++st.checked;
    if (st.current->failed) ++st.failed;
    if (st.current->allowed)
        st.opt_outs.push_back(opt_out{st.current->name, st.current->file, *st.current->allowed, st.current->line,
                                      st.current->leaked_while_allowed});
    st.current.reset();
    st.current_is_automatic = false;
}

inline bool automatic_case_running() {
    state& st = global();
    std::lock_guard<std::mutex> lock(st.mutex);
    return st.current && st.current_is_automatic;
}

/// The outcome of one check.
struct verdict {
    bool failed = false;
    std::uint64_t leaked = 0; ///< resources left open (failing or not)
    std::string message;      ///< for a failure: what failed, then the report
};

inline std::optional<std::uint64_t> live_limit(const test_leak_settings& s, const std::string& kind) {
    std::optional<std::uint64_t> all, mine;
    for (const auto& [k, n] : s.max_live) {
        if (k == "*") all = n;
        else if (k == kind) mine = n;
    }
    return mine ? mine : all;
}

inline bool over_thresholds(const test_leak_settings& s, const leak_report& r) {
    if (r.empty()) return false;
    if (!s.max_leaks && !s.max_weight) return true;
    return (s.max_leaks && r.count() > *s.max_leaks) || (s.max_weight && r.total_weight() > *s.max_weight);
}

inline std::string limits_text(const test_leak_settings& s) {
    if (!s.max_leaks && !s.max_weight) return "none may be left open";
    std::string t;
    if (s.max_leaks) t += "at most " + std::to_string(*s.max_leaks) + " may be left open";
    if (s.max_weight) t += std::string(t.empty() ? "" : ", ") + "at most " + human_bytes(*s.max_weight) + " may be held";
    return t;
}

/// One pass of a test body inside a leak scope: `finish()` checks it against
/// the settings (waiting out the grace period) and the current opt-out, and
/// appends its timeline line to LIFECYCLE_REPORT_FILE (docs/report-schema.md).
class checked_run {
public:
    /// `attached`: the outcome counts for the current test case (its opt-out,
    /// its failure) and goes to the timeline. `file`, `line`: the test's.
    checked_run(const std::string& test_name, test_leak_settings s, bool attached = true, const char* file = "",
                unsigned line = 0)
        : settings_(std::move(s)), scope_(test_name, leak_policy::ignore), attached_(attached), file_(file), line_(line) {
#if LIFECYCLE_TRACKING
        if (!settings_.max_live.empty() || (attached_ && setting_value(setting_id::report_file)))
            window_ = std::make_unique<timeline_window>();
#endif
    }
    checked_run(const checked_run&) = delete;
    checked_run& operator=(const checked_run&) = delete;

    verdict finish() {
        bool allowed_case = false;
        verdict v = judge(allowed_case);
#if LIFECYCLE_TRACKING
        if (window_ && attached_ && setting_value(setting_id::report_file)) {
            std::string extra = "\"file\":";
            json_string(extra, file_ ? file_ : "");
            extra += ",\"line\":" + std::to_string(line_) + ",\"failed\":" + (v.failed ? "true" : "false") +
                     ",\"allowed\":" + (allowed_case ? "true" : "false") + ",\"leaked\":" + std::to_string(v.leaked);
            append_report_line(window_->json("test", scope_.name(), extra));
        }
#else
        (void)file_;
        (void)line_;
#endif
        return v;
    }

private:
    verdict judge(bool& allowed_case) {
        verdict v;
        leak_report r = scope_.check();
        bool over = over_thresholds(settings_, r);
        std::string waited;
        if (over && settings_.grace_ms > 0 && !allowed()) { // an allowed test's leaks fail nothing: no wait
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.grace_ms);
            auto step = std::chrono::milliseconds(1);
            while (over && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(step, deadline - std::chrono::steady_clock::now()));
                step = std::min(step * 2, std::chrono::milliseconds(20));
                r = scope_.check();
                over = over_thresholds(settings_, r);
            }
            waited = " (still open after a grace period of " + std::to_string(settings_.grace_ms) + " ms)";
        }
        v.leaked = r.count();
        std::string live_failures;
#if LIFECYCLE_TRACKING
        // The most live at once during the test, across its threads, beyond
        // what was live when it began (earlier tests' leaks do not count).
        if (!settings_.max_live.empty() && window_) {
            for (const timeline_window::kind_line& k : window_->kinds()) {
                const auto limit = live_limit(settings_, k.kind);
                if (!limit || k.growth <= *limit) continue;
                live_failures += "lifecycle: " + std::to_string(k.growth) + " x " + text_word(k.kind) + " were live at once in test '" +
                                 text_word(scope_.name()) + "' (at most " + std::to_string(*limit) + " allowed; " +
                                 std::to_string(k.still_open) + " still live at its end)\n";
            }
        }
#endif
        const bool failing = over || !live_failures.empty();
        state& st = global();
        std::lock_guard<std::mutex> lock(st.mutex);
        test_case* current = attached_ && st.current ? &*st.current : nullptr;
        if (current && current->allowed) {
            current->leaked_while_allowed += v.leaked;
            allowed_case = true;
            return v;
        }
        if (!failing) return v;
        v.failed = true;
        if (current) current->failed = true;
        if (!r.empty()) append_report_file(r); // LIFECYCLE_REPORT_FILE: every failing test's report
        v.message = live_failures;
        if (over) {
            v.message += "lifecycle: test '" + text_word(scope_.name()) + "' left " + plural(r.count(), "resource", "resources") +
                         " open" + (r.total_weight() ? " holding " + human_bytes(r.total_weight()) : std::string()) +
                         waited + "; " + limits_text(settings_) + "\n" + r.to_text();
        } else if (!r.empty()) {
            v.message += r.to_text();
        }
        return v;
    }

    // The current test case opted out (a decorator, a tag or allow_leaks()).
    bool allowed() const {
        state& st = global();
        std::lock_guard<std::mutex> lock(st.mutex);
        return attached_ && st.current && st.current->allowed;
    }

    test_leak_settings settings_;
    leak_scope scope_;
    bool attached_;
    const char* file_;
    unsigned line_;
#if LIFECYCLE_TRACKING
    std::unique_ptr<timeline_window> window_; // max-live or the timeline: opened after the scope began
#endif
};

/// Returns: the lines printed at the end of a run: counts and every opt-out.
inline std::string summary() {
    state& st = global();
    std::lock_guard<std::mutex> lock(st.mutex);
    std::string out;
    if (st.settings.detect)
        out += "lifecycle: leak checks: " + plural(st.checked, "test case", "test cases") + " checked, " +
               std::to_string(st.failed) + " failed, " + std::to_string(st.opt_outs.size()) + " allowed to leak\n";
    if (!st.opt_outs.empty()) {
        out += "lifecycle: tests allowed to leak (" + std::to_string(st.opt_outs.size()) + "):\n";
        for (const opt_out& o : st.opt_outs) {
            out += "  '" + text_word(o.test) + "' (";
            append_text_word(out, o.file, static_cast<std::size_t>(-1)); // a path: escaped, never cut
            out += ":" + std::to_string(o.line) + "): " + text_word(o.reason);
            out += o.leaked ? " — left " + plural(o.leaked, "resource", "resources") + " open\n" : " — left nothing open\n";
        }
    }
    return out;
}

} // namespace testing
} // namespace detail

/// Effects: lets the running test case leave resources open; the reason is
/// listed at the end of the run. Outside a checked test case, does nothing.
/// Thread-safe.
inline void allow_leaks(std::string_view reason) {
    auto& st = detail::testing::global();
    std::lock_guard<std::mutex> lock(st.mutex);
    if (st.current) st.current->allowed = std::string(reason.empty() ? "no reason given" : reason);
}

/// Returns: the settings of the automatic leak check, from the flags and
/// environment (read once, on first use).
inline test_leak_settings current_test_leak_settings() { return detail::testing::settings(); }

/// Checks that leak checking works in this build: that tracking is compiled
/// in, that a resource planted inside a checked scope is reported with its
/// creation site, and (when automatic mode is on) that the calling test case
/// itself runs inside an automatic leak check.
/// Returns: "" when all holds, else what does not.
inline std::string leak_check_self_test() {
#if !LIFECYCLE_TRACKING
    return "lifecycle self-test: tracking is compiled out (LIFECYCLE_TRACKING=0, e.g. because NDEBUG is defined): "
           "no leak can be reported; build the tests with LIFECYCLE_TRACKING=1";
#else
    const test_leak_settings s = detail::testing::settings();
    if (s.detect && !detail::testing::automatic_case_running())
        return "lifecycle self-test: automatic mode is on, but this test case does not run inside it: the "
               "integration's hook is not installed (add LIFECYCLE_DOCTEST_AUTO(), LIFECYCLE_GTEST_AUTO() or "
               "LIFECYCLE_CATCH2_AUTO() to the test program)";
    test_leak_settings strict;
    std::string planted_text;
    {
        detail::testing::checked_run planted("lifecycle self-test", strict, false);
        tracked_fd fd{::open("/dev/null", O_RDONLY), "lifecycle self-test: planted leak"}; const unsigned line = __LINE__;
        if (!fd) return "lifecycle self-test: could not open /dev/null to plant a leak";
        const auto v = planted.finish();
        if (!v.failed || v.leaked != 1)
            return "lifecycle self-test: a planted, still open fd was not reported as a leak";
        if (v.message.find("'lifecycle self-test: planted leak'") == std::string::npos)
            return "lifecycle self-test: the report does not name the planted resource:\n" + v.message;
        if (current_capture() != capture::off && v.message.find(":" + std::to_string(line) + ")") == std::string::npos)
            return "lifecycle self-test: the report does not show where the planted resource was created:\n" + v.message;
    }
    {
        detail::testing::checked_run closed("lifecycle self-test (closed)", strict, false);
        { tracked_fd fd{::open("/dev/null", O_RDONLY), "lifecycle self-test: closed"}; }
        if (closed.finish().failed) return "lifecycle self-test: a closed fd was reported as a leak";
    }
    if (s.grace_ms > 0) {
        test_leak_settings graced = strict;
        graced.grace_ms = s.grace_ms;
        detail::testing::checked_run late("lifecycle self-test (grace)", graced, false);
        auto fd = std::make_unique<tracked_fd>(::open("/dev/null", O_RDONLY), "lifecycle self-test: closed late");
        std::thread closer([&fd, ms = s.grace_ms] {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms / 4));
            fd.reset();
        });
        const auto v = late.finish();
        closer.join();
        if (v.failed)
            return "lifecycle self-test: an fd closed by another thread within the grace period was reported:\n" + v.message;
    }
    return {};
#endif
}

LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_TEST_INTEGRATION_HPP
