// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/function.hpp — private. std::function for the handler
// types of the public API (close_error_handler, ownership_handler,
// leak_handler). With libstdc++ it comes from the one internal header that
// defines it: <functional> brings searchers and hash tables too, several
// times the preprocessed size (README, "Compile time"). Elsewhere, <functional>.
#ifndef LIFECYCLE_DETAIL_FUNCTION_HPP
#define LIFECYCLE_DETAIL_FUNCTION_HPP

#include <cstddef> // defines __GLIBCXX__ under libstdc++

#if defined(__GLIBCXX__) && defined(__has_include)
#    if __has_include(<bits/std_function.h>)
#        include <bits/std_function.h>
#        define LIFECYCLE_DETAIL_STD_FUNCTION_ALONE 1
#    endif
#endif
#ifndef LIFECYCLE_DETAIL_STD_FUNCTION_ALONE
#    include <functional>
#endif

#endif // LIFECYCLE_DETAIL_FUNCTION_HPP
