// SPDX-License-Identifier: BSL-1.0
// leak_report: creation sites, stacks, grouping, ranking, text and JSON.
#include <lifecycle/tracked.hpp>
#include <lifecycle/detail/frame_line.hpp>
#include <lifecycle/detail/report_hints.hpp>
#include <lifecycle/detail/site_text.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cctype>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

using lifecycle::leak_policy;
using lifecycle::leak_scope;
using lifecycle::tracked_fd;
using lifecycle_test::with_capture;

namespace {

int site_line = 0;

// Out of line, so the stack's first user frame is this function.
__attribute__((noinline)) tracked_fd create_here(const char* label) {
    site_line = __LINE__ + 1;
    tracked_fd fd{::open("/dev/null", O_RDONLY), label};
    return fd;
}

int emplace_line = 0;

__attribute__((noinline)) void emplace_here(std::vector<tracked_fd>& into) {
    emplace_line = __LINE__ + 1;
    into.emplace_back(::open("/dev/null", O_RDONLY), "emplaced");
}

int emplace_other_line = 0;

// Another user line that emplaces with a label literal of the same length as emplace_here's.
__attribute__((noinline)) void emplace_there(std::vector<tracked_fd>& into) {
    emplace_other_line = __LINE__ + 1;
    into.emplace_back(::open("/dev/null", O_RDONLY), "EMPLACED");
}

// The same call with a label literal of another length (another construct<...> instantiation).
__attribute__((noinline)) void emplace_short(std::vector<tracked_fd>& into) {
    into.emplace_back(::open("/dev/null", O_RDONLY), "e");
}

__attribute__((noinline)) tracked_fd create_elsewhere(const char* label) {
    return tracked_fd{::open("/dev/null", O_RDONLY), label};
}

// Replaces every run of digits that follows `after` with `with`.
std::string mask_digits_after(std::string s, const std::string& after, const std::string& with) {
    for (std::size_t at = s.find(after); at != std::string::npos; at = s.find(after, at + after.size())) {
        std::size_t end = at + after.size();
        while (end < s.size() && (std::isdigit(static_cast<unsigned char>(s[end])) || s[end] == ':')) ++end;
        s.replace(at + after.size(), end - at - after.size(), with);
    }
    return s;
}

// "(/any/path/report.cpp:123)" -> "(report.cpp:LINE)"
std::string mask_site(std::string s) {
    const std::string masked = "(report.cpp:LINE)";
    std::size_t from = 0;
    for (std::size_t at; (at = s.find("report.cpp:", from)) != std::string::npos;) {
        const std::size_t open = s.rfind('(', at);
        const std::size_t close = s.find(')', at);
        if (open == std::string::npos || close == std::string::npos) break;
        s.replace(open, close - open + 1, masked);
        from = open + masked.size();
    }
    return s;
}

std::string fingerprint_of(const std::string& json) {
    const std::string key = "\"fingerprint\":\"";
    const std::size_t at = json.find(key);
    return at == std::string::npos ? std::string() : json.substr(at + key.size(), 16);
}

// Replaces what follows each `after` up to the end of its line with `with`.
std::string mask_rest_of_line(std::string s, const std::string& after, const std::string& with) {
    for (std::size_t at = s.find(after); at != std::string::npos; at = s.find(after, at + after.size())) {
        const std::size_t end = s.find('\n', at);
        s.replace(at + after.size(), (end == std::string::npos ? s.size() : end) - at - after.size(), with);
    }
    return s;
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace

TEST_CASE("site capture records the file and line of the creating call") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"site", leak_policy::ignore};
    tracked_fd fd = create_here("sited");
    const auto r = scope.check();
    REQUIRE(r.groups().size() == 1);
    const auto& g = r.groups()[0];
    CHECK(ends_with(g.site_file, "report.cpp"));
    CHECK(g.site_line == static_cast<unsigned>(site_line));
    CHECK(g.site_function == "create_here");
    CHECK(g.stack.empty());
    CHECK(g.has_age); // the coarse clock may say 0 ms this soon
    CHECK(g.oldest_age_seconds < 60);
    CHECK(fd.site().line == static_cast<unsigned>(site_line));
    const std::string text = r.to_text();
    CHECK(text.find("created at create_here (") != std::string::npos);
    CHECK(text.find("report.cpp:" + std::to_string(site_line) + ")") != std::string::npos);
    CHECK(text.find("(creation stacks were not captured: set LIFECYCLE_CAPTURE=stack") != std::string::npos);
}

TEST_CASE("capture off records neither site nor time, and the report says which setting adds them") {
    with_capture tier{lifecycle::capture::off};
    leak_scope scope{"off", leak_policy::ignore};
    tracked_fd fd = create_here("unsited");
    const auto r = scope.check();
    REQUIRE(r.count() == 1);
    CHECK(r.groups()[0].site_line == 0);
    CHECK(r.groups()[0].oldest_age_seconds == 0);
    const std::string text = r.to_text();
    CHECK(text.find("created at an unknown site") != std::string::npos);
    CHECK(text.find("(creation sites were not captured: set LIFECYCLE_CAPTURE=site or stack") != std::string::npos);
}

TEST_CASE("stack capture: lifecycle's frames are trimmed and the first line is the creating call") {
    with_capture tier{lifecycle::capture::stack};
    leak_scope scope{"stack", leak_policy::ignore};
    tracked_fd fd = create_here("stacked");
    const auto r = scope.check();
    REQUIRE(r.groups().size() == 1);
    const std::string text = r.to_text(); // symbolizes
    const auto& g = r.groups()[0];
    REQUIRE_FALSE(g.stack.empty());
    CHECK(g.with_stack == 1);
    const auto& top = g.stack.front();
    INFO(text);
    CHECK(top.function.find("create_here") != std::string::npos);
    if (top.file.empty()) {
        MESSAGE("this build has no line information: only the function name is checked");
    } else {
        CHECK(ends_with(top.file, "report.cpp"));
        CHECK(top.line == static_cast<unsigned>(site_line));
    }
    for (const auto& f : g.stack) CHECK(f.function.find("lifecycle::v0_") == std::string::npos);
    CHECK(text.find("    #0 ") != std::string::npos);
    CHECK(text.find("creation stacks were not captured") == std::string::npos);
}

TEST_CASE("a resource constructed inside emplace_back is grouped at the user's line, not the allocator's") {
    with_capture tier{lifecycle::capture::stack};
    std::vector<tracked_fd> keep;
    keep.reserve(4);
    leak_scope scope{"emplace", leak_policy::ignore};
    emplace_here(keep);
    emplace_here(keep);
    const auto r = scope.check();
    REQUIRE(r.groups().size() == 1);
    const auto& g = r.groups()[0];
    CHECK(g.count == 2);
    if (g.site_file.find("/c++/") != std::string::npos) {
        FAIL("the group is still at the allocator: ", g.site_file);
    }
    CHECK(g.site_function.find("emplace_here") != std::string::npos);
    CHECK(g.site_line == static_cast<unsigned>(emplace_line));
}

TEST_CASE("site capture: emplace_back's resources are grouped at the user's call, not at the allocator's construct<>") {
    with_capture tier{lifecycle::capture::site};
    std::vector<tracked_fd> keep;
    keep.reserve(8);
    leak_scope scope{"emplace at site capture", leak_policy::ignore};
    emplace_here(keep);
    emplace_here(keep);
    emplace_there(keep); // same label length as emplace_here's: must not join its group
    emplace_short(keep);
    const auto r = scope.check();
    const std::string text = r.to_text();
    INFO(text);
    CHECK(text.find("construct") == std::string::npos);
    CHECK(text.find("/c++/") == std::string::npos);
    REQUIRE(r.groups().size() == 3);
    for (const auto& g : r.groups()) {
        CHECK(g.with_stack == 0); // the frames that anchored it are no creation stack
        CHECK(g.stack.empty());
    }
    const auto& here = r.groups()[0];
    CHECK(here.count == 2);
    CHECK(here.site_function == "emplace_here");
    CHECK(here.site_line == static_cast<unsigned>(emplace_line));
    CHECK(ends_with(here.site_file, "report.cpp"));
    CHECK(r.groups()[1].site_function == "emplace_there");
    CHECK(r.groups()[1].site_line == static_cast<unsigned>(emplace_other_line));
    CHECK(r.groups()[2].site_function == "emplace_short");
    CHECK(text.find("(creation stacks were not captured") != std::string::npos);
    CHECK(text.find("    #0 ") == std::string::npos);
}

TEST_CASE("groups by creation site, ranked by weight, then count") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"ranking", leak_policy::ignore};
    std::vector<tracked_fd> fds;
    for (int i = 0; i < 3; ++i) fds.push_back(create_here("many"));
    fds.push_back(create_elsewhere("one"));
    void* p = ::mmap(nullptr, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    lifecycle::tracked_mapping heavy{lifecycle::mapping{p, 1 << 20}, "heavy"};
    const auto r = scope.check();
    REQUIRE(r.groups().size() == 3);
    CHECK(r.groups()[0].kind == "mapping");
    CHECK(r.groups()[0].total_weight == (1u << 20));
    CHECK(r.groups()[1].count == 3);
    CHECK(r.groups()[1].site_function == "create_here");
    CHECK(r.groups()[2].count == 1);
    CHECK(r.groups()[2].site_function == "create_elsewhere");
    CHECK(r.count() == 5);
    CHECK(r.total_weight() == (1u << 20));
    const std::string text = r.to_text();
    CHECK(text.find("1 x mapping 'heavy', holding 1.0 MiB") != std::string::npos);
    CHECK(text.find("close with munmap()") != std::string::npos);
    CHECK(ends_with(text, "SUMMARY: lifecycle: 5 leaked resources in 3 groups (1.0 MiB) in scope 'ranking'\n"));
    CHECK(text.find("1 x mapping") < text.find("3 x fd"));
    CHECK(text.find("3 x fd") < text.find("1 x fd"));
}

TEST_CASE("a group lists its first three labels, then how many more") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"labels", leak_policy::ignore};
    std::vector<tracked_fd> fds;
    for (const char* l : {"a", "b", "c", "d", "e"}) fds.push_back(create_here(l));
    const std::string text = scope.check().to_text();
    CHECK(text.find("5 x fd 'a', 'b', 'c' and 2 more") != std::string::npos);
}

TEST_CASE("the text report, normalised, matches the golden output") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"golden", leak_policy::ignore};
    std::vector<tracked_fd> fds;
    fds.push_back(create_here("first"));
    fds.push_back(create_here("second"));
    std::string text = scope.check().to_text();
    text = mask_site(text);
    text = mask_digits_after(text, "thread ", "TID");
    text = mask_digits_after(text, "ordinals ", "ORD");
    text = mask_digits_after(text, "ORD-", "ORD");
    text = mask_rest_of_line(text, ", oldest ", "AGE");
    text = mask_digits_after(text, "LIFECYCLE_BREAK_ON=", "ORD");
    const std::string golden =
        "lifecycle: 2 leaked resources in scope 'golden'\n"
        "\n"
        "2 x fd 'first', 'second'\n"
        "  created at create_here (report.cpp:LINE) on thread TID, ordinals ORD-ORD, oldest AGE\n"
        "  close with close()\n"
        "\n"
        "(creation stacks were not captured: set LIFECYCLE_CAPTURE=stack, or call lifecycle::set_capture(lifecycle::capture::stack))\n"
        "\n"
        "(to stop in a debugger where the first resource of the biggest group is created: run again with LIFECYCLE_BREAK_ON=ORD)\n"
        "\n"
        "SUMMARY: lifecycle: 2 leaked resources in 1 group in scope 'golden'\n";
    CHECK(text == golden);
}

TEST_CASE("a group names its scope only where it differs from the report's") {
    with_capture tier{lifecycle::capture::site};
    leak_scope outer{"outer", leak_policy::ignore};
    std::vector<tracked_fd> fds;
    fds.push_back(create_here("made outside"));
    {
        leak_scope inner{"inner", leak_policy::ignore};
        fds.push_back(tracked_fd{::open("/dev/null", O_RDONLY), "made inside"}); // a site of its own
        const std::string own = inner.check().to_text();
        CHECK(own.find("  in scope") == std::string::npos); // the report's own scope: not repeated
    }
    const std::string text = outer.check().to_text();
    CHECK(text.find("  in scope 'inner'\n") != std::string::npos); // the planted nested creation must show
    CHECK(text.find("  in scope 'outer'") == std::string::npos); // create_here's group: the report's scope
}

namespace {
std::size_t lines_starting(const std::string& text, const std::string& prefix) {
    std::size_t n = text.rfind(prefix, 0) == 0 ? 1 : 0;
    for (std::size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1))
        if (text.compare(at + 1, prefix.size(), prefix) == 0) ++n;
    return n;
}
} // namespace

TEST_CASE("text: control characters in labels and scope names are escaped, so no label forges a report line") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"scope\nSUMMARY: forged\x1b[2J", leak_policy::ignore};
    tracked_fd fd = create_here("x\nSUMMARY: lifecycle: 0 leaked resources\r\t\x7f");
    const auto r = scope.check();
    const std::string text = r.to_text();
    INFO(text);
    CHECK(lines_starting(text, "SUMMARY:") == 1); // the planted line must not be one of its own
    CHECK(text.find("\nSUMMARY: forged") == std::string::npos);
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find('\r') == std::string::npos);
    CHECK(text.find("1 x fd 'x\\nSUMMARY: lifecycle: 0 leaked resources\\r\\t\\x7f'\n") != std::string::npos);
    CHECK(text.find(" in scope 'scope\\nSUMMARY: forged\\x1b[2J'\n") != std::string::npos);
    // The JSON keeps the label as it was (escaped as JSON).
    CHECK(r.to_json().find("\"x\\nSUMMARY: lifecycle: 0 leaked resources\\r\\t\\u007f\"") != std::string::npos);
}

TEST_CASE("text: a label longer than 200 bytes is cut, saying how many bytes were cut; the JSON has it whole") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"long", leak_policy::ignore};
    const std::string long_label(10000, 'x');
    // 199 ASCII bytes, then a two-byte character across the cut: not split.
    const std::string straddling = std::string(199, 'a') + "\xc3\xa9" + std::string(20, 'b');
    std::vector<tracked_fd> fds;
    fds.push_back(create_here(long_label.c_str()));
    fds.push_back(create_here(straddling.c_str()));
    fds.push_back(create_here(std::string(200, 'c').c_str())); // exactly the limit: whole
    const auto r = scope.check();
    const std::string text = r.to_text();
    INFO(text);
    CHECK(text.find("'" + std::string(200, 'x') + "...(9800 bytes cut)'") != std::string::npos);
    CHECK(text.find(std::string(201, 'x')) == std::string::npos);
    CHECK(text.find("'" + std::string(199, 'a') + "...(22 bytes cut)'") != std::string::npos);
    CHECK(text.find("'" + std::string(200, 'c') + "'") != std::string::npos);
    const std::string json = r.to_json();
    CHECK(json.find("\"" + long_label + "\"") != std::string::npos);
    CHECK(json.find("\"" + straddling + "\"") != std::string::npos);
}

TEST_CASE("text words: bytes that are not UTF-8 and C1 controls are escaped, well-formed characters kept") {
    using lifecycle::detail::text_word;
    CHECK(text_word("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"); // kept
    CHECK(text_word("a\xff" "b") == "a\\xffb");
    CHECK(text_word("\x80\xbf") == "\\x80\\xbf");                 // continuation bytes without a lead
    CHECK(text_word("\xc0\xaf") == "\\xc0\\xaf");                 // an overlong '/'
    CHECK(text_word("\xed\xa0\x80") == "\\xed\\xa0\\x80");         // a UTF-16 surrogate
    CHECK(text_word("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80"); // above U+10FFFF
    CHECK(text_word("\xe2\x82" "x") == "\\xe2\\x82x");             // a sequence cut short
    CHECK(text_word("\xc2\x9b" "2J") == "\\xc2\\x9b2J");           // U+009B, the C1 CSI: terminals obey it
    CHECK(text_word("\xc2\xa0") == "\xc2\xa0");                    // U+00A0 is no control
    CHECK(text_word("\x1b[2J\x7f") == "\\x1b[2J\\x7f");
    // The cut counts input bytes; bytes that are not UTF-8 are cut one at a time, never all backed off.
    CHECK(text_word(std::string(300, '\x80')) == [] {
        std::string s;
        for (int i = 0; i < 200; ++i) s += "\\x80";
        return s + "...(100 bytes cut)";
    }());
    CHECK(text_word(std::string(198, 'a') + "\xf0\x9f\x98\x80" + "b") == std::string(198, 'a') + "...(5 bytes cut)");
    // Without allocating, into a buffer: whole pieces only.
    char buf[lifecycle::detail::text_word_buffer];
    CHECK(std::string(lifecycle::detail::text_word_into(buf, sizeof buf, std::string(300, '\n'))) ==
          [] {
              std::string s;
              for (int i = 0; i < 200; ++i) s += "\\n";
              return s + "...(100 bytes cut)";
          }());
    char small[6];
    CHECK(std::string(lifecycle::detail::text_word_into(small, sizeof small, "ab\x1b" "cd")) == "ab");
    char short_of_count[210]; // the 200 bytes shown fit; "...(100 bytes cut)" does not, and is dropped whole
    CHECK(std::string(lifecycle::detail::text_word_into(short_of_count, sizeof short_of_count, std::string(300, 'z'))) ==
          std::string(200, 'z'));
}

TEST_CASE("the close-error line escapes the label") {
    lifecycle_test::capture_stderr err;
    {
        lifecycle::closer closer;
        closer.add([] { return std::make_error_code(std::errc::io_error); }, "a\nlifecycle: forged");
    }
    const std::string text = err.text();
    INFO(text);
    CHECK(text.find("\nlifecycle: forged") == std::string::npos);
    CHECK(text.find("failed to close callable 'a\\nlifecycle: forged': Input/output error") != std::string::npos);
}

TEST_CASE("text: ordinals are listed per shard, runs collapsed, the first few then how many more") {
    using lifecycle::detail::format_ordinal_runs;
    const auto o = [](std::uint64_t shard, std::uint64_t n) { return shard << 40 | n; };
    const std::vector<std::uint64_t> two_shards{o(1, 9), o(1, 10), o(1, 11), o(1, 12), o(2, 3)};
    CHECK(format_ordinal_runs(two_shards.data(), two_shards.size()) == "1:9-1:12, 2:3");
    const std::vector<std::uint64_t> one{o(3, 7)};
    CHECK(format_ordinal_runs(one.data(), one.size()) == "3:7");
    // The last of one shard and the first of the next are not one run, even where the numbers touch.
    const std::vector<std::uint64_t> touching{o(1, (std::uint64_t(1) << 40) - 1), o(2, 0)};
    CHECK(format_ordinal_runs(touching.data(), touching.size()) == "1:1099511627775, 2:0");
    const std::vector<std::uint64_t> many{o(1, 1), o(1, 3), o(1, 5), o(1, 6), o(1, 8), o(1, 10), o(1, 11), o(2, 1)};
    CHECK(format_ordinal_runs(many.data(), many.size()) == "1:1, 1:3, 1:5-1:6, 1:8 and 3 more");
    CHECK(format_ordinal_runs(many.data(), many.size(), 2) == "1:1, 1:3 and 6 more");

    // A real report: two threads' resources at one site are two shards' runs, not a range across them.
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"shards", leak_policy::ignore};
    std::vector<tracked_fd> fds;
    fds.push_back(create_here("main 1"));
    fds.push_back(create_here("main 2"));
    std::thread([&fds] { fds.push_back(create_here("other")); }).join();
    const auto r = scope.check();
    REQUIRE(r.groups().size() == 1);
    const auto& ord = r.groups()[0].ordinals;
    REQUIRE(ord.size() == 3);
    const std::string text = r.to_text();
    INFO(text);
    CHECK(text.find(", ordinals " + format_ordinal_runs(ord.data(), ord.size()) + ", oldest") != std::string::npos);
    CHECK(text.find(" .. ") == std::string::npos);
    CHECK(text.find(", ordinals " + lifecycle::detail::format_ordinal(ord[0]) + "-" + lifecycle::detail::format_ordinal(ord[1])) !=
          std::string::npos);
    CHECK((ord[2] >> 40) != (ord[0] >> 40));
}

TEST_CASE("a thread's name, read at its first create, is printed beside its id, also after it ended") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"named threads", leak_policy::ignore};
    std::vector<tracked_fd> fds;
    int named_tid = 0, unnamed_tid = 0;
    std::thread([&] {
        ::pthread_setname_np(::pthread_self(), "io\nworker");
        named_tid = lifecycle::detail::registry::thread_id();
        fds.push_back(create_here("named"));
        ::pthread_setname_np(::pthread_self(), "renamed later"); // the name at the first create is kept
        fds.push_back(create_here("named again"));
    }).join();
    std::thread([&] {
        unnamed_tid = lifecycle::detail::registry::thread_id();
        fds.push_back(create_here("unnamed")); // kept the program's name: no name of its own
    }).join();
    const auto r = scope.check();
    REQUIRE(r.groups().size() == 1);
    const auto& g = r.groups()[0];
    REQUIRE(g.threads.size() == 2);
    REQUIRE(g.thread_names.size() == 2);
    const std::size_t named = g.threads[0] == named_tid ? 0 : 1, unnamed = 1 - named; // in shard order
    CHECK(g.threads[named] == named_tid);
    CHECK(g.thread_names[named] == "io\nworker");
    CHECK(g.threads[unnamed] == unnamed_tid);
    CHECK(g.thread_names[unnamed] == "");
    const std::string text = r.to_text();
    INFO(text);
    CHECK(text.find(" " + std::to_string(named_tid) + " 'io\\nworker'") != std::string::npos);
    CHECK(text.find(" " + std::to_string(unnamed_tid) + (unnamed == 0 ? ", " : ", ordinals")) != std::string::npos);
    CHECK(text.find("renamed later") == std::string::npos);
    CHECK(r.to_json().find(named == 0 ? "\"thread_names\":[\"io\\nworker\",\"\"]" : "\"thread_names\":[\"\",\"io\\nworker\"]") !=
          std::string::npos);
}

TEST_CASE("JSON: schema, counts, escaped labels, and a fingerprint that is stable across reports") {
    with_capture tier{lifecycle::capture::stack};
    std::string first_fingerprint;
    for (int round = 0; round < 2; ++round) {
        leak_scope scope{"json \"quoted\"", leak_policy::ignore};
        tracked_fd fd = create_here("label with \"quotes\" and \\ backslash");
        const std::string json = scope.check().to_json();
        CHECK(json.rfind("{\"schema\":2,\"type\":\"report\",\"scope\":\"json \\\"quoted\\\"\",\"count\":1,", 0) == 0);
        CHECK(json.find("\"labels\":[\"label with \\\"quotes\\\" and \\\\ backslash\"]") != std::string::npos);
        CHECK(json.find("\"kind\":\"fd\"") != std::string::npos);
        CHECK(json.find("\"function\":\"create_here\"") != std::string::npos);
        CHECK(json.find("\"frames\":[{\"function\":") != std::string::npos);
        const std::string fingerprint = fingerprint_of(json);
        REQUIRE(fingerprint.size() == 16);
        CHECK(fingerprint.find_first_not_of("0123456789abcdef") == std::string::npos);
        if (round == 0) first_fingerprint = fingerprint;
        else CHECK(fingerprint == first_fingerprint);
    }
}

TEST_CASE("an empty report renders as nothing and as an empty JSON report") {
    leak_scope scope{"empty", leak_policy::ignore};
    const auto r = scope.check();
    CHECK(r.to_text().empty());
    CHECK(r.to_json().rfind("{\"schema\":2,\"type\":\"report\",\"scope\":\"empty\",\"count\":0,", 0) == 0);
}

TEST_CASE("a report stays valid after its resources closed") {
    with_capture tier{lifecycle::capture::stack};
    lifecycle::leak_report r;
    {
        leak_scope scope{"snapshot", leak_policy::ignore};
        tracked_fd fd = create_here("closed after the check");
        r = scope.check();
    }
    CHECK(r.count() == 1);
    CHECK(r.to_text().find("'closed after the check'") != std::string::npos);
}

TEST_CASE("stats() prints as a table") {
    std::ostringstream os;
    lifecycle::print_stats(os, lifecycle::stats());
    CHECK(os.str().rfind("kind", 0) == 0);
    CHECK(os.str().find("\nfd ") != std::string::npos);
}

TEST_CASE("a site's function and file are escaped in the text, never cut, and kept in the JSON") {
    // __builtin_FILE is whatever path the build gave: a directory named in
    // Latin-1 is not UTF-8, and a file name may hold any byte but '/'.
    const std::string long_file = lifecycle_test::hostile_word + std::string(300, 'f') + ".cpp";
    const lifecycle::source_site site{long_file.c_str(), lifecycle_test::hostile_word.c_str(), 12};
    const std::string shown = lifecycle_test::hostile_word_shown + " (" + lifecycle_test::hostile_word_shown +
                              std::string(300, 'f') + ".cpp:12)";
    with_capture tier{lifecycle::capture::site};
    lifecycle::leak_report r;
    {
        leak_scope scope{"hostile site", leak_policy::ignore};
        tracked_fd fd{::open("/dev/null", O_RDONLY), "plain", site};
        r = scope.check();
    }
    const std::string text = r.to_text();
    INFO(text);
    CHECK_FALSE(lifecycle_test::has_raw_bytes(text));
    CHECK(text.find("\n  created at " + shown + " on thread ") != std::string::npos);
    CHECK(r.to_json().find("\"function\":\"x\\nlifecycle: forged\\u001b[2J") != std::string::npos);

    std::string line; // the one writer of a site in messages (ownership, close errors, a closer's listing)
    lifecycle::detail::append_site(line, site);
    CHECK(line == shown);

    lifecycle::stack_frame f; // a frame of a creation stack, as DWARF names it
    f.function = lifecycle_test::hostile_word;
    f.file = long_file;
    f.line = 7;
    std::string frame;
    lifecycle::detail::append_frame_line(frame, "  ", 0, f, f.file);
    CHECK(frame == "  #0 " + lifecycle_test::hostile_word_shown + " at " + lifecycle_test::hostile_word_shown +
                       std::string(300, 'f') + ".cpp:7\n");
    f.file.clear();
    f.module = "/lib/" + lifecycle_test::hostile_word + ".so";
    f.offset = 0x10;
    frame.clear();
    lifecycle::detail::append_frame_line(frame, "  ", 1, f, f.file);
    CHECK(frame == "  #1 " + lifecycle_test::hostile_word_shown + " in /lib/" + lifecycle_test::hostile_word_shown + ".so+0x10\n");
}

TEST_CASE("a traits' kind name and close call are escaped in the text outputs and kept in the JSON") {
    using hostile_fd = lifecycle::tracked<lifecycle_test::hostile_kind_traits>;
    const std::string& shown = lifecycle_test::hostile_word_shown;
    lifecycle::leak_report r;
    {
        leak_scope scope{"hostile kind", leak_policy::ignore};
        hostile_fd fd{::open("/dev/null", O_RDONLY), "plain"};
        r = scope.check();
    }
    const std::string text = r.to_text();
    INFO(text);
    CHECK_FALSE(lifecycle_test::has_raw_bytes(text));
    CHECK(text.find("\n1 x " + shown + " 'plain'\n") != std::string::npos);
    CHECK(text.find("\n  close with " + shown + "\n") != std::string::npos);
    REQUIRE(r.groups().size() == 1);
    CHECK(r.groups()[0].kind == lifecycle_test::hostile_word); // the data keeps the traits' bytes
    CHECK(r.to_json().find("\"kind\":\"x\\nlifecycle: forged\\u001b[2J") != std::string::npos);

    lifecycle::leak_scope_options o; // the line of a limit exceeded names the kind too
    o.policy = leak_policy::ignore;
    o.limits.push_back({lifecycle_test::hostile_word, 0});
    {
        leak_scope scope{"hostile limit", o};
        hostile_fd fd{::open("/dev/null", O_RDONLY)};
        const std::string limited = scope.check().to_text();
        INFO(limited);
        CHECK_FALSE(lifecycle_test::has_raw_bytes(limited));
        CHECK(limited.find("\nlimit exceeded: 1 x " + shown + " left open") != std::string::npos);
    }

    std::ostringstream os; // the stats table: one line a kind, escaped, aligned on the escaped name
    lifecycle::print_stats(os, lifecycle::stats());
    INFO(os.str());
    CHECK_FALSE(lifecycle_test::has_raw_bytes(os.str()));
    CHECK(os.str().find("\n" + shown + " ") != std::string::npos);
}

namespace {
// Replaces the JSON value after `"key":` (a string, a number or an array) with `with`.
std::string mask_json(std::string s, const std::string& key, const std::string& with) {
    const std::string k = "\"" + key + "\":";
    for (std::size_t at = s.find(k); at != std::string::npos; at = s.find(k, at + k.size())) {
        const std::size_t from = at + k.size();
        std::size_t end = from;
        if (s[from] == '"') end = s.find('"', from + 1) + 1;
        else if (s[from] == '[') end = s.find(']', from) + 1;
        else
            while (end < s.size() && s[end] != ',' && s[end] != '}') ++end;
        s.replace(from, end - from, with);
    }
    return s;
}
} // namespace

TEST_CASE("the JSON report, normalised, matches the golden output") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"golden json", leak_policy::ignore};
    std::vector<tracked_fd> fds;
    fds.push_back(create_here("first"));
    fds.push_back(create_here("second"));
    std::string json = scope.check().to_json();
    for (const char* key : {"fingerprint", "file", "line", "ordinals", "threads", "oldest_age_seconds", "time", "executable",
                            "pid", "start_time", "host"})
        json = mask_json(json, key, std::string("<") + key + ">");
    const std::string golden =
        "{\"schema\":2,\"type\":\"report\",\"scope\":\"golden json\",\"count\":2,\"weight\":0,\"time\":<time>,\"executable\":<executable>,"
        "\"pid\":<pid>,\"start_time\":<start_time>,\"host\":<host>,\"capture\":\"site\",\"groups\":["
        "{\"fingerprint\":<fingerprint>,\"tracked\":true,\"kind\":\"fd\",\"close_call\":\"close()\",\"count\":2,"
        "\"weight\":0,\"largest_weight\":0,\"site\":{\"file\":<file>,\"line\":<line>,\"function\":\"create_here\"},"
        "\"labels\":[\"first\",\"second\"],\"ordinals\":<ordinals>,\"threads\":<threads>,\"thread_names\":[\"\"],\"scopes\":[\"golden json\"],"
        "\"oldest_age_seconds\":<oldest_age_seconds>,\"with_stack\":0,\"stack_stops_early\":false,\"stack_cut_at\":0,\"frames\":[],\"distinct_stacks\":0,\"stacks\":[]}],"
        "\"allowed\":[],\"limits_exceeded\":[]}";
    CHECK(json == golden);
}

TEST_CASE("a frame that cannot be symbolized prints its address; the others are still symbolized") {
    with_capture tier{lifecycle::capture::stack};
    leak_scope scope{"bad frame", leak_policy::ignore};
    tracked_fd fd = create_here("bad frame");
    lifecycle::leak_report r = scope.check();
    REQUIRE(r.groups().size() == 1);
    // Rebuild the report from a record whose stack starts with a bogus address.
    auto records = lifecycle::detail::instance().live_since(lifecycle::detail::watermark{});
    lifecycle::detail::record_view rec;
    for (auto& v : records)
        if (v.label == "bad frame") rec = v;
    REQUIRE(rec.stack != nullptr);
    const std::uint32_t depth = rec.stack->depth + 1;
    std::vector<void*> storage(sizeof(lifecycle::detail::stack_entry) / sizeof(void*) + depth + 1);
    auto* entry = new (storage.data()) lifecycle::detail::stack_entry;
    entry->depth = static_cast<std::uint16_t>(depth);
    entry->frames[0] = reinterpret_cast<void*>(std::uintptr_t{0x10}); // nothing is mapped there
    for (std::uint32_t i = 0; i < rec.stack->depth; ++i) entry->frames[i + 1] = rec.stack->frames[i];
    rec.stack = entry;
    rec.site = lifecycle::source_site{};
    const std::string text = lifecycle::leak_report::from_records("bad frame", {rec}, lifecycle::capture::stack).to_text();
    CHECK(text.find("#0 0x10") != std::string::npos);
    INFO(text);
    CHECK(text.find("create_here(char const*) at ") != std::string::npos); // a symbolized frame line, not the header
}

TEST_CASE("ages are measured at the moment of the check, not after symbolizing") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"ages", leak_policy::ignore};
    tracked_fd fd = create_here("aged");
    REQUIRE(scope.check().groups().size() == 1);
    lifecycle::detail::record_view older;
    for (auto& v : lifecycle::detail::instance().live_since(lifecycle::detail::watermark{}))
        if (v.label == "aged") older = v;
    REQUIRE(older.kind != nullptr);
    // The check happened a second ago (as if symbolizing had taken that long).
    const std::int64_t checked = lifecycle::detail::now_ticks() - 1'000'000'000;
    older.created_ticks = checked - 5'000'000'000; // 5 s before the check
    lifecycle::detail::record_view younger = older;
    younger.created_ticks = checked - 2'000'000'000;
    younger.site.line += 1;
    // The ages are those at `checked`, not at the moment the report is built.
    const lifecycle::leak_report r = lifecycle::leak_report::from_records("ages", {older, younger}, lifecycle::capture::site,
                                                                          checked);
    REQUIRE(r.groups().size() == 2);
    double ages[2] = {r.groups()[0].oldest_age_seconds, r.groups()[1].oldest_age_seconds};
    if (ages[0] < ages[1]) std::swap(ages[0], ages[1]);
    CHECK(ages[0] == 5.0);
    CHECK(ages[1] == 2.0);
}

TEST_CASE("the text offers the first ordinal of the biggest group as a LIFECYCLE_BREAK_ON value") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"break on", leak_policy::ignore};
    tracked_fd small = create_here("small");
    std::vector<tracked_fd> big;
    for (int i = 0; i < 3; ++i) big.push_back(tracked_fd{::open("/dev/null", O_RDONLY), "big"});
    const lifecycle::leak_report r = scope.check();
    REQUIRE(r.groups().size() == 2);
    REQUIRE(r.groups()[0].count == 3);
    const std::string first_big = lifecycle::detail::format_ordinal(r.groups()[0].ordinals.front());
    REQUIRE(r.groups()[1].ordinals.front() < r.groups()[0].ordinals.front()); // the small group is older
    const std::string text = r.to_text();
    INFO(text);
    CHECK(text.find("LIFECYCLE_BREAK_ON=" + lifecycle::detail::format_ordinal(r.groups()[1].ordinals.front())) ==
          std::string::npos); // the biggest group's, not the oldest resource's
    CHECK(text.find("run again with LIFECYCLE_BREAK_ON=" + first_big + ")\n") != std::string::npos);
    CHECK(lifecycle::detail::parse_ordinal(first_big.c_str(), "LIFECYCLE_BREAK_ON", nullptr) ==
          r.groups()[0].ordinals.front()); // a value the variable takes
}

TEST_CASE("LIFECYCLE_STACK_DEPTH counts the program's frames: emplace_back keeps the user's line, in one group") {
    with_capture tier{lifecycle::capture::stack};
    const unsigned before = lifecycle::detail::instance().stack_depth();
    for (unsigned depth : {1u, 2u, 32u}) {
        CAPTURE(depth);
        lifecycle::set_stack_depth(depth);
        std::vector<tracked_fd> keep; // no reserve: three emplaces reallocate, the fourth does not
        leak_scope scope{"depth", leak_policy::ignore};
        for (int i = 0; i < 4; ++i) emplace_here(keep);
        const lifecycle::leak_report r = scope.check();
        const std::string text = r.to_text();
        INFO(text);
        REQUIRE(r.groups().size() == 1);
        const auto& g = r.groups()[0];
        CHECK(g.site_line == static_cast<unsigned>(emplace_line));
        REQUIRE_FALSE(g.stack.empty());
        CHECK(g.stack.front().function.find("emplace_here") != std::string::npos);
        const bool cut_hint = text.find("(some stacks were cut at LIFECYCLE_STACK_DEPTH=1 of the program's frames: set "
                                        "it higher") != std::string::npos;
        if (depth == 1) { // emplace_here, its caller cut
            CHECK(g.stack.size() == 1);
            CHECK(g.stack_cut_at == 1);
            CHECK(cut_hint);
            CHECK(r.to_json().find("\"stack_cut_at\":1,") != std::string::npos);
        } else if (depth == 2) { // emplace_here and the test: the rest is doctest's (library frames, not counted)
            CHECK(g.stack.size() == 2);
            CHECK(g.stack_cut_at == 0);
            CHECK(text.find("some stacks were cut") == std::string::npos);
        } else { // control: the whole stack, doctest's frames down to main, and no hint
            CHECK(g.stack.size() > 2);
            CHECK(g.stack_cut_at == 0);
            CHECK(text.find("some stacks were cut") == std::string::npos);
        }
    }
    lifecycle::set_stack_depth(before);
}

TEST_CASE("a build without stacks says so instead of asking for a capture tier it has") {
    lifecycle::detail::report_facts f;
    f.tier = lifecycle::capture::stack;
    f.tracked = true;
    f.site = true;
    f.unstacked = true;
    f.stackable = false; // as with LIFECYCLE_STACKTRACE=0
    std::string out;
    lifecycle::detail::append_hints(out, f);
    CHECK(out.find("(this build captures no stacks: it was built without Boost.Stacktrace (LIFECYCLE_STACKTRACE=0)") !=
          std::string::npos);
    CHECK(out.find("LIFECYCLE_CAPTURE=stack") == std::string::npos);
    f.stackable = true; // control: a build that captures them, resources made before the tier was stack
    out.clear();
    lifecycle::detail::append_hints(out, f);
    CHECK(out.find("this build captures no stacks") == std::string::npos);
    f.tier = lifecycle::capture::site; // control: the tier is what is missing
    out.clear();
    lifecycle::detail::append_hints(out, f);
    CHECK(out.find("(creation stacks were not captured: set LIFECYCLE_CAPTURE=stack") != std::string::npos);
}
