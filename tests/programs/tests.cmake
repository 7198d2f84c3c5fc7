# SPDX-License-Identifier: BSL-1.0
# Programs run in a subprocess. Each tests/programs/<program>[.<variant>].expect
# is a test: run program_<program> and match its output (cmake/run-and-match.cmake).
# A `# args: <one argument>` line in the .expect file passes that command-line
# argument (one, which may contain spaces). Expectations of programs that are
# not built (their framework is missing) are skipped.
file(GLOB lifecycle_program_expects CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/programs/*.expect)

# The test-framework integrations' programs need their framework.
target_link_libraries(program_doctest_leaks PRIVATE doctest::doctest)
target_link_libraries(program_doctest_auto PRIVATE doctest::doctest)
if(TARGET program_gtest_auto)
  target_link_libraries(program_gtest_auto PRIVATE GTest::gtest_main)
endif()
if(TARGET program_gtest_suite)
  target_link_libraries(program_gtest_suite PRIVATE GTest::gtest_main)
endif()
# Fast and precise creation stacks under GoogleTest, in optimized code whose
# frame pointers come from the lifecycle target alone.
if(TARGET program_gtest_unwind)
  target_link_libraries(program_gtest_unwind PRIVATE GTest::gtest_main)
  target_compile_options(program_gtest_unwind PRIVATE -O2)
endif()
# Creations inlined into one caller by -O2 (g++ and clang++) keep their own
# groups and lines; the same program without inline frames must fail.
# (In compiled mode the symbolizer is the library's: the switch would not reach it.)
target_compile_options(program_inlined PRIVATE -O2)
if(NOT LIFECYCLE_COMPILED)
add_executable(program_inlined_dropped ${CMAKE_CURRENT_SOURCE_DIR}/programs/inlined.cpp)
target_link_libraries(program_inlined_dropped PRIVATE lifecycle::lifecycle Threads::Threads lifecycle_dev_flags)
target_compile_options(program_inlined_dropped PRIVATE -O2)
target_compile_definitions(program_inlined_dropped PRIVATE LIFECYCLE_DETAIL_INLINE_FRAMES=0)
endif()
if(TARGET program_catch2_auto)
  target_link_libraries(program_catch2_auto PRIVATE Catch2::Catch2)
endif()
# The self-test must fail when tracking is compiled out (negative control).
if(NOT LIFECYCLE_TRACKING STREQUAL "ON")
  add_executable(program_doctest_auto_untracked ${CMAKE_CURRENT_SOURCE_DIR}/programs/doctest_auto.cpp)
  target_include_directories(program_doctest_auto_untracked PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(program_doctest_auto_untracked PRIVATE lifecycle::lifecycle doctest::doctest Threads::Threads lifecycle_dev_flags)
  if(LIFECYCLE_TRACKING STREQUAL "DEFAULT")
    target_compile_definitions(program_doctest_auto_untracked PRIVATE LIFECYCLE_TRACKING=0)
  endif()
endif()

# Built with a bare -I, as without a build system (README, "A bare -I"): not
# through lifecycle::lifecycle, so no BOOST_STACKTRACE_LINK, no frame-pointer
# flags, none of the target's definitions. bare_unnamed: header-only
# Boost.Stacktrace without a backend, no -g; bare_named: README's command line.
if(LIFECYCLE_STACKTRACE_BACKEND STREQUAL "backtrace" AND NOT LIFECYCLE_COMPILED)
  foreach(program bare_unnamed bare_named)
    add_executable(program_${program} ${CMAKE_CURRENT_SOURCE_DIR}/programs/bare/leak.cpp)
    target_include_directories(program_${program} PRIVATE ${PROJECT_SOURCE_DIR}/include)
    target_compile_features(program_${program} PRIVATE cxx_std_17)
    target_compile_definitions(program_${program} PRIVATE LIFECYCLE_TRACKING=1)
  endforeach()
  target_compile_options(program_bare_unnamed PRIVATE -g0)
  target_link_libraries(program_bare_unnamed PRIVATE ${CMAKE_DL_LIBS})
  target_compile_options(program_bare_named PRIVATE -g)
  target_compile_definitions(program_bare_named PRIVATE BOOST_STACKTRACE_LINK)
  target_link_libraries(program_bare_named PRIVATE boost_stacktrace_backtrace ${CMAKE_DL_LIBS})
endif()

foreach(expect IN LISTS lifecycle_program_expects)
  get_filename_component(test_name ${expect} NAME_WLE)
  string(REGEX REPLACE "\\..*$" "" program ${test_name})
  if(NOT TARGET program_${program})
    continue()
  endif()
  file(STRINGS ${expect} args_line REGEX "^#[ \t]*args:")
  set(args_option)
  if(args_line)
    string(REGEX REPLACE "^#[ \t]*args:[ \t]*" "" args_value "${args_line}")
    set(args_option "-DARGS=${args_value}")
  endif()
  add_test(NAME program.${test_name}
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:program_${program}> -DEXPECT=${expect} ${args_option}
            -P ${PROJECT_SOURCE_DIR}/cmake/run-and-match.cmake)
endforeach()

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

# dlclose() with live handles: the plugin's text is copied when it unloads.
# The program exports its symbols (-rdynamic), so that the plugin shares its
# registry whatever the compiler (one registry per process is tested above).
add_library(lifecycle_unload_plugin MODULE ${CMAKE_CURRENT_SOURCE_DIR}/programs/unload/unload_plugin.cpp)
target_link_libraries(lifecycle_unload_plugin PRIVATE lifecycle::lifecycle lifecycle_dev_flags)
set_target_properties(lifecycle_unload_plugin PROPERTIES PREFIX "" OUTPUT_NAME unload_plugin)
# lifecycle_unload_plugin_<variant>: unload/<source>.cpp built as <source>_<variant>.so.
#   nounique: without STB_GNU_UNIQUE symbols, as clang builds them (g++'s make
#             dlclose a no-op: a module that defines one is never unloaded, and
#             bind modules' inline statics together, which hides a split);
#   hidden:   that, and -fvisibility=hidden.
function(lifecycle_test_plugin source variant)
  set(target lifecycle_test_plugin_${source}_${variant})
  add_library(${target} MODULE ${CMAKE_CURRENT_SOURCE_DIR}/programs/unload/${source}.cpp)
  target_link_libraries(${target} PRIVATE lifecycle::lifecycle lifecycle_dev_flags)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -fno-gnu-unique)
  endif()
  if(variant STREQUAL "hidden")
    set_target_properties(${target} PROPERTIES CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  endif()
  set_target_properties(${target} PROPERTIES PREFIX "" OUTPUT_NAME ${source}_${variant}
                        LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set(lifecycle_test_plugins ${lifecycle_test_plugins} ${target} PARENT_SCOPE)
endfunction()
set(lifecycle_test_plugins lifecycle_unload_plugin)
lifecycle_test_plugin(unload_plugin nounique)
lifecycle_test_plugin(unload_plugin hidden)
lifecycle_test_plugin(observer nounique)
lifecycle_test_plugin(observer hidden)
lifecycle_test_plugin(untracked_plugin nounique)
target_compile_definitions(lifecycle_test_plugin_untracked_plugin_nounique PRIVATE LIFECYCLE_TRACKING=0)
set_target_properties(lifecycle_test_plugin_untracked_plugin_nounique PROPERTIES OUTPUT_NAME untracked_plugin)
set_target_properties(lifecycle_unload_plugin PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})

# The programs that load them.
foreach(program unload unload_thread plugins_only mixed_plugin unload_noexport)
  if(NOT TARGET program_${program})
    continue()
  endif()
  target_compile_definitions(program_${program} PRIVATE LIFECYCLE_TEST_PLUGIN_DIR="${CMAKE_CURRENT_BINARY_DIR}")
  add_dependencies(program_${program} ${lifecycle_test_plugins})
endforeach()
# unload exports its symbols (-rdynamic); unload_noexport, the same program,
# does not, so that only the modules' notes can join the plugin to its registry.
set_target_properties(program_unload PROPERTIES ENABLE_EXPORTS ON)

# Mixed modes in one program that links (no lifecycle type in a signature):
# both modules' notes are in it, and the program says so.
add_executable(program_mixed_struct ${CMAKE_CURRENT_SOURCE_DIR}/programs/mixed/struct_main.cpp
                                    ${CMAKE_CURRENT_SOURCE_DIR}/programs/mixed/struct_untracked.cpp)
target_include_directories(program_mixed_struct PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(program_mixed_struct PRIVATE lifecycle::lifecycle Threads::Threads)
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/programs/mixed/struct_main.cpp PROPERTIES COMPILE_DEFINITIONS LIFECYCLE_TRACKING=1)
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/programs/mixed/struct_untracked.cpp PROPERTIES COMPILE_DEFINITIONS LIFECYCLE_TRACKING=0)
add_test(NAME program.mixed_struct
  COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:program_mixed_struct>
          -DEXPECT=${CMAKE_CURRENT_SOURCE_DIR}/programs/mixed/struct.expect -P ${PROJECT_SOURCE_DIR}/cmake/run-and-match.cmake)

# With g++, the compiled library (lifecycle_compiled) is built with
# STB_GNU_UNIQUE symbols, which make a plugin linked with it impossible to
# unload: the tests that need the plugin gone would test nothing. They run in
# the header-only stages (gcc, clang) instead.
if(LIFECYCLE_COMPILED AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set_tests_properties(program.unload_noexport.local-stack-hidden program.unload_noexport.local-stack-nounique
                       program.unload_thread PROPERTIES DISABLED TRUE)
endif()

# The frameworks' XML reports, read by a real XML parser: a leaking test case
# is a failure there too (doctest's JUnit reporter ignores messages), and
# lifecycle writes nothing to stdout (doctest's reports go there).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  set(lifecycle_reporter_xml ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/programs/reporter_xml.py)
  set(lifecycle_doctest_cases --fail "leaking test case" --fail "fixture test case that leaks"
                              --fail "leaking test case with subcases" --pass "clean test case" --pass "decorated opt-out")
  foreach(reporter junit xml)
    add_test(NAME program.doctest_auto.report_${reporter}
      COMMAND ${lifecycle_reporter_xml} --xml stdout --summary ${lifecycle_doctest_cases}
              -- $<TARGET_FILE:program_doctest_auto> --lifecycle-detect-leaks -r=${reporter})
  endforeach()
  # Names and failure texts with what XML must escape: each parsed back whole.
  set(lifecycle_markup_name "markup <in> & \"names\" 'leaks'")
  set(lifecycle_markup_reason "--reason=${lifecycle_markup_name}=1 x fd '<fd kind=\"a&b\"> & 'quoted' </fd>'")
  foreach(reporter junit xml)
    add_test(NAME program.doctest_auto.report_markup_${reporter}
      COMMAND ${lifecycle_reporter_xml} --xml stdout --summary --fail ${lifecycle_markup_name} ${lifecycle_markup_reason}
              --fail "leaking test case" --pass "clean test case"
              -- $<TARGET_FILE:program_doctest_auto> --lifecycle-detect-leaks --no-skip=true -r=${reporter}
                 "-tc=markup*,leaking test case,clean test case")
  endforeach()
  add_test(NAME program.doctest_leaks.report_junit
    COMMAND ${lifecycle_reporter_xml} --xml stdout --fail "fixture test case that leaks"
            --fail "check macro on a leaking scope" --fail "require macro on a leaking scope" --pass "clean test case"
            -- $<TARGET_FILE:program_doctest_leaks> -r=junit)
  if(TARGET program_gtest_auto)
    add_test(NAME program.gtest_auto.report_xml
      COMMAND ${lifecycle_reporter_xml} --xml ${CMAKE_CURRENT_BINARY_DIR}/gtest_auto.report.xml
              --summary --fail leaking.test_case --fail leaky_fixture.leaks --pass clean.test_case --pass opt_out.in_test
              -- $<TARGET_FILE:program_gtest_auto> --lifecycle-detect-leaks
                 --gtest_output=xml:${CMAKE_CURRENT_BINARY_DIR}/gtest_auto.report.xml)
    add_test(NAME program.gtest_auto.report_markup_xml
      COMMAND ${lifecycle_reporter_xml} --xml ${CMAKE_CURRENT_BINARY_DIR}/gtest_auto.markup.xml
              --summary --fail markup.DISABLED_leaks "--reason=markup.DISABLED_leaks=1 x fd '<fd kind=\"a&b\"> & 'quoted' </fd>'"
              --fail leaking.test_case --pass clean.test_case
              -- $<TARGET_FILE:program_gtest_auto> --lifecycle-detect-leaks --gtest_also_run_disabled_tests
                 --gtest_filter=markup.*:leaking.test_case:clean.test_case
                 --gtest_output=xml:${CMAKE_CURRENT_BINARY_DIR}/gtest_auto.markup.xml)
  endif()
  if(TARGET program_catch2_auto)
    foreach(reporter junit xml)
      # Catch2's JUnit report lists only test cases with assertions: no --pass there.
      set(passes)
      if(reporter STREQUAL "xml")
        set(passes --pass "clean test case")
      endif()
      add_test(NAME program.catch2_auto.report_${reporter}
        COMMAND ${lifecycle_reporter_xml} --xml ${CMAKE_CURRENT_BINARY_DIR}/catch2_auto.report.${reporter}
                --summary --fail "leaking test case" --fail "fixture test case that leaks" ${passes}
                -- $<TARGET_FILE:program_catch2_auto> --lifecycle-detect-leaks -r ${reporter}
                   -o ${CMAKE_CURRENT_BINARY_DIR}/catch2_auto.report.${reporter})
      add_test(NAME program.catch2_auto.report_markup_${reporter}
        COMMAND ${lifecycle_reporter_xml} --xml ${CMAKE_CURRENT_BINARY_DIR}/catch2_auto.markup.${reporter}
                --summary --fail ${lifecycle_markup_name} ${lifecycle_markup_reason} --fail "leaking test case"
                -- $<TARGET_FILE:program_catch2_auto> --lifecycle-detect-leaks -r ${reporter}
                   -o ${CMAKE_CURRENT_BINARY_DIR}/catch2_auto.markup.${reporter} "[markup],leaking test case")
    endforeach()
  endif()
endif()

# The timeline: one line per test in every framework, with per-kind counts:
# the engines re-created on every tick peak at 6 and are all closed.
if(Python3_FOUND)
  set(lifecycle_timeline ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/programs/timeline_lines.py)
  set(lifecycle_timeline_cases
      "--expect=engine re-created on every tick|db engine|created|6" "--expect=engine re-created on every tick|db engine|peak|6"
      "--expect=engine re-created on every tick|db engine|closed|6" "--expect=engine re-created on every tick|db engine|live|0"
      "--expect=clean test case|fd|created|1" "--expect=clean test case|fd|closed|1" "--expect=clean test case|-|failed|false"
      "--expect=leaking test case|fd|created|1" "--expect=leaking test case|fd|closed|0" "--expect=leaking test case|-|failed|true")
  add_test(NAME program.doctest_auto.timeline
    COMMAND ${lifecycle_timeline} --tests 10 ${lifecycle_timeline_cases}
            "--expect=in-test opt-out|-|allowed|true" -- $<TARGET_FILE:program_doctest_auto> --lifecycle-detect-leaks)
  if(TARGET program_gtest_auto)
    add_test(NAME program.gtest_auto.timeline
      COMMAND ${lifecycle_timeline} --tests 9
              "--expect=engine.recreated_on_every_tick|db engine|peak|6" "--expect=engine.recreated_on_every_tick|db engine|live|0"
              "--expect=clean.test_case|fd|closed|1" "--expect=leaking.test_case|-|failed|true"
              -- $<TARGET_FILE:program_gtest_auto> --lifecycle-detect-leaks)
  endif()
  if(TARGET program_catch2_auto)
    add_test(NAME program.catch2_auto.timeline
      COMMAND ${lifecycle_timeline} --tests 10 ${lifecycle_timeline_cases}
              -- $<TARGET_FILE:program_catch2_auto> --lifecycle-detect-leaks)
  endif()
endif()

# Allowed tests skip the grace wait: a run that waits exceeds this timeout.
set_tests_properties(program.doctest_auto.allowed_grace PROPERTIES TIMEOUT 15)
