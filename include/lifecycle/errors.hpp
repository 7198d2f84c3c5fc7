// SPDX-License-Identifier: BSL-1.0
// lifecycle/errors.hpp — the error codes lifecycle itself produces, as a
// std::error_code category ("lifecycle").
//
//   std::error_code ec = fd.close();
//   if (ec == lifecycle::lifecycle_errc::closed_elsewhere) { /* another wrapper closed it */ }
//
// Includes only `<system_error>`; nothing here allocates or throws.
#ifndef LIFECYCLE_ERRORS_HPP
#define LIFECYCLE_ERRORS_HPP

#include <lifecycle/config.hpp>

#include <string>
#include <system_error>

LIFECYCLE_BEGIN_NAMESPACE

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

/// Returns: the category of `lifecycle_errc`.
inline const std::error_category& lifecycle_category() noexcept {
    static const detail::lifecycle_category_impl category;
    return category;
}

/// Returns: `e` as an error code of lifecycle's category.
inline std::error_code make_error_code(lifecycle_errc e) noexcept {
    return {static_cast<int>(e), lifecycle_category()};
}

LIFECYCLE_END_NAMESPACE

namespace std {
template <>
struct is_error_code_enum<lifecycle::lifecycle_errc> : true_type {};
} // namespace std

#endif // LIFECYCLE_ERRORS_HPP
