# Programs run in a subprocess. Each tests/programs/<program>[.<variant>].expect
# is a test: run program_<program> and match its output (cmake/run-and-match.cmake).
file(GLOB lifecycle_program_expects CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/programs/*.expect)
foreach(expect IN LISTS lifecycle_program_expects)
  get_filename_component(test_name ${expect} NAME_WLE)
  string(REGEX REPLACE "\\..*$" "" program ${test_name})
  add_test(NAME program.${test_name}
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:program_${program}> -DEXPECT=${expect}
            -P ${PROJECT_SOURCE_DIR}/cmake/run-and-match.cmake)
endforeach()

# doctest_leaks needs doctest.
target_link_libraries(program_doctest_leaks PRIVATE doctest::doctest)

# One registry per process across shared objects built with hidden visibility.
foreach(lib a b)
  add_library(lifecycle_dso_${lib} SHARED ${CMAKE_CURRENT_SOURCE_DIR}/programs/dso/lib_${lib}.cpp)
  target_link_libraries(lifecycle_dso_${lib} PRIVATE lifecycle::lifecycle lifecycle_dev_flags)
  set_target_properties(lifecycle_dso_${lib} PROPERTIES CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
endforeach()
add_executable(program_two_dsos ${CMAKE_CURRENT_SOURCE_DIR}/programs/dso/main.cpp)
target_link_libraries(program_two_dsos PRIVATE lifecycle::lifecycle lifecycle_dso_a lifecycle_dso_b lifecycle_dev_flags)
add_test(NAME program.two_dsos
  COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:program_two_dsos>
          -DEXPECT=${CMAKE_CURRENT_SOURCE_DIR}/programs/dso/main.expect -P ${PROJECT_SOURCE_DIR}/cmake/run-and-match.cmake)

# Translation units built with different LIFECYCLE_TRACKING settings must not link.
add_executable(program_mixed_modes EXCLUDE_FROM_ALL
  ${CMAKE_CURRENT_SOURCE_DIR}/programs/mixed/tracking_tu.cpp ${CMAKE_CURRENT_SOURCE_DIR}/programs/mixed/untracked_tu.cpp)
target_link_libraries(program_mixed_modes PRIVATE lifecycle::lifecycle)
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/programs/mixed/tracking_tu.cpp PROPERTIES COMPILE_DEFINITIONS LIFECYCLE_TRACKING=1)
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/programs/mixed/untracked_tu.cpp PROPERTIES COMPILE_DEFINITIONS LIFECYCLE_TRACKING=0)
add_test(NAME program.mixed_modes_do_not_link
  COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR} -DTARGET=program_mixed_modes
          "-DPATTERN=undefined reference to .*use.*v0_tracking"
          -P ${CMAKE_CURRENT_SOURCE_DIR}/programs/expect-build-failure.cmake)
