// SPDX-License-Identifier: BSL-1.0
// src/lifecycle_untracked.cpp — the compiled mode's LIFECYCLE_TRACKING=0
// half (see src/lifecycle.cpp): the same cold paths in the untracked ABI
// namespace, for files built with NDEBUG.
#define LIFECYCLE_TRACKING 0
#include "lifecycle.cpp"
