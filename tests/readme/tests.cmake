# SPDX-License-Identifier: BSL-1.0
# Included by tests/CMakeLists.txt: every ```cpp block of README.md compiles
# (cmake/readme-blocks.cmake), and a negative control shows that a broken
# block fails the test at its line.
#
# readme_blocks is never built: its one source gives compile_commands.json the
# command line (compiler, standard, include paths, definitions) the blocks are
# compiled with, framework include paths included.
#
# cmake-3.16: allow EXPORT_COMPILE_COMMANDS(target-property) (tests/CMakeLists.txt includes this file only with CMake 3.20 or later)
add_library(readme_blocks OBJECT EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/block.cpp)
set_target_properties(readme_blocks PROPERTIES EXPORT_COMPILE_COMMANDS ON)
target_link_libraries(readme_blocks PRIVATE lifecycle::lifecycle doctest::doctest
  $<$<BOOL:${GTest_FOUND}>:GTest::gtest> $<$<BOOL:${Catch2_FOUND}>:Catch2::Catch2>)
set(lifecycle_readme_frameworks doctest)
if(GTest_FOUND)
  list(APPEND lifecycle_readme_frameworks gtest)
endif()
if(Catch2_FOUND)
  list(APPEND lifecycle_readme_frameworks catch2)
endif()
string(REPLACE ";" "," lifecycle_readme_frameworks "${lifecycle_readme_frameworks}") # one argument

foreach(case IN ITEMS blocks negative_control)
  if(case STREQUAL "blocks")
    set(markdown ${PROJECT_SOURCE_DIR}/README.md)
    set(expect)
  else()
    set(markdown ${CMAKE_CURRENT_LIST_DIR}/negative_control.md)
    # The lines of negative_control.md whose blocks must fail.
    set(expect "-DEXPECT_FAILURES=21,39")
  endif()
  add_test(NAME readme.${case}
    COMMAND ${CMAKE_COMMAND} -DREADME=${markdown} -DBUILD_DIR=${PROJECT_BINARY_DIR} -DTARGET=readme_blocks
            -DSOURCE=${CMAKE_CURRENT_LIST_DIR}/block.cpp -DPRELUDE=${CMAKE_CURRENT_LIST_DIR}/prelude.hpp
            -DOUT_DIR=${CMAKE_CURRENT_BINARY_DIR}/readme/${case} -DFRAMEWORKS=${lifecycle_readme_frameworks} ${expect}
            -P ${PROJECT_SOURCE_DIR}/cmake/readme-blocks.cmake)
  set_tests_properties(readme.${case} PROPERTIES LABELS readme TIMEOUT 300)
endforeach()
