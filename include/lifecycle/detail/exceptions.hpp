// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/exceptions.hpp — private. How lifecycle throws and
// catches, so that it also builds with -fno-exceptions.
//
// With exceptions (the default) the macros are the keywords. Without them
// (g++/clang -fno-exceptions: __cpp_exceptions undefined) nothing can be
// thrown: a try block is an `if (true)`, each handler an unreachable
// `else if (false)` (a named handler still declares its variable, bound to
// nothing, so its body compiles unchanged), a rethrow is nothing, and what
// lifecycle would throw (a refused closer::add, close_all_or_throw()'s
// close_error, keep_alive without a reason) is printed to stderr as
// its what() ("lifecycle: ...") before std::abort(), as the standard library does
// with -fno-exceptions. Out of memory aborts inside the standard library.
//
//   LIFECYCLE_DETAIL_TRY { risky(); }
//   LIFECYCLE_DETAIL_CATCH(const std::exception& e) { note(e.what()); }
//   LIFECYCLE_DETAIL_CATCH_ALL { cleanup(); LIFECYCLE_DETAIL_RETHROW; }
//   LIFECYCLE_DETAIL_THROW(std::invalid_argument("..."));
#ifndef LIFECYCLE_DETAIL_EXCEPTIONS_HPP
#define LIFECYCLE_DETAIL_EXCEPTIONS_HPP

#include <lifecycle/config.hpp>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#    define LIFECYCLE_DETAIL_EXCEPTIONS 1
#    define LIFECYCLE_DETAIL_TRY try
#    define LIFECYCLE_DETAIL_CATCH(declaration) catch (declaration)
#    define LIFECYCLE_DETAIL_CATCH_ALL catch (...)
#    define LIFECYCLE_DETAIL_RETHROW throw
#    define LIFECYCLE_DETAIL_THROW(exception) throw exception
#else
#    include <cstdio>
#    include <cstdlib>

#    define LIFECYCLE_DETAIL_EXCEPTIONS 0
#    define LIFECYCLE_DETAIL_TRY if (true)
#    define LIFECYCLE_DETAIL_CATCH(declaration) \
        else if (false) for (declaration = ::lifecycle::detail::no_exception{}; false;)
#    define LIFECYCLE_DETAIL_CATCH_ALL else if (false)
#    define LIFECYCLE_DETAIL_RETHROW static_cast<void>(0)
#    define LIFECYCLE_DETAIL_THROW(exception) ::lifecycle::detail::abort_with(exception)

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

// What a handler's variable is bound to when nothing can be caught: its
// code is unreachable (`else if (false)`), never run.
struct no_exception {
    template <class E>
    operator E&() const noexcept {
        std::abort();
    }
};

// What a throw does without exceptions: the message, then abort. lifecycle's
// own messages begin with "lifecycle"; others (std::bad_alloc) get the prefix.
template <class E>
[[noreturn]] void abort_with(const E& e) noexcept {
    const char* what = e.what();
    const char* ours = "lifecycle";
    std::size_t i = 0;
    while (ours[i] != '\0' && what[i] == ours[i]) ++i;
    std::fprintf(stderr, "%s%s (built with -fno-exceptions: aborting instead of throwing)\n",
                 ours[i] == '\0' ? "" : "lifecycle: ", what);
    std::fflush(stderr);
    std::abort();
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif

#endif // LIFECYCLE_DETAIL_EXCEPTIONS_HPP
