// SPDX-License-Identifier: BSL-1.0
// lifecycle/close_error.hpp — placeholder while the closer's result types move here.
#ifndef LIFECYCLE_CLOSE_ERROR_HPP
#define LIFECYCLE_CLOSE_ERROR_HPP

#include <lifecycle/close_failure.hpp>

#endif // LIFECYCLE_CLOSE_ERROR_HPP
