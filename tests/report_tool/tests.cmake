# SPDX-License-Identifier: BSL-1.0
# Included by the top-level CMakeLists.txt (after examples/, whose targets it runs).
# tools/lifecycle-report on the reports of real test binaries (label: tool).
# report_tool.shards runs the doctest and GoogleTest story examples and the
# automatic-mode programs into two shard files (a CTest fixture); each other
# test reads them. A test that cannot run here (no Chromium, no SARIF schema,
# no python3-jsonschema) prints one SKIP line and is reported as skipped.
# The SARIF schema: LIFECYCLE_SARIF_SCHEMA (CMake cache or environment), by
# default ../shared/schemas/sarif-schema-2.1.0.json beside the source tree.
find_package(Python3 COMPONENTS Interpreter)
find_package(doctest 2.4 QUIET)
if(NOT Python3_FOUND OR NOT TARGET example_doctest_stories OR NOT TARGET example_gtest_stories
   OR NOT TARGET program_gtest_auto)
  message(STATUS "lifecycle: tools/lifecycle-report is not tested (needs Python 3, doctest and GoogleTest)")
  return()
endif()
if(NOT DEFINED LIFECYCLE_SARIF_SCHEMA)
  if(DEFINED ENV{LIFECYCLE_SARIF_SCHEMA})
    set(LIFECYCLE_SARIF_SCHEMA "$ENV{LIFECYCLE_SARIF_SCHEMA}")
  else()
    get_filename_component(LIFECYCLE_SARIF_SCHEMA "${PROJECT_SOURCE_DIR}/../shared/schemas/sarif-schema-2.1.0.json" ABSOLUTE)
  endif()
endif()

# Offline symbolization: examples/doctest_stories.cpp built again with
# Boost.Stacktrace's noop backend, so that its reports carry frames with a
# module, a build id and an offset but no names (capture on, symbolizing in
# process skipped); and rebuilt with other flags (another build id), which
# the tool must refuse in its place.
set(lifecycle_report_offline)
if(NOT LIFECYCLE_STACKTRACE_BACKEND STREQUAL "none" AND NOT LIFECYCLE_COMPILED)
  add_library(lifecycle_report_tool_noop INTERFACE)
  target_include_directories(lifecycle_report_tool_noop INTERFACE ${PROJECT_SOURCE_DIR}/include)
  target_compile_features(lifecycle_report_tool_noop INTERFACE cxx_std_17)
  target_compile_definitions(lifecycle_report_tool_noop INTERFACE LIFECYCLE_TRACKING=1)
  target_compile_options(lifecycle_report_tool_noop INTERFACE -g -fno-omit-frame-pointer)
  target_link_libraries(lifecycle_report_tool_noop INTERFACE Threads::Threads doctest::doctest)
  lifecycle_link_stacktrace(lifecycle_report_tool_noop noop)
  foreach(variant IN ITEMS unsymbolized rebuilt)
    add_executable(report_tool_${variant} ${PROJECT_SOURCE_DIR}/examples/doctest_stories.cpp)
    target_link_libraries(report_tool_${variant} PRIVATE lifecycle_report_tool_noop)
  endforeach()
  target_compile_options(report_tool_rebuilt PRIVATE -O1)
  set(lifecycle_report_offline --bin unsymbolized=$<TARGET_FILE:report_tool_unsymbolized>
                               --bin rebuilt=$<TARGET_FILE:report_tool_rebuilt>)
endif()

# Allow rules and a limit in one report line.
add_executable(report_tool_allowed ${PROJECT_SOURCE_DIR}/tests/report_tool/allowed.cpp)
target_link_libraries(report_tool_allowed PRIVATE lifecycle::lifecycle Threads::Threads lifecycle_dev_flags)

set(lifecycle_report_check ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/tests/report_tool/check.py)
set(lifecycle_report_work ${PROJECT_BINARY_DIR}/tests/report_tool)
add_test(NAME report_tool.shards
  COMMAND ${lifecycle_report_check} shards --work ${lifecycle_report_work}
          --bin doctest_stories=$<TARGET_FILE:example_doctest_stories> --bin gtest_stories=$<TARGET_FILE:example_gtest_stories>
          --bin doctest_auto=$<TARGET_FILE:program_doctest_auto> --bin gtest_auto=$<TARGET_FILE:program_gtest_auto>
          --bin allowed=$<TARGET_FILE:report_tool_allowed> --bin inlined=$<TARGET_FILE:program_inlined>
          ${lifecycle_report_offline})
set_tests_properties(report_tool.shards PROPERTIES FIXTURES_SETUP lifecycle_report_shards LABELS tool TIMEOUT 120)
foreach(check IN ITEMS merge sarif github junit compare bad-input html symbolize)
  add_test(NAME report_tool.${check}
    COMMAND ${lifecycle_report_check} ${check} --work ${lifecycle_report_work} --tool ${PROJECT_SOURCE_DIR}/tools/lifecycle-report
            --source-root ${PROJECT_SOURCE_DIR} --schema ${LIFECYCLE_SARIF_SCHEMA})
  set_tests_properties(report_tool.${check} PROPERTIES FIXTURES_REQUIRED lifecycle_report_shards LABELS tool
                       SKIP_RETURN_CODE 77 TIMEOUT 120)
endforeach()
