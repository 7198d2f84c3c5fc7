#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# tests/warnings/check.sh [--include DIR] [--out DIR] [--jobs N] [--filter ERE] [--control]
#
# Users' builds: a translation unit per public header (include/lifecycle/*.hpp)
# and one with all of them (gtest.hpp and catch2.hpp alone: one framework a
# program, and they define the same macros as doctest.hpp), compiled with a bare -I (no -isystem shield) and
# -fsyntax-only, must give zero warnings:
#   strict   g++ and clang++, C++17/20/2b, the flag list below + -Werror
#   weverything  clang++ -Weverything less -Wc++98-compat*, -Wpadded,
#            -Wc++20-compat and the groups the README names (allowed below)
# in four modes: tracking on, -DNDEBUG (tracking off by default),
# -DLIFECYCLE_TRACKING=0 and -DLIFECYCLE_COMPILED=1.
# The frameworks of doctest.hpp, gtest.hpp and catch2.hpp are in /usr/include,
# a system directory: their own warnings are not lifecycle's and are not shown.
# Prints one line per failing compile with its first warnings; exits non-zero
# if any compile warned. --filter keeps the compiles whose "<cxx> <std> <mode>
# <set> <header>" line matches. --control is the negative control: an old-style
# cast planted in a copy of include/lifecycle/config.hpp must fail the all-headers
# TU under g++'s strict list and clang's -Weverything (C++17, tracking on),
# naming the planted line; it exits non-zero if the check misses it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
include=$here/../../include
out=${TMPDIR:-/tmp}/lifecycle-warnings
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
filter=.
control=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --include) include=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --filter) filter=$2; shift 2 ;;
    --control) control=1; shift ;;
    *) echo "check.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
include=$(cd "$include" && pwd)

if [[ $control == 1 ]]; then
    rm -rf "$out"
    mkdir -p "$out"
    cp -r "$include" "$out/include"
    planted='inline int lifecycle_planted_warning(long x) { return (int)x; }'
    echo "$planted" >>"$out/include/lifecycle/config.hpp"
    line=$(wc -l <"$out/include/lifecycle/config.hpp")
    log=$out/control.log
    if "$0" --include "$out/include" --out "$out/check" --jobs "$jobs" \
        --filter '^(g\+\+|clang\+\+) 17 on (strict|weverything) all$' >"$log" 2>&1; then
        cat "$log"
        echo "warnings control: FAILED, the planted warning (config.hpp:$line) passed the check"
        exit 1
    fi
    hits=$(cat "$out"/check/*.log 2>/dev/null | grep -c "config.hpp:$line:.*old-style" || true)
    if [[ $hits -lt 2 ]]; then
        cat "$log"
        echo "warnings control: FAILED, the check failed but not on the planted line config.hpp:$line ($hits of 2 compilers)"
        exit 1
    fi
    echo "warnings control: the planted old-style cast (config.hpp:$line) failed g++ and clang++, as it must"
    exit 0
fi

strict=(-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wold-style-cast -Wundef
    -Wnon-virtual-dtor -Wcast-qual -Wformat=2 -Wnull-dereference -Wdouble-promotion -Werror)
# The groups that stay, each named with its reason in the README ("Warnings").
allowed=(-Wno-exit-time-destructors -Wno-global-constructors -Wno-weak-vtables -Wno-reserved-identifier)
weverything=(-Weverything -Wno-c++98-compat -Wno-c++98-compat-pedantic -Wno-c++98-compat-bind-to-temporary-copy
    -Wno-c++98-compat-local-type-template-args -Wno-c++98-compat-unnamed-type-template-args -Wno-c++98-c++11-compat
    -Wno-c++98-c++11-c++14-compat -Wno-c++98-c++11-compat-pedantic -Wno-c++98-c++11-c++14-compat-pedantic
    -Wno-c++98-c++11-c++14-c++17-compat -Wno-c++98-c++11-c++14-c++17-compat-pedantic
    -Wno-padded -Wno-c++20-compat "${allowed[@]}" -Werror)

rm -rf "$out"
mkdir -p "$out/tu"
headers=()
for h in "$include"/lifecycle/*.hpp; do headers+=("$(basename "$h" .hpp)"); done
all=$out/tu/all.cpp
for h in "${headers[@]}"; do
    printf '#include <lifecycle/%s.hpp>\n' "$h" >"$out/tu/$h.cpp"
    # One test framework a program: the all-headers TU takes doctest's.
    [[ $h == gtest || $h == catch2 ]] || printf '#include <lifecycle/%s.hpp>\n' "$h" >>"$all"
done

modes=(on ndebug off compiled)
mode_flags() {
    case $1 in
    on) ;;
    ndebug) echo -DNDEBUG ;;
    off) echo -DLIFECYCLE_TRACKING=0 ;;
    compiled) echo -DLIFECYCLE_COMPILED=1 ;;
    esac
}
# One job a line: <name> <compiler> <std> <mode> <set> <tu>
jobs_file=$out/jobs
: >"$jobs_file"
# The all-headers TU in every compiler, standard, mode and flag set; each
# header alone in C++17 under g++'s strict list (tracking on and off) and
# clang's -Weverything (tracking on; it holds clang's strict list): what a
# header alone adds is a missing include, not a new warning per standard.
for cxx in g++ clang++; do
    for set in strict weverything; do
        [[ $set == weverything && $cxx != clang++ ]] && continue
        for std in 17 20 2b; do
            for mode in "${modes[@]}"; do
                echo "$cxx $std $mode $set all" >>"$jobs_file"
            done
        done
        [[ $cxx == clang++ && $set == strict ]] && continue
        for mode in on off; do
            [[ $mode == off && $cxx == clang++ ]] && continue
            for h in "${headers[@]}"; do
                echo "$cxx 17 $mode $set $h" >>"$jobs_file"
            done
        done
    done
done

compile_one() { # <cxx> <std> <mode> <set> <tu>
    local cxx=$1 std=$2 mode=$3 set=$4 h=$5 flags log
    if [[ $set == strict ]]; then flags=("${strict[@]}"); else flags=("${weverything[@]}"); fi
    log=$out/$cxx.$std.$mode.$set.$h.log
    # shellcheck disable=SC2046
    if ! "$cxx" -std=c++"$std" -fsyntax-only -I"$include" $(mode_flags "$mode") "${flags[@]}" \
        "$out/tu/$h.cpp" >"$log" 2>&1 || [[ -s $log ]]; then
        echo "FAIL $cxx -std=c++$std $mode $set $h.hpp:"
        grep -E 'warning|error' "$log" | head -n 5 | sed 's/^/    /'
        return 1
    fi
    rm -f "$log"
}
export -f compile_one mode_flags
export out include
export strict_list="${strict[*]}" weverything_list="${weverything[*]}"
# Arrays do not cross into xargs' shells: rebuild them there.
runner='strict=($strict_list); weverything=($weverything_list); compile_one "$@"'
grep -E -- "$filter" "$jobs_file" >"$jobs_file.kept" || true
mv "$jobs_file.kept" "$jobs_file"
count=$(wc -l <"$jobs_file")
start=$SECONDS
status=0
xargs -P "$jobs" -L 1 bash -c "$runner" _ <"$jobs_file" || status=1
failed=$(find "$out" -maxdepth 1 -name '*.log' | wc -l)
echo "warnings: $((count - failed))/$count compiles clean (${#headers[@]} headers alone and all together;" \
    "g++/clang++ C++17/20/2b; tracking on, NDEBUG, off, compiled) in $((SECONDS - start))s"
exit $status
