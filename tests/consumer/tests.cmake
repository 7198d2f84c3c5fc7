# SPDX-License-Identifier: BSL-1.0
# Consumer tests (label `consumer`): tests/consumer/main.cpp built by a project
# that uses lifecycle the four ways the README describes, each in
# <build>/consumer/<way>:
#
#   consumer.install           cmake --install into <build>/consumer/prefix (fixture)
#   consumer.find_package      CMake project: find_package(lifecycle CONFIG REQUIRED)
#   consumer.find_package.empty_build_type
#                              the same with CMAKE_BUILD_TYPE empty: frames still
#                              have file:line (lifecycle::lifecycle adds -g)
#   consumer.pkg-config        plain compiler + `pkg-config --cflags --libs lifecycle`
#   consumer.add_subdirectory  CMake project: add_subdirectory(<lifecycle>)
#   consumer.meson             meson project: lifecycle as a subproject (symlink)
#
# Each consumer checks its own report (exit code), see main.cpp.
set(lifecycle_consumer_src ${CMAKE_CURRENT_LIST_DIR})
set(lifecycle_consumer_bin ${PROJECT_BINARY_DIR}/consumer)
set(lifecycle_consumer_prefix ${lifecycle_consumer_bin}/prefix)

# The consumer checks that stacks resolve to its own file:line only where the
# backend can do that: backtrace. (addr2line, in Boost 1.74, resolves nothing
# in a PIE executable, the default on Debian.)
set(lifecycle_consumer_args)
if(LIFECYCLE_STACKTRACE_BACKEND STREQUAL "backtrace")
  set(lifecycle_consumer_args --expect-stack)
endif()

# Options a consumer project is configured with: this build's compiler and
# generator, a Debug build (tracking on), the same backend choice.
set(lifecycle_consumer_build
  --build-generator ${CMAKE_GENERATOR}
  --build-makeprogram ${CMAKE_MAKE_PROGRAM}
  --build-noclean)
set(lifecycle_consumer_options
  -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
  -DCMAKE_BUILD_TYPE=Debug)

if(LIFECYCLE_INSTALL)
  add_test(NAME consumer.install
    COMMAND ${CMAKE_COMMAND} -DBUILD_DIR=${PROJECT_BINARY_DIR} -DPREFIX=${lifecycle_consumer_prefix}
            -P ${lifecycle_consumer_src}/install.cmake)
  set_tests_properties(consumer.install PROPERTIES FIXTURES_SETUP lifecycle_installed)

  add_test(NAME consumer.find_package
    COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test
      ${lifecycle_consumer_src}/find_package ${lifecycle_consumer_bin}/find_package ${lifecycle_consumer_build}
      --build-options ${lifecycle_consumer_options} -DCMAKE_PREFIX_PATH=${lifecycle_consumer_prefix}
      --test-command consumer ${lifecycle_consumer_args})

  # No build type, hence no -g from CMake: the -g is lifecycle's.
  add_test(NAME consumer.find_package.empty_build_type
    COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test
      ${lifecycle_consumer_src}/find_package ${lifecycle_consumer_bin}/find_package_empty_build_type
      ${lifecycle_consumer_build}
      --build-options -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} -DCMAKE_BUILD_TYPE= -DCMAKE_PREFIX_PATH=${lifecycle_consumer_prefix}
      --test-command consumer ${lifecycle_consumer_args})

  add_test(NAME consumer.pkg-config
    COMMAND ${CMAKE_COMMAND}
      -DPC_PATH=${lifecycle_consumer_prefix}/${CMAKE_INSTALL_DATADIR}/pkgconfig
      -DCXX=${CMAKE_CXX_COMPILER} -DSOURCE=${lifecycle_consumer_src}/main.cpp
      -DWORK=${lifecycle_consumer_bin}/pkg-config -DBACKEND=${LIFECYCLE_STACKTRACE_BACKEND}
      -DVERSION=${PROJECT_VERSION} "-DARGS=${lifecycle_consumer_args}"
      -P ${lifecycle_consumer_src}/pkg-config.cmake)
  set_tests_properties(consumer.find_package consumer.find_package.empty_build_type consumer.pkg-config
    PROPERTIES FIXTURES_REQUIRED lifecycle_installed)
endif()

# A subproject inherits the backend through the cache variable.
add_test(NAME consumer.add_subdirectory
  COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test
    ${lifecycle_consumer_src}/add_subdirectory ${lifecycle_consumer_bin}/add_subdirectory ${lifecycle_consumer_build}
    --build-options ${lifecycle_consumer_options} -DLIFECYCLE_SOURCE_DIR=${PROJECT_SOURCE_DIR}
      -DLIFECYCLE_STACKTRACE_BACKEND=${LIFECYCLE_STACKTRACE_BACKEND}
    --test-command consumer ${lifecycle_consumer_args})

find_program(LIFECYCLE_MESON meson)
if(LIFECYCLE_MESON)
  add_test(NAME consumer.meson
    COMMAND ${CMAKE_COMMAND}
      -DLIFECYCLE_SOURCE_DIR=${PROJECT_SOURCE_DIR} -DCONSUMER_DIR=${lifecycle_consumer_src}
      -DWORK=${lifecycle_consumer_bin}/meson -DCXX=${CMAKE_CXX_COMPILER} -DMESON=${LIFECYCLE_MESON}
      "-DARGS=${lifecycle_consumer_args}"
      -P ${lifecycle_consumer_src}/meson.cmake)
else()
  message(STATUS "lifecycle: meson not found, the meson subproject consumer test is not registered")
endif()

get_property(lifecycle_consumer_tests DIRECTORY PROPERTY TESTS)
list(FILTER lifecycle_consumer_tests INCLUDE REGEX "^consumer\\.")
set_tests_properties(${lifecycle_consumer_tests} PROPERTIES LABELS consumer TIMEOUT 300)
