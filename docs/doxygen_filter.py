#!/usr/bin/env python3
# SPDX-License-Identifier: BSL-1.0
"""Doxygen INPUT_FILTER for lifecycle's headers: the examples in `///`
comments are written as plain indented blocks (readable in the header);
this marks them as code for the manual, keeping every line where it is (the
manual's line numbers are the header's).

A block is a run of `///` lines indented by three or more spaces after the
`///`, that follows a blank `///` line and is not a list (`- item`). The blank
line before it becomes `/// \\code{.cpp}`; a blank `///` line after it becomes
`/// \\endcode`, else `\\endcode` ends its last line.

A header's opening `//` comment (after the SPDX line), which begins with the
header's name ("// lifecycle/closer.hpp — ..."), becomes its `\\file`
documentation, so the manual has a page per header with its macros."""
import re
import sys

DOC = re.compile(r"^(\s*)///(.*)$")


def filter_lines(lines):
    out = list(lines)
    i = 0
    n = len(lines)
    while i < n:
        m = DOC.match(lines[i])
        if m and m.group(2).strip() == "" and i + 1 < n:
            j = i + 1
            block = []
            while j < n:
                mj = DOC.match(lines[j])
                if not mj:
                    break
                body = mj.group(2)
                if body.strip() == "" or not body.startswith("   ") or body.lstrip().startswith("- "):
                    break
                block.append(j)
                j += 1
            if block:
                out[i] = m.group(1) + "/// \\code{.cpp}"
                end = DOC.match(lines[j]) if j < n else None
                if end and end.group(2).strip() == "":
                    out[j] = end.group(1) + "/// \\endcode"
                else:
                    out[block[-1]] = lines[block[-1]] + " \\endcode"
                i = j
                continue
        i += 1
    return out


def file_comment(lines):
    out = list(lines)
    i = 1 if lines and "SPDX-License-Identifier" in lines[0] else 0
    if i < len(lines) and re.match(r"^// lifecycle/\S+\.hpp\b", lines[i]):
        # the \\file line is not markdown: escape what would read as HTML tags
        out[i] = "/// \\file " + lines[i][3:].replace("<", "&lt;").replace(">", "&gt;")
        i += 1
        while i < len(lines) and lines[i].startswith("//") and not lines[i].startswith("///"):
            out[i] = "///" + lines[i][2:]
            i += 1
    return out


def main():
    with open(sys.argv[1], encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    lines = text.split("\n")
    sys.stdout.write("\n".join(filter_lines(file_comment(lines))))


if __name__ == "__main__":
    main()
