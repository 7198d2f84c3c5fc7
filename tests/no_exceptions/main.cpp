// SPDX-License-Identifier: BSL-1.0
// lifecycle_tests_no_exceptions: the library in a build with -fno-exceptions
// and -fno-rtti (doctest detects both; its assertions keep working).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#define DOCTEST_CONFIG_NO_POSIX_SIGNALS // the abort tests abort in forked children
#include <doctest/doctest.h>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(__GXX_RTTI) || defined(__cpp_rtti)
#    error "tests/no_exceptions must be built with -fno-exceptions -fno-rtti"
#endif
