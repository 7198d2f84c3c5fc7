// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/frame_line.hpp — private. One stack frame as every text
// report prints it: "    #0 load(char const*) at model.cpp:12", the address
// where the function has no name, "in module+0xoffset" where there is no
// line information, "(inlined)" for a frame inlined into the next one.
#ifndef LIFECYCLE_DETAIL_FRAME_LINE_HPP
#define LIFECYCLE_DETAIL_FRAME_LINE_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/text_escape.hpp>

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Effects: appends frame `f` (detail::frame_info or stack_frame) as line
/// number `index` after `indent`, with `file` for its file (as the report
/// shows paths, detail/source_root.hpp).
template <class Frame>
void append_frame_line(std::string& out, const char* indent, std::size_t index, const Frame& f, std::string_view file) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s#%zu ", indent, index);
    out += buf;
    constexpr std::size_t whole = static_cast<std::size_t>(-1); // escaped as a report's words are, never cut
    if (!f.function.empty()) append_text_word(out, f.function, whole);
    else {
        std::snprintf(buf, sizeof buf, "%p", f.address);
        out += buf;
    }
    if (!f.file.empty()) {
        out += " at ";
        append_text_word(out, file, whole); // DWARF's paths are bytes: a Latin-1 directory is not UTF-8
        out += ':' + std::to_string(f.line);
    } else if (!f.module.empty()) {
        std::snprintf(buf, sizeof buf, "+0x%llx", static_cast<unsigned long long>(f.offset));
        out += " in ";
        append_text_word(out, f.module, whole);
        out += buf;
    }
    if (f.inlined) out += " (inlined)";
    out += '\n';
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_FRAME_LINE_HPP
