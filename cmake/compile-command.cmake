# SPDX-License-Identifier: BSL-1.0
# include(compile-command.cmake) in a -P script, then
#   lifecycle_compile_command(<build dir> <source> <target> <out command> <out dir> <who>)
# gives the build's own command line for <source> in <target> (from
# compile_commands.json), without its output and dependency files and with
# -fsyntax-only, and the directory to run it in. <who> names the caller in the
# error when the build tree has no such command. Used by compile-fail.cmake
# and readme-blocks.cmake.
#
# cmake-3.16: allow string(JSON) (tests/CMakeLists.txt registers the tests that run this only with CMake 3.20 or later)
if(CMAKE_VERSION VERSION_LESS 3.19)
  message(FATAL_ERROR "compile-command.cmake reads compile_commands.json with string(JSON): CMake 3.19 or later")
endif()
function(lifecycle_compile_command build_dir source target out_command out_dir who)
  file(READ "${build_dir}/compile_commands.json" commands)
  string(JSON count LENGTH "${commands}")
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON file GET "${commands}" ${i} file)
    string(JSON command GET "${commands}" ${i} command)
    if(file STREQUAL source AND command MATCHES "/${target}\\.dir/")
      string(JSON dir GET "${commands}" ${i} directory)
      separate_arguments(argv UNIX_COMMAND "${command}")
      set(kept)
      set(skip_next FALSE)
      foreach(arg IN LISTS argv)
        if(skip_next)
          set(skip_next FALSE)
        elseif(arg MATCHES "^-(o|MT|MF|MQ)$")
          set(skip_next TRUE)
        elseif(NOT arg MATCHES "^-(MD|MMD)$")
          list(APPEND kept "${arg}")
        endif()
      endforeach()
      set(${out_command} "${kept};-fsyntax-only" PARENT_SCOPE)
      set(${out_dir} "${dir}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "${who}: ${build_dir}/compile_commands.json has no command for ${source} in ${target}; "
                      "reconfigure the build tree")
endfunction()
