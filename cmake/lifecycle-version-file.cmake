# SPDX-License-Identifier: BSL-1.0
# lifecycle_write_version_file(<file> <version> <compiled: ON|OFF>)
#   (after include(lifecycle-version-file.cmake)), or as a script:
# cmake -DOUT=<file> -DVERSION=<x.y.z> -DCOMPILED=<ON|OFF> [-DCMAKE_SIZEOF_VOID_P=<n>]
#       -P lifecycle-version-file.cmake
#
# Writes lifecycle-config-version.cmake with CMake's own helper, for the CMake
# install (CMakeLists.txt) and the meson install (meson.build) alike, so that
# both accept the same find_package(lifecycle <version>) requests:
#   0.x: the same minor version (a minor version may break the API);
#   1.x and later: the same major version;
#   header-only: any architecture; compiled: the library's pointer size.
include(CMakePackageConfigHelpers)

function(lifecycle_write_version_file file version compiled)
  if(version MATCHES "^0\\.")
    set(compatibility SameMinorVersion)
  else()
    set(compatibility SameMajorVersion)
  endif()
  set(arch ARCH_INDEPENDENT)
  if(compiled)
    set(arch)
  endif()
  write_basic_package_version_file("${file}" VERSION ${version} COMPATIBILITY ${compatibility} ${arch})
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  foreach(var IN ITEMS OUT VERSION COMPILED)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "lifecycle-version-file: -D${var}= is required")
    endif()
  endforeach()
  lifecycle_write_version_file("${OUT}" "${VERSION}" "${COMPILED}")
endif()
