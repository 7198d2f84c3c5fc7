# SPDX-License-Identifier: BSL-1.0
# cmake -DPREFIX=<a meson install of lifecycle> -DSOURCE_DIR=<lifecycle's source tree>
#       -DWORK=<dir> [-DGENERATOR=<generator>] [-DCXX=<compiler>] [-DARGS=<a;b>]
#       [-DBACKEND=<backend>] [-DTRACKING=<DEFAULT|ON|OFF>] [-DCOMPILED=ON] -P meson-install.cmake
#
# The CMake package of a meson install (run-tests' meson stage):
#   1. a CMake project (tests/consumer/find_package, CMake 3.16, an empty build
#      type) finds lifecycle in PREFIX, builds tests/consumer/main.cpp and runs
#      it with ARGS (--expect-stack: frames with this file's lines);
#   2. a CMake install of the same source with the same options, into
#      WORK/cmake-prefix, gives lifecycle::lifecycle the same usage
#      requirements (tests/consumer/usage.cmake) and the same version file;
#   3. both installed tools/lifecycle-report as an executable bin/lifecycle-report.
# BACKEND, TRACKING and COMPILED say how the meson install was configured
# (-Dstacktrace_backend, -Dtracking, -Dcompiled); meson's defaults otherwise.
cmake_minimum_required(VERSION 3.16)
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/script-helpers.cmake)
lifecycle_require(meson-install PREFIX SOURCE_DIR WORK)
lifecycle_defaults(GENERATOR=Ninja BACKEND=backtrace TRACKING=DEFAULT COMPILED=OFF)
get_filename_component(bin_dir "${CMAKE_COMMAND}" DIRECTORY)
set(ctest "${bin_dir}/ctest")
set(consumer_dir "${SOURCE_DIR}/tests/consumer/find_package")
set(cxx_option)
if(CXX)
  set(cxx_option "-DCMAKE_CXX_COMPILER=${CXX}")
endif()
file(REMOVE_RECURSE "${WORK}")

# ---- 1. a CMake consumer of the meson install ----------------------------------
set(package "${PREFIX}/share/cmake/lifecycle")
foreach(file IN ITEMS lifecycle-config.cmake lifecycle-config-version.cmake lifecycle-targets.cmake)
  if(NOT EXISTS "${package}/${file}")
    message(FATAL_ERROR "meson-install: meson install did not install ${package}/${file}")
  endif()
endforeach()
lifecycle_step(meson-install "a CMake project builds and runs with the meson install (empty build type)"
  "${ctest}" --build-and-test "${consumer_dir}" "${WORK}/meson-consumer"
  --build-generator "${GENERATOR}" --build-noclean
  --build-options ${cxx_option} -DCMAKE_BUILD_TYPE= "-DCMAKE_PREFIX_PATH=${PREFIX}"
  --test-command consumer ${ARGS})
message("${step_output}")

# ---- 2. the same as a CMake install's ------------------------------------------
lifecycle_step(meson-install "CMake configures lifecycle (backend ${BACKEND}, tracking ${TRACKING}, compiled ${COMPILED})"
  "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK}/cmake-build" -G "${GENERATOR}" ${cxx_option}
  -DCMAKE_BUILD_TYPE=Debug -DLIFECYCLE_BUILD_TESTS=OFF -DLIFECYCLE_BUILD_EXAMPLES=OFF -DLIFECYCLE_INSTALL=ON
  -DLIFECYCLE_STACKTRACE_BACKEND=${BACKEND} -DLIFECYCLE_TRACKING=${TRACKING} -DLIFECYCLE_COMPILED=${COMPILED})
if(COMPILED)
  lifecycle_step(meson-install "CMake builds lifecycle_compiled" "${CMAKE_COMMAND}" --build "${WORK}/cmake-build")
endif()
lifecycle_step(meson-install "cmake --install" "${CMAKE_COMMAND}" --install "${WORK}/cmake-build" --prefix "${WORK}/cmake-prefix")
lifecycle_step(meson-install "the CMake project configures with the CMake install"
  "${CMAKE_COMMAND}" -S "${consumer_dir}" -B "${WORK}/cmake-consumer" -G "${GENERATOR}" ${cxx_option}
  "-DCMAKE_PREFIX_PATH=${WORK}/cmake-prefix")

set(failures)
file(READ "${WORK}/meson-consumer/lifecycle-usage.txt" meson_usage)
file(READ "${WORK}/cmake-consumer/lifecycle-usage.txt" cmake_usage)
if(NOT meson_usage STREQUAL cmake_usage)
  message("---- lifecycle::lifecycle of the meson install ----\n${meson_usage}"
          "---- of the CMake install ----\n${cmake_usage}----")
  list(APPEND failures "lifecycle::lifecycle's usage requirements differ (above)")
endif()
file(READ "${package}/lifecycle-config-version.cmake" meson_version)
file(READ "${WORK}/cmake-prefix/share/cmake/lifecycle/lifecycle-config-version.cmake" cmake_version)
if(NOT meson_version STREQUAL cmake_version)
  list(APPEND failures "lifecycle-config-version.cmake differs from the CMake install's")
endif()
# The report tool: in bin/ of both installs, executable, the source tree's file.
file(READ "${SOURCE_DIR}/tools/lifecycle-report" tool_source)
foreach(prefix IN ITEMS "${PREFIX}" "${WORK}/cmake-prefix")
  set(tool "${prefix}/bin/lifecycle-report")
  if(NOT EXISTS "${tool}")
    list(APPEND failures "${tool} is not installed")
    continue()
  endif()
  file(READ "${tool}" tool_installed)
  if(NOT tool_installed STREQUAL tool_source)
    list(APPEND failures "${tool} is not tools/lifecycle-report")
  endif()
  execute_process(COMMAND "${tool}" --version RESULT_VARIABLE tool_status OUTPUT_VARIABLE tool_version)
  if(NOT tool_status EQUAL 0 OR NOT tool_version MATCHES "^lifecycle-report ")
    list(APPEND failures "${tool} --version does not run (${tool_status}): it must be installed executable")
  endif()
endforeach()
lifecycle_fail_on(meson-install "the meson install's CMake package is not the CMake install's" ${failures})
message("meson-install: the meson install's lifecycle::lifecycle and version file are the CMake install's:\n${meson_usage}")
