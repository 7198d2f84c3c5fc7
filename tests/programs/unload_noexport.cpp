// SPDX-License-Identifier: BSL-1.0
// tests/programs/unload.cpp linked without -rdynamic: the plugin can bind
// none of the program's symbols, and finds its registry through the modules'
// notes (detail/module_note.hpp).
#include "programs/unload.cpp"
