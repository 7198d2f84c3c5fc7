// SPDX-License-Identifier: BSL-1.0
// Never built: the object library readme_blocks compiles this file only so that
// compile_commands.json holds the command line (compiler, flags, include paths)
// with which cmake/readme-blocks.cmake compiles each ```cpp block of README.md.
#include "prelude.hpp"
