// SPDX-License-Identifier: BSL-1.0
// The one doctest main of the test suite.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
