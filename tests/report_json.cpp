// SPDX-License-Identifier: BSL-1.0
// The JSON report (schema 2) is JSON any parser takes, whatever the labels and
// the locale, and carries what CI needs later: frames addr2line can resolve,
// build ids, the process that wrote it, and fingerprints that survive edits.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <clocale>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <locale>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"

using lifecycle::leak_policy;
using lifecycle::leak_scope;
using lifecycle::tracked_fd;
using lifecycle_test::with_capture;

namespace {

__attribute__((noinline)) tracked_fd open_labelled(const std::string& label) {
    tracked_fd fd{::open("/dev/null", O_RDONLY), label.c_str()};
    return fd;
}

// Runs `cmd`, returns its stdout; `ok` = exit status 0.
std::string run(const std::string& cmd, bool* ok = nullptr) {
    std::string out;
    if (std::FILE* p = ::popen(cmd.c_str(), "r")) {
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
        const int status = ::pclose(p);
        if (ok) *ok = status == 0;
    } else if (ok) {
        *ok = false;
    }
    return out;
}

bool have(const char* tool) {
    bool ok = false;
    run(std::string("command -v ") + tool + " >/dev/null 2>&1", &ok);
    return ok;
}

std::string temp_path(const char* name) {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/lifecycle-json-" + std::to_string(::getpid()) + "-" + name;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// The value after `"key":` in `json` (a string without escapes, or a number).
std::string value_of(const std::string& json, const std::string& key) {
    const std::string k = "\"" + key + "\":";
    const std::size_t at = json.find(k);
    if (at == std::string::npos) return "<missing>";
    std::size_t from = at + k.size(), end = from;
    if (json[from] == '"') return json.substr(from + 1, json.find('"', from + 1) - from - 1);
    while (end < json.size() && json[end] != ',' && json[end] != '}') ++end;
    return json.substr(from, end - from);
}

// Python's strict UTF-8 decoder and json module, then `check` (a Python
// expression over `r`, the parsed report) must hold. Returns its stderr-free verdict.
bool python_accepts(const std::string& json, const std::string& check) {
    const std::string file = temp_path("report.json");
    write_file(file, json);
    const std::string script = temp_path("check.py");
    write_file(script, "import json, sys\n"
                       "r = json.loads(open(sys.argv[1], 'rb').read().decode('utf-8', 'strict'))\n"
                       "sys.exit(0 if (" + check + ") else 3)\n");
    bool ok = false;
    run("python3 " + script + " " + file + " 2>&1", &ok);
    std::remove(file.c_str());
    std::remove(script.c_str());
    return ok;
}

} // namespace

TEST_CASE("JSON: bytes that are not UTF-8 become U+FFFD, control characters are escaped, valid UTF-8 is kept") {
    with_capture tier{lifecycle::capture::site};
    leak_scope scope{"utf-8 \xff scope", leak_policy::ignore};
    // é € 😀 stay; a lone continuation, an overlong '/', a surrogate, a cut
    // sequence, a byte above F4, and control characters do not.
    const std::string label = "ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 bad \x80 \xc0\xaf \xed\xa0\x80 \xe2\x82 \xf5 ctl \x01\x1f\x7f\n end";
    tracked_fd fd = open_labelled(label);
    const std::string json = scope.check().to_json();
    CHECK(json.find("\"scope\":\"utf-8 \\ufffd scope\"") != std::string::npos);
    CHECK(json.find("\"labels\":[\"ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 bad \\ufffd \\ufffd\\ufffd "
                    "\\ufffd\\ufffd\\ufffd \\ufffd\\ufffd \\ufffd ctl \\u0001\\u001f\\u007f\\n end\"]") != std::string::npos);
    INFO(json);
    REQUIRE(have("python3"));
    // A real parser, strict UTF-8: the valid characters come back as they were.
    CHECK(python_accepts(json, "r['groups'][0]['labels'][0].startswith('ok \\u00e9\\u20ac\\U0001F600 bad \\ufffd')"));
    // Negative control: the raw label is not UTF-8, so the checker does reject such bytes.
    CHECK_FALSE(python_accepts("{\"label\":\"" + label.substr(0, 20) + "\"}", "True"));
}

TEST_CASE("JSON: numbers do not follow the locale's decimal comma") {
    with_capture tier{lifecycle::capture::site};
    // A locale whose decimal point is ',': installed, or built here with localedef.
    const std::string locales = temp_path("locales");
    std::string chosen;
    for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "de_DE"})
        if (std::setlocale(LC_ALL, name)) {
            chosen = name;
            break;
        }
    if (chosen.empty() && have("localedef")) {
        run("mkdir -p " + locales + " && localedef -i de_DE -f UTF-8 " + locales + "/de_DE.UTF-8 >/dev/null 2>&1");
        ::setenv("LOCPATH", locales.c_str(), 1);
        if (std::setlocale(LC_ALL, "de_DE.UTF-8")) chosen = "de_DE.UTF-8 (localedef)";
    }
    struct comma : std::numpunct<char> {
        char do_decimal_point() const override { return ','; }
    };
    const std::locale before = std::locale::global(std::locale(std::locale(), new comma));
    char probe[16];
    std::snprintf(probe, sizeof probe, "%.1f", 0.5);
    std::ostringstream stream_probe;
    stream_probe << 0.5;
    MESSAGE("locale: " << (!chosen.empty() ? chosen : "none installed: std::locale with a ',' numpunct only") << "; printf gives "
                       << probe << ", iostreams give " << stream_probe.str());
    CHECK(stream_probe.str() == "0,5");
    if (!chosen.empty()) CHECK(std::string(probe) == "0,5"); // the locale is in effect: the old "%.3f" wrote 0,000

    leak_scope scope{"locale", leak_policy::ignore};
    tracked_fd fd = open_labelled("aged");
    const lifecycle::leak_report r = scope.check();
    const std::string json = r.to_json();
    const std::string text = r.to_text();
    std::setlocale(LC_ALL, "C");
    std::locale::global(before);
    ::unsetenv("LOCPATH");
    run("rm -rf " + locales);

    const std::string age = value_of(json, "oldest_age_seconds");
    INFO(json);
    CHECK(age.find(',') == std::string::npos);
    CHECK(age.size() >= 5);
    CHECK(age.find('.') == age.size() - 4);
    CHECK(python_accepts(json, "isinstance(r['groups'][0]['oldest_age_seconds'], float)"));
    CHECK(text.find(" ms\n") != std::string::npos);
    CHECK(lifecycle::detail::fixed_decimal(0.5, 1) == "0.5");
    CHECK(lifecycle::detail::fixed_decimal(1536.0 / 1024, 1) == "1.5");
    CHECK(lifecycle::detail::fixed_decimal(0.0004, 3) == "0.000");
    CHECK(lifecycle::detail::fixed_decimal(2.0625, 3) == "2.063");
    CHECK(lifecycle::detail::fixed_decimal(119.96, 1) == "120.0");
    CHECK(lifecycle::detail::human_bytes(1536) == "1.5 KiB");
}

TEST_CASE("JSON: the report names the process that wrote it") {
    leak_scope scope{"process", leak_policy::ignore};
    const std::string json = scope.check().to_json();
    INFO(json);
    CHECK(json.rfind("{\"schema\":2,\"type\":\"report\",", 0) == 0);
    char exe[4096] = {};
    REQUIRE(::readlink("/proc/self/exe", exe, sizeof exe - 1) > 0);
    CHECK(value_of(json, "executable") == exe);
    CHECK(value_of(json, "pid") == std::to_string(::getpid()));
    char host[256] = {};
    REQUIRE(::gethostname(host, sizeof host - 1) == 0);
    CHECK(value_of(json, "host") == host);
    // The start time as `ps` has it (seconds), and the report's own time after it.
    const std::string start = value_of(json, "start_time");
    const std::string time = value_of(json, "time");
    CHECK(start.size() == 20);
    CHECK(time.size() == 24);
    CHECK(start <= time.substr(0, 19) + "Z");
    bool ok = false;
    const std::string ps = run("TZ=UTC ps -o lstart= -p " + std::to_string(::getpid()) + " 2>/dev/null", &ok);
    if (ok && have("date")) {
        const std::string iso = run("date -u -d '" + ps.substr(0, ps.find('\n')) + "' +%Y-%m-%dT%H:%M:%SZ");
        // ps and /proc round the same start to whole seconds; they may differ by one.
        CHECK(iso.substr(0, 16) == start.substr(0, 16));
    }
    CHECK(python_accepts(json, "r['pid'] > 0 and r['host'] and r['executable'].startswith('/')"));
}

namespace {
int offset_line = 0;
__attribute__((noinline)) tracked_fd open_for_offsets() {
    offset_line = __LINE__ + 1;
    tracked_fd fd{::open("/dev/null", O_RDONLY), "offsets"};
    return fd;
}
} // namespace

TEST_CASE("JSON: each frame's offset is the call that was symbolized, in a module named with its build id") {
    with_capture tier{lifecycle::capture::stack};
    leak_scope scope{"offsets", leak_policy::ignore};
    tracked_fd fd = open_for_offsets();
    const lifecycle::leak_report r = scope.check();
    REQUIRE(r.groups().size() == 1);
    const auto& frames = r.groups()[0].stack;
    REQUIRE(!frames.empty());
    char exe[4096] = {};
    REQUIRE(::readlink("/proc/self/exe", exe, sizeof exe - 1) > 0);
    CHECK(frames[0].function == "(anonymous namespace)::open_for_offsets()");
    CHECK(frames[0].module == exe); // the real path, not argv[0]
    const std::string readelf = have("readelf") ? run(std::string("readelf -n ") + exe + " 2>/dev/null") : "";
    const std::size_t id_at = readelf.find("Build ID: ");
    if (id_at != std::string::npos) CHECK(frames[0].build_id == readelf.substr(id_at + 10, readelf.find('\n', id_at) - id_at - 10));
    else CHECK(frames[0].build_id.size() >= 16); // no readelf: at least a plausible id
    CHECK(frames[0].build_id.find_first_not_of("0123456789abcdef") == std::string::npos);
    const std::string json = r.to_json();
    CHECK(json.find("\"build_id\":\"" + frames[0].build_id + "\"") != std::string::npos);

    // Every frame the program's own code holds: addr2line on module + offset
    // names the function and line the report printed (the return address
    // itself would name the next line where a call ends one).
    if (!have("addr2line")) {
        MESSAGE("SKIP addr2line comparison: no addr2line");
        return;
    }
    int compared = 0;
    for (const auto& f : frames) {
        if (f.module != exe || f.file.empty() || f.line == 0) continue;
        char off[32];
        std::snprintf(off, sizeof off, "0x%llx", static_cast<unsigned long long>(f.offset));
        // -i: the inlined frames too, innermost first; the report names the outermost.
        std::string where = run(std::string("addr2line -i -e ") + exe + " " + off);
        while (!where.empty() && where.back() == '\n') where.pop_back();
        where = where.substr(where.rfind('\n') == std::string::npos ? 0 : where.rfind('\n') + 1);
        where = where.substr(0, where.find(" (discriminator"));
        // The line is what must agree. The file too, for this file's frames:
        // for standard headers inlined into a caller, clang's DWARF 5 makes
        // addr2line name the caller's file (main.cpp:6930 for doctest.h:6930).
        const std::string line = ":" + std::to_string(f.line);
        INFO(f.function << " at " << f.file << line << ", addr2line " << off << ": " << where);
        CHECK(where.size() > line.size());
        CHECK(where.compare(where.size() - line.size(), line.size(), line) == 0);
        if (f.file.find("report_json.cpp") != std::string::npos) {
            // addr2line joins a relative DW_AT_name to the build directory
            // (meson: "../../../tests/x.cpp" becomes "/build/../../../tests/x.cpp"):
            // the report's path, less its leading "../", ends the answer.
            std::string tail = f.file;
            while (tail.rfind("../", 0) == 0 || tail.rfind("./", 0) == 0) tail.erase(0, tail.find('/') + 1);
            tail += line;
            CHECK(where.size() >= tail.size());
            CHECK(where.compare(where.size() - tail.size(), tail.size(), tail) == 0);
        }
        ++compared;
    }
    CHECK(compared >= 2);
    CHECK(frames[0].line == static_cast<unsigned>(offset_line));
}

namespace {
// A hand-made group at `line` of `file`, as from_records would build it.
lifecycle::leak_group group_at(const std::string& file, unsigned line) {
    lifecycle::leak_group g;
    g.kind = "fd";
    g.site_file = file;
    g.site_function = "make_session";
    g.site_line = line;
    return g;
}
std::uint64_t fingerprint(const std::string& file, unsigned line) { return lifecycle::detail::fingerprint(group_at(file, line)); }
} // namespace

TEST_CASE("fingerprint: lines inserted above keep it, editing the creating line changes it") {
    const std::string dir = temp_path("fp");
    run("mkdir -p " + dir + "/a " + dir + "/b");
    const std::string file = dir + "/a/client.cpp";
    const std::string leak = "    tracked_fd fd{::open(path, O_RDONLY), \"session\"};\n";
    write_file(file, "void make_session() {\n" + leak + "}\n");
    const std::uint64_t original = fingerprint(file, 2);

    write_file(file, "// a comment\n#include <x>\n\nvoid make_session() {\n" + leak + "}\n");
    CHECK(fingerprint(file, 5) == original);      // moved down three lines: same
    write_file(file, "void make_session() {\n\ttracked_fd  fd{ ::open(path, O_RDONLY), \"session\" };\n}\n");
    CHECK(fingerprint(file, 2) == original);      // re-indented, spaces changed: same
    write_file(dir + "/b/client.cpp", "void make_session() {\n" + leak + "}\n");
    CHECK(fingerprint(dir + "/b/client.cpp", 2) == original); // another build directory: same

    write_file(file, "void make_session() {\n    tracked_fd fd{::open(path, O_RDWR), \"session\"};\n}\n");
    CHECK(fingerprint(file, 2) != original);      // the creating line edited: changed
    write_file(file, "void make_session() {\n" + leak + leak + "}\n");
    CHECK(fingerprint(file, 2) == original);      // the first of two identical lines keeps it,
    CHECK(fingerprint(file, 3) != original);      // the second is told apart
    lifecycle::leak_group other_kind = group_at(file, 2);
    other_kind.kind = "socket";
    CHECK(lifecycle::detail::fingerprint(other_kind) != original);

    // The source is not readable at report time: the line number decides.
    const std::string gone = dir + "/gone/client.cpp";
    CHECK(fingerprint(gone, 2) == fingerprint(gone, 2));
    CHECK(fingerprint(gone, 2) != fingerprint(gone, 5));
    CHECK(fingerprint(gone, 2) != original);
    CHECK(fingerprint(file, 999) == fingerprint(gone, 999)); // past the end: as unreadable
    run("rm -rf " + dir);
}

TEST_CASE("fingerprint: a real report's matches the group's, and survives a second report") {
    with_capture tier{lifecycle::capture::site};
    std::string first;
    for (int round = 0; round < 2; ++round) {
        leak_scope scope{"fingerprint", leak_policy::ignore};
        tracked_fd fd = open_labelled("fp");
        const lifecycle::leak_report r = scope.check();
        REQUIRE(r.groups().size() == 1);
        char expected[24];
        std::snprintf(expected, sizeof expected, "%016llx",
                      static_cast<unsigned long long>(lifecycle::detail::fingerprint(r.groups()[0])));
        CHECK(value_of(r.to_json(), "fingerprint") == expected);
        if (round == 0) first = expected;
        else CHECK(first == expected);
    }
}

// The report's times are computed without gmtime_r (glibc's takes the
// time-zone lock, which a fork can leave held): they must still be gmtime's.
TEST_CASE("report times are UTC as gmtime_r gives them, from 1970 to 2100") {
    int mismatches = 0;
    for (long long t = 0; t < 4102444800LL; t += 86400LL * 37 + 3671) {
        const std::time_t s = static_cast<std::time_t>(t);
        std::tm u{};
        REQUIRE(::gmtime_r(&s, &u) != nullptr);
        char want[64];
        std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.250Z", u.tm_year + 1900, u.tm_mon + 1, u.tm_mday,
                      u.tm_hour, u.tm_min, u.tm_sec);
        if (lifecycle::detail::iso_time(t * 1000 + 250, true) != want) ++mismatches;
    }
    CHECK(mismatches == 0);
    CHECK(lifecycle::detail::iso_time(951782400000LL, false) == "2000-02-29T00:00:00Z"); // a leap day
}
