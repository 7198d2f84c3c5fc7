// lifecycle/close_error.hpp — what happens to a close that fails where nobody
// can be told: in a destructor, in `reset()`, in a closer's destructor.
//
// Nothing is swallowed. A failure is handed to the close-error handler, one
// per process; the default handler writes one line to stderr naming the kind,
// the label, the error and the creation site. Explicit `close()` calls return
// their error instead and do not call the handler.
//
//   auto previous = lifecycle::set_close_error_handler([](const lifecycle::close_failure& f) {
//       my_log.error("{} '{}' failed to close: {}", f.kind, f.label, f.error.message());
//   });
//
// Thread safety: the handler may be replaced while other threads close
// resources; a handler runs on the thread whose close failed and must not throw.
#ifndef LIFECYCLE_CLOSE_ERROR_HPP
#define LIFECYCLE_CLOSE_ERROR_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/source_site.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

LIFECYCLE_BEGIN_NAMESPACE

/// One failed close, as handed to the close-error handler. The views are valid
/// only during the handler call.
struct close_failure {
    std::string_view kind;     ///< the traits' kind name, e.g. "fd"
    std::string_view label;    ///< the label given at creation (empty when untracked)
    source_site site;          ///< where the resource was created (unknown when untracked or capture is off)
    std::error_code error;     ///< the close function's error; `lifecycle_errc::close_threw` for exceptions
    std::string_view what;     ///< an exception's message, or empty
};

/// Errors lifecycle itself produces.
enum class lifecycle_errc {
    close_threw = 1,       ///< the close function threw; `close_failure::what` has the message
    close_returned_false,  ///< a close function returning bool returned false
    closed_elsewhere,      ///< not closed: another wrapper already closed the same handle (ownership.hpp)
};

namespace detail {
class lifecycle_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "lifecycle"; }
    std::string message(int c) const override {
        switch (static_cast<lifecycle_errc>(c)) {
        case lifecycle_errc::close_threw: return "the close function threw an exception";
        case lifecycle_errc::close_returned_false: return "the close function returned false";
        case lifecycle_errc::closed_elsewhere: return "the handle was already closed through another wrapper";
        }
        return "unknown lifecycle error";
    }
};
} // namespace detail

/// The category of `lifecycle_errc`.
inline const std::error_category& lifecycle_category() noexcept {
    static const detail::lifecycle_category_impl category;
    return category;
}

inline std::error_code make_error_code(lifecycle_errc e) noexcept {
    return {static_cast<int>(e), lifecycle_category()};
}

using close_error_handler = std::function<void(const close_failure&)>;

namespace detail {

inline void write_close_failure(const close_failure& f) noexcept {
    // stdio, not iostreams: the handler also runs during static destruction.
    std::string line;
    try {
        line = "lifecycle: failed to close ";
        line.append(f.kind.data(), f.kind.size());
        if (!f.label.empty()) {
            line += " '";
            line.append(f.label.data(), f.label.size());
            line += '\'';
        }
        line += ": ";
        line += f.error.message();
        if (!f.what.empty()) {
            line += " (";
            line.append(f.what.data(), f.what.size());
            line += ')';
        }
        if (f.site.known()) {
            line += ", created at ";
            line += f.site.function;
            line += " (";
            line += f.site.file;
            line += ':';
            line += std::to_string(f.site.line);
            line += ')';
        }
        line += '\n';
        std::fwrite(line.data(), 1, line.size(), stderr);
    } catch (...) {
        std::fputs("lifecycle: failed to close a resource (out of memory while describing it)\n", stderr);
    }
}

struct close_handler_state {
    std::mutex mutex;
    std::shared_ptr<const close_error_handler> handler;
};

// Never destroyed: closes fail during static destruction too.
LIFECYCLE_DETAIL_EXPORT inline close_handler_state& close_handler() noexcept {
    static close_handler_state* state = new close_handler_state;
    return *state;
}

} // namespace detail

/// Effects: makes `handler` the process's close-error handler; an empty
/// function restores the default (one line on stderr).
/// Returns: the previous handler (empty if it was the default).
inline close_error_handler set_close_error_handler(close_error_handler handler) {
    auto next = handler ? std::make_shared<const close_error_handler>(std::move(handler)) : nullptr;
    auto& state = detail::close_handler();
    std::lock_guard<std::mutex> lock(state.mutex);
    auto previous = std::exchange(state.handler, std::move(next));
    return previous ? *previous : close_error_handler{};
}

/// Effects: hands `failure` to the current handler. A handler that throws is
/// reported on stderr; the exception does not escape.
inline void report_close_failure(const close_failure& failure) noexcept {
    std::shared_ptr<const close_error_handler> handler;
    {
        auto& state = detail::close_handler();
        std::lock_guard<std::mutex> lock(state.mutex);
        handler = state.handler;
    }
    if (!handler) {
        detail::write_close_failure(failure);
        return;
    }
    try {
        (*handler)(failure);
    } catch (...) {
        detail::write_close_failure(failure);
        std::fputs("lifecycle: the close-error handler threw; the failure above was printed instead\n", stderr);
    }
}

LIFECYCLE_END_NAMESPACE

namespace std {
template <>
struct is_error_code_enum<lifecycle::lifecycle_errc> : true_type {};
} // namespace std

#endif // LIFECYCLE_CLOSE_ERROR_HPP
