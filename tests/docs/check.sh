#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# tests/docs/check.sh [--out DIR] [--control]
#
# The reference manual: Doxygen (docs/Doxyfile) on the public headers must give
# zero warnings (an undocumented public entity is a warning: WARN_IF_UNDOCUMENTED),
# and the manual must hold the fixed public names of DESIGN.md (a symbol left out
# silently, by an EXCLUDE_SYMBOLS pattern or a preprocessor branch, warns about
# nothing). --control is the negative control: a public function without a comment,
# planted in a copy of the tree, must be reported by name; it exits non-zero if the
# check misses it. Needs doxygen and python3 (the input filter).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${TMPDIR:-/tmp}/lifecycle-docs
control=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --out) out=$2; shift 2 ;;
    --control) control=1; shift ;;
    *) echo "check.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
command -v doxygen >/dev/null || { echo "check.sh: doxygen not found (Debian: apt-get install doxygen)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# run_doxygen SOURCE_ROOT OUTPUT_DIR: the project's Doxyfile, written elsewhere.
run_doxygen() {
    rm -rf "$2" && mkdir -p "$2"
    (cd "$1" && printf '@INCLUDE = docs/Doxyfile\nOUTPUT_DIRECTORY = %s\nWARN_LOGFILE = %s/warnings.log\n' "$2" "$2" |
        doxygen - >"$2/doxygen.out" 2>&1) || { echo "check.sh: doxygen failed:" >&2; cat "$2/doxygen.out" >&2; return 1; }
}

if [[ $control == 1 ]]; then
    copy=$out/control-tree
    rm -rf "$copy" && mkdir -p "$copy"
    cp -r "$root/include" "$root/docs" "$copy/"
    planted=lifecycle_planted_undocumented
    python3 - "$copy/include/lifecycle/identity.hpp" "$planted" <<'PY'
import sys
p, name = sys.argv[1], sys.argv[2]
s = open(p).read()
end = s.rindex("LIFECYCLE_END_NAMESPACE")
open(p, "w").write(s[:end] + "inline int %s() noexcept { return 0; }\n\n" % name + s[end:])
PY
    run_doxygen "$copy" "$out/control"
    if grep -q "$planted" "$out/control/warnings.log"; then
        echo "docs control: the planted undocumented function is reported:"
        grep "$planted" "$out/control/warnings.log" | sed "s|$copy/||"
        exit 0
    fi
    echo "docs control: FAILED: the planted undocumented function '$planted' was not reported" >&2
    exit 1
fi

run_doxygen "$root" "$out/manual"
html=$out/manual/html
status=0
if [[ -s $out/manual/warnings.log ]]; then
    echo "docs: $(wc -l <"$out/manual/warnings.log") Doxygen warning(s):" >&2
    sed "s|$root/||" "$out/manual/warnings.log" >&2
    status=1
fi

# The fixed names of DESIGN.md, each where the manual must show it.
missing=()
need() { # need FILE NAME...
    local file=$1
    shift
    for name in "$@"; do
        [[ -f $html/$file ]] && grep -q ">$name<" "$html/$file" || missing+=("$name (in $file)")
    done
}
need namespacelifecycle.html tracked tracked_fd tracked_file tracked_ptr fd_traits file_traits close_guard \
    closer close_result close_error leak_scope leak_report stats set_capture keep_alive
need classlifecycle_1_1tracked.html get release reset close
need classlifecycle_1_1closer.html add close_all close_all_or_throw
need classlifecycle_1_1leak__scope.html check
need classlifecycle_1_1leak__report.html empty count groups to_text to_json
need namespacelifecycle_1_1doctest.html no_leaks
need doctest_8hpp.html LIFECYCLE_CHECK_NO_LEAKS LIFECYCLE_REQUIRE_NO_LEAKS
need leak__scope_8hpp.html LIFECYCLE_ASSERT_NO_LEAKS
need config_8hpp.html LIFECYCLE_TRACKING LIFECYCLE_COMPILED
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "docs: the manual lacks ${#missing[@]} public name(s): ${missing[*]}" >&2
    status=1
fi
if [[ $status == 0 ]]; then
    echo "docs: zero Doxygen warnings; $(find "$html" -name '*.html' | wc -l) pages in $html (entry: index.html)"
fi
exit $status
