# SPDX-License-Identifier: BSL-1.0
# Included by tests/CMakeLists.txt: lifecycle builds with CMake 3.16, as far
# as a newer CMake can tell (Debian 12 has no older one).
#
#   cmake-3.16.scan      no CMake file uses what 3.16 lacks (scan.cmake,
#                        the list in features.txt, its own negative control)
#   cmake-3.16.policies  the project configured with the policies of 3.16
#                        alone: no policy warning in lifecycle's files, the
#                        showcase example's report has its file:line frames
#                        (policies.cmake)
#
# Labels cmake-3.16 and consumer (they are about how a CMake project uses
# lifecycle; like the consumer tests, they run in run-tests' gcc stage only).
add_test(NAME cmake-3.16.scan
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -P ${CMAKE_CURRENT_LIST_DIR}/scan.cmake)
add_test(NAME cmake-3.16.policies
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DWORK=${PROJECT_BINARY_DIR}/cmake-3.16
    "-DGENERATOR=${CMAKE_GENERATOR}" -DMAKE_PROGRAM=${CMAKE_MAKE_PROGRAM} -DCXX=${CMAKE_CXX_COMPILER}
    -DCTEST=${CMAKE_CTEST_COMMAND} -DBACKEND=${LIFECYCLE_STACKTRACE_BACKEND}
    -P ${CMAKE_CURRENT_LIST_DIR}/policies.cmake)
set_tests_properties(cmake-3.16.scan cmake-3.16.policies PROPERTIES LABELS "cmake-3.16;consumer" TIMEOUT 300)
