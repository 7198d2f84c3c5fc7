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
#ifndef LIFECYCLE_LEAK_SCOPE_HPP
#define LIFECYCLE_LEAK_SCOPE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/registry.hpp>
#include <lifecycle/report.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

LIFECYCLE_BEGIN_NAMESPACE

/// What a leak scope's destructor does with a non-empty report.
enum class leak_policy {
    print,        ///< write the report to stderr (default)
    abort,        ///< write the report to stderr, then std::abort()
    call_handler, ///< call the scope's handler with the report
    ignore,       ///< nothing; call check() yourself
};

using leak_handler = std::function<void(const leak_report&)>;

/// Options of a leak scope; every member has a default.
struct leak_scope_options {
    leak_policy policy = leak_policy::print;
    leak_handler handler;          ///< used by leak_policy::call_handler
    bool this_thread_only = false; ///< count only resources created on the scope's thread
};

namespace detail {
inline void write_report(const leak_report& r) noexcept {
    try {
        const std::string text = r.to_text();
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
    } catch (...) {
        std::fputs("lifecycle: a leak report could not be rendered (out of memory)\n", stderr);
    }
}
} // namespace detail

/// Marks the start of a scope whose leaks `check()` and the destructor report.
class leak_scope final {
public:
    /// Effects: begins a scope named `name` with policy `policy`.
    explicit leak_scope(std::string_view name = {}, leak_policy policy = leak_policy::print)
        : leak_scope(name, leak_scope_options{policy, {}, false}) {}

    /// Effects: begins a scope whose destructor calls `handler` with a non-empty report.
    leak_scope(std::string_view name, leak_handler handler)
        : leak_scope(name, leak_scope_options{leak_policy::call_handler, std::move(handler), false}) {}

    /// Effects: begins a scope with `options`.
    /// Throws: std::invalid_argument if the policy is call_handler and no handler is given.
    leak_scope(std::string_view name, leak_scope_options options) : name_(name), options_(std::move(options)) {
        if (options_.policy == leak_policy::call_handler && !options_.handler)
            throw std::invalid_argument("lifecycle::leak_scope: leak_policy::call_handler needs a handler");
#if LIFECYCLE_TRACKING
        auto& reg = detail::instance();
        interned_ = reg.intern_name(name_);
        thread_ = detail::registry::thread_id();
        start_ = reg.mark();
        outer_ = std::exchange(detail::registry::tls_scope_name, interned_);
#endif
    }

    leak_scope(const leak_scope&) = delete;
    leak_scope& operator=(const leak_scope&) = delete;

    /// Effects: applies the policy to `check()`'s report. Never throws: a
    /// handler's exception is reported on stderr.
    ~leak_scope() {
#if LIFECYCLE_TRACKING
        detail::registry::tls_scope_name = outer_;
        if (options_.policy == leak_policy::ignore) return;
        try {
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
        } catch (const std::exception& e) {
            std::fprintf(stderr, "lifecycle: leak scope '%s' could not report: %s\n", name_.c_str(), e.what());
        } catch (...) {
            std::fprintf(stderr, "lifecycle: leak scope '%s' could not report: unknown exception\n", name_.c_str());
        }
#endif
    }

    /// Returns: the resources created since this scope began (on its thread
    /// only, if so configured) that are still open.
    leak_report check() const {
#if LIFECYCLE_TRACKING
        auto& reg = detail::instance();
        return leak_report::from_records(name_, reg.live_since(start_, options_.this_thread_only ? thread_ : 0),
                                         reg.capture_mode());
#else
        return leak_report{};
#endif
    }

    /// Returns: the scope's name.
    const std::string& name() const noexcept { return name_; }

private:
    std::string name_;
    leak_scope_options options_;
#if LIFECYCLE_TRACKING
    detail::watermark start_;
    const char* interned_ = nullptr;
    const char* outer_ = nullptr;
    int thread_ = 0;
#endif
};

namespace detail {
[[noreturn]] inline void assert_failed(const leak_report& r, const char* expr, const char* file, int line) noexcept {
    write_report(r);
    std::fprintf(stderr, "%s:%d: LIFECYCLE_ASSERT_NO_LEAKS(%s) failed\n", file, line, expr);
    std::abort();
}
} // namespace detail

LIFECYCLE_END_NAMESPACE

#if LIFECYCLE_TRACKING
/// Aborts with the report when `scope` has leaked resources (tracking builds only).
#    define LIFECYCLE_ASSERT_NO_LEAKS(scope)                                                              \
        do {                                                                                              \
            const ::lifecycle::leak_report lifecycle_detail_report_ = (scope).check();                    \
            if (!lifecycle_detail_report_.empty())                                                        \
                ::lifecycle::detail::assert_failed(lifecycle_detail_report_, #scope, __FILE__, __LINE__); \
        } while (false)
#else
#    define LIFECYCLE_ASSERT_NO_LEAKS(scope) ((void)sizeof(scope))
#endif

#endif // LIFECYCLE_LEAK_SCOPE_HPP
