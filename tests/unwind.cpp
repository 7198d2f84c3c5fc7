// SPDX-License-Identifier: BSL-1.0
// The two unwinders of creation stacks: the fast one (frame pointers) gives
// the precise one's frames, cut short where a frame has none, and never
// reads outside the thread's stack nor keeps a value that is not code.
// The test binary is built with -fno-omit-frame-pointer, as the CMake and
// meson targets build their users' files.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "stack_compare.hpp"
#include "support.hpp"

namespace {

using lifecycle::unwind;
using lifecycle_test::compare_stacks;
using lifecycle_test::frames_in;
using lifecycle_test::raw_stack;
using lifecycle_test::stack_labelled;

using lifecycle_test::unwound;
using stacks_on = lifecycle_test::with_stacks;

// The report of what `make` creates inside a scope, with stacks on.
template <class Make>
lifecycle::leak_report created_by(Make make) {
    stacks_on on;
    lifecycle::leak_scope scope{"unwind", lifecycle::leak_policy::ignore};
    std::vector<unwound> kept;
    make(kept);
    return scope.check();
}

// Creates one handle with each unwinder, in this frame.
LIFECYCLE_DETAIL_NOINLINE void create_with_both(std::vector<unwound>& out) {
    lifecycle_test::create_with_each_unwinder(out, 1, "fast", "precise");
}

// A chain of user functions above the creator (no tail calls: each is a frame).
LIFECYCLE_DETAIL_NOINLINE void chain_3(std::vector<unwound>& out) {
    create_with_both(out);
    asm volatile("");
}
LIFECYCLE_DETAIL_NOINLINE void chain_2(std::vector<unwound>& out) {
    chain_3(out);
    asm volatile("");
}
LIFECYCLE_DETAIL_NOINLINE void chain_1(std::vector<unwound>& out) {
    chain_2(out);
    asm volatile("");
}

const void* fn(void (*f)(std::vector<unwound>&)) { return reinterpret_cast<const void*>(f); }

TEST_CASE("fast is the default unwinder where there is one, and set_unwind changes it") {
    lifecycle_test::with_stacks restore;
    if (LIFECYCLE_DETAIL_FAST_UNWIND && std::getenv("LIFECYCLE_UNWIND") == nullptr)
        CHECK(lifecycle::current_unwind() == unwind::fast);
    lifecycle::set_unwind(unwind::precise);
    CHECK(lifecycle::current_unwind() == unwind::precise);
    lifecycle::set_unwind(unwind::fast);
    CHECK(lifecycle::current_unwind() == (LIFECYCLE_DETAIL_FAST_UNWIND ? unwind::fast : unwind::precise));
}

TEST_CASE("LIFECYCLE_UNWIND is read as the settings table says, and a bad value is warned about") {
    using namespace lifecycle::detail;
    CHECK(parse_unwind("precise", unwind::fast, nullptr) == unwind::precise);
    CHECK(parse_unwind("fast", unwind::precise, nullptr) == default_unwind);
    CHECK(parse_unwind("", unwind::precise, nullptr) == unwind::precise);
    std::FILE* f = std::tmpfile();
    CHECK(parse_unwind("dwarf", unwind::fast, f) == unwind::fast);
    std::rewind(f);
    char line[256] = "";
    CHECK(std::fgets(line, sizeof line, f) != nullptr);
    std::fclose(f);
    CHECK(std::string(line) == "lifecycle: ignoring LIFECYCLE_UNWIND='dwarf': expected fast or precise; using fast\n");
}

TEST_CASE("a chain of user functions: the fast stack has the precise one's frames, one by one") {
    if (!lifecycle::detail::stacks_available) return;
    const lifecycle::leak_report r = created_by(chain_1);
    const raw_stack fast = stack_labelled(r, "fast"), precise = stack_labelled(r, "precise");
    INFO("fast: ", fast.frames.size(), " frames, precise: ", precise.frames.size());
    CHECK(compare_stacks(fast, precise) == "");
    // The creator, then its callers, each once.
    CHECK(frames_in(fast, 0, {fn(create_with_both), fn(chain_3), fn(chain_2), fn(chain_1)}));
    CHECK(frames_in(precise, 0, {fn(create_with_both), fn(chain_3), fn(chain_2), fn(chain_1)}));
    if (LIFECYCLE_DETAIL_FAST_UNWIND) {
        // Everything up to main has frame pointers here: the walk ends in the
        // start-up code, which reports do not call stopping early.
        CHECK(fast.frames.size() + 3 >= precise.frames.size());
        const lifecycle::leak_group* g = lifecycle_test::group_labelled(r, "fast");
        REQUIRE(g != nullptr);
        CHECK_FALSE(g->stack_stops_early);
        CHECK(r.to_text().find("without a frame pointer") == std::string::npos);
    }
}

// An inlined creator: its handles' stacks start in the function it is inlined into.
__attribute__((always_inline)) inline void inlined_creator(std::vector<unwound>& out) {
    lifecycle_test::create_with_each_unwinder(out, 3, "inlined fast", "inlined precise");
}
LIFECYCLE_DETAIL_NOINLINE void calls_inlined_creator(std::vector<unwound>& out) {
    inlined_creator(out);
    asm volatile("");
}

TEST_CASE("an inlined creator: both stacks start in the function it is inlined into") {
    if (!lifecycle::detail::stacks_available) return;
    const lifecycle::leak_report r = created_by(calls_inlined_creator);
    const raw_stack fast = stack_labelled(r, "inlined fast"), precise = stack_labelled(r, "inlined precise");
    CHECK(compare_stacks(fast, precise) == "");
    CHECK(frames_in(fast, 0, {fn(calls_inlined_creator)}));
}

// qsort calls back into user code from libc, which keeps no frame pointers.
// Under a sanitizer, the call comes from the sanitizer's own qsort instead:
// AddressSanitizer's calls the comparator with frame pointers (the stack is
// whole), ThreadSanitizer's without.
#if defined(__SANITIZE_ADDRESS__) || LIFECYCLE_DETAIL_TSAN
constexpr bool sanitized_qsort = true;
#elif defined(__has_feature)
#    if __has_feature(address_sanitizer)
constexpr bool sanitized_qsort = true;
#    else
constexpr bool sanitized_qsort = false;
#    endif
#else
constexpr bool sanitized_qsort = false;
#endif
std::vector<unwound>* g_sorted_out = nullptr;
bool g_create_fast = true;

LIFECYCLE_DETAIL_NOINLINE int compare_and_create(const void* a, const void* b) {
    if (g_sorted_out != nullptr) {
        std::vector<unwound>& out = *g_sorted_out;
        g_sorted_out = nullptr; // the first call only
        if (g_create_fast) {
            lifecycle::set_unwind(unwind::fast);
            unwound fast{5, "qsort fast"};
            out.push_back(std::move(fast));
        }
        lifecycle::set_unwind(unwind::precise);
        unwound precise{g_create_fast ? 6 : 7, "qsort precise"};
        out.push_back(std::move(precise));
    }
    const int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
    return (x > y) - (x < y);
}
LIFECYCLE_DETAIL_NOINLINE void sort_and_create(std::vector<unwound>& out, bool fast) {
    int values[32];
    for (int i = 0; i < 32; ++i) values[i] = 32 - i;
    g_sorted_out = &out;
    g_create_fast = fast;
    std::qsort(values, 32, sizeof(int), compare_and_create);
    asm volatile("");
}

TEST_CASE("a callback through qsort: the fast stack stops safely in libc, and the report says so once") {
    if (!lifecycle::detail::stacks_available) return;
    stacks_on on;
    lifecycle::leak_scope scope{"qsort", lifecycle::leak_policy::ignore};
    std::vector<unwound> kept;
    sort_and_create(kept, true);
    const lifecycle::leak_report r = scope.check();
    const raw_stack fast = stack_labelled(r, "qsort fast"), precise = stack_labelled(r, "qsort precise");
    CHECK(compare_stacks(fast, precise) == "");
    // The precise stack goes on through libc into the user's frames above it.
    const auto sorter = std::find_if(precise.frames.begin(), precise.frames.end(), [](const void* f) {
        return lifecycle_test::function_of(f) == reinterpret_cast<const void*>(&sort_and_create);
    });
    REQUIRE(sorter != precise.frames.end());
    if (!LIFECYCLE_DETAIL_FAST_UNWIND) return;
    // Whether the fast stack lost the user's frames above qsort, which the
    // report must then say.
    const bool whole = std::find(fast.frames.begin(), fast.frames.end(), *sorter) != fast.frames.end();
    if (!sanitized_qsort) CHECK_FALSE(whole);
    if (whole) {
        CHECK_FALSE(lifecycle_test::group_labelled(r, "qsort fast")->stack_stops_early);
        CHECK(r.to_text().find("without a frame pointer") == std::string::npos);
        return;
    }
    // Every user frame below the break is kept: the comparator, then qsort's frame.
    CHECK(fast.broken);
    CHECK(fast.frames.size() < precise.frames.size());
    CHECK(lifecycle_test::function_of(fast.frames[0]) == reinterpret_cast<const void*>(&compare_and_create));
    const lifecycle::leak_group* g = lifecycle_test::group_labelled(r, "qsort fast");
    const lifecycle::leak_group* p = lifecycle_test::group_labelled(r, "qsort precise");
    REQUIRE(g != nullptr);
    REQUIRE(p != nullptr);
    CHECK(g->stack_stops_early);
    CHECK_FALSE(p->stack_stops_early);
    const std::string text = r.to_text();
    const std::string note = "(some stacks stop at a frame without a frame pointer: set LIFECYCLE_UNWIND=precise, or call "
                             "lifecycle::set_unwind(lifecycle::unwind::precise), to capture them whole)";
    CHECK(text.find(note) != std::string::npos);
    CHECK(text.find(note) == text.rfind(note)); // once per report
    const std::string json = r.to_json();
    CHECK(json.find("\"stack_stops_early\":true") != std::string::npos);
    CHECK(json.find("\"stack_stops_early\":false") != std::string::npos);

    // Control: the same callback with the precise unwinder only has no note.
    lifecycle::leak_scope precise_only{"qsort precise", lifecycle::leak_policy::ignore};
    std::vector<unwound> more;
    sort_and_create(more, false);
    const lifecycle::leak_report rp = precise_only.check();
    CHECK(rp.count() == 1);
    CHECK(rp.to_text().find("without a frame pointer") == std::string::npos);
    CHECK(rp.to_json().find("\"stack_stops_early\":true") == std::string::npos);
}

TEST_CASE("a thread's fast stack is walked inside its own stack") {
    if (!lifecycle::detail::stacks_available) return;
    const lifecycle::leak_report r = created_by([](std::vector<unwound>& kept) {
        std::thread t([&kept] {
            chain_1(kept);
            asm volatile("");
        });
        t.join();
    });
    const raw_stack fast = stack_labelled(r, "fast"), precise = stack_labelled(r, "precise");
    CHECK(compare_stacks(fast, precise) == "");
    CHECK(frames_in(fast, 0, {fn(create_with_both), fn(chain_3), fn(chain_2), fn(chain_1)}));
}

// ---- negative controls -----------------------------------------------------------

TEST_CASE("the comparison fails on stacks that differ (negative control)") {
    if (!lifecycle::detail::stacks_available) return;
    const lifecycle::leak_report r = created_by(chain_1);
    const raw_stack fast = stack_labelled(r, "fast"), precise = stack_labelled(r, "precise");
    REQUIRE(compare_stacks(fast, precise) == "");
    REQUIRE(fast.frames.size() > 2);
    raw_stack changed = precise;
    changed.frames[2] = changed.frames[1]; // a frame of another caller
    CHECK(compare_stacks(fast, changed).find("frame #2 differs") == 0);
    raw_stack shorter = precise;
    shorter.frames.resize(fast.frames.size() - 1);
    CHECK(compare_stacks(fast, shorter).find("the fast stack has") == 0);
    raw_stack elsewhere = precise;
    elsewhere.frames[0] = precise.frames[1]; // the first frame in the caller
    CHECK(compare_stacks(fast, elsewhere).find("frame #0") == 0);
    CHECK_FALSE(frames_in(fast, 0, {fn(chain_1), fn(chain_2)}));
}

#if LIFECYCLE_DETAIL_FAST_UNWIND && LIFECYCLE_STACKTRACE

int some_data = 42; // not code: a return address here ends a walk

// A fake stack: one page of frame records, and a page after it that may not
// be read (reading it kills the test), as the top of a thread's stack.
struct fake_stack {
    std::uintptr_t* base = nullptr;
    std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    fake_stack() {
        void* p = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        REQUIRE(p != MAP_FAILED);
        REQUIRE(::mprotect(static_cast<char*>(p) + page, page, PROT_NONE) == 0);
        base = static_cast<std::uintptr_t*>(p);
    }
    ~fake_stack() { ::munmap(base, 2 * page); }
    std::uintptr_t at(std::size_t word) const { return reinterpret_cast<std::uintptr_t>(base + word); }
    std::uintptr_t low() const { return at(0); }
    std::uintptr_t high() const { return reinterpret_cast<std::uintptr_t>(base) + page; }
    // A record at `word`: the caller's frame pointer and a return address.
    void record(std::size_t word, std::uintptr_t next, std::uintptr_t ra) {
        base[word] = next;
        base[word + 1] = ra;
    }
    std::size_t walk(std::size_t from_word, bool& broken, std::vector<const void*>& out) const {
        out.assign(64, nullptr);
        const std::size_t n = lifecycle::detail::follow_frame_records(out.data(), out.size(), at(from_word), low(), high(), broken);
        out.resize(n);
        return n;
    }
};

// Return addresses inside this program's code.
std::uintptr_t code_at(int k) { return reinterpret_cast<std::uintptr_t>(&create_with_both) + 1 + static_cast<std::uintptr_t>(k); }

TEST_CASE("a corrupted frame chain on a fake stack is stopped by the bounds, without a crash (negative control)") {
    fake_stack s;
    std::vector<const void*> out;
    bool broken = false;

    // A whole chain, ended by a null frame pointer: every frame, not broken.
    s.record(0, s.at(8), code_at(0));
    s.record(8, s.at(16), code_at(1));
    s.record(16, 0, code_at(2));
    CHECK(s.walk(0, broken, out) == 3);
    CHECK_FALSE(broken);
    CHECK(out[2] == reinterpret_cast<const void*>(code_at(2)));
    CHECK(s.walk(0, broken, out) == 3); // depth: `max` frames are kept and nothing more is read
    std::vector<const void*> two(2);
    CHECK(lifecycle::detail::follow_frame_records(two.data(), 2, s.at(0), s.low(), s.high(), broken) == 2);
    CHECK_FALSE(broken);

    // Into the page that may not be read: the walk stops before it.
    s.record(16, s.high(), code_at(2));
    CHECK(s.walk(0, broken, out) == 3);
    CHECK(broken);
    s.record(16, s.high() - sizeof(std::uintptr_t), code_at(2)); // a record straddling the top
    CHECK(s.walk(0, broken, out) == 3);
    CHECK(broken);
    s.record(16, s.high() + 4096 * 16, code_at(2)); // far beyond it
    CHECK(s.walk(0, broken, out) == 3);
    CHECK(broken);

    // Down the stack, or in a loop: stopped (the walk only climbs).
    s.record(16, s.at(8), code_at(2));
    CHECK(s.walk(0, broken, out) == 3);
    CHECK(broken);
    s.record(16, s.at(16), code_at(2));
    CHECK(s.walk(0, broken, out) == 3);
    CHECK(broken);

    // Misaligned.
    s.record(16, s.at(24) + 3, code_at(2));
    CHECK(s.walk(0, broken, out) == 3);
    CHECK(broken);

    // Return addresses that are not code are not kept: null, small, data, the stack itself, the heap.
    void* heap = std::malloc(64);
    const std::uintptr_t not_code[] = {0, 8, 4095, reinterpret_cast<std::uintptr_t>(&some_data), s.at(40),
                                       reinterpret_cast<std::uintptr_t>(heap), ~std::uintptr_t(0)};
    for (std::uintptr_t ra : not_code) {
        s.record(8, s.at(16), ra);
        s.record(16, 0, code_at(2));
        CHECK(s.walk(0, broken, out) == 1);
        CHECK(broken);
        CHECK(out[0] == reinterpret_cast<const void*>(code_at(0)));
    }
    std::free(heap);

    // A start outside the bounds reads nothing.
    CHECK(lifecycle::detail::follow_frame_records(out.data(), 1, s.high(), s.low(), s.high(), broken) == 0);
    CHECK(broken);
}

// What a frame without a frame pointer leaves in the register, in the real
// stack: the creator's saved frame pointer is overwritten for the capture.
LIFECYCLE_DETAIL_NOINLINE std::size_t walk_with_saved_fp(std::uintptr_t garbage, bool& broken, const void** out) {
    auto* slot = static_cast<std::uintptr_t*>(__builtin_frame_address(0));
    const std::uintptr_t saved = *slot;
    *slot = garbage;
    asm volatile("" ::: "memory");
    const std::size_t n = lifecycle::detail::walk_frame_pointers(out, 64, broken);
    asm volatile("" ::: "memory");
    *slot = saved;
    return n;
}

TEST_CASE("garbage in a frame record of the real stack stops the walk there (negative control)") {
    const void* frames[64];
    bool broken = false;
    const std::size_t whole = walk_with_saved_fp(reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)), broken, frames);
    REQUIRE(whole != lifecycle::detail::no_walk);
    REQUIRE(whole > 3);
    void* heap = std::malloc(64);
    int local = 0;
    const std::uintptr_t garbage[] = {0x10, reinterpret_cast<std::uintptr_t>(heap), reinterpret_cast<std::uintptr_t>(&some_data),
                                      code_at(0), reinterpret_cast<std::uintptr_t>(&local) + 1, ~std::uintptr_t(0) - 8};
    for (std::uintptr_t g : garbage) {
        CHECK(walk_with_saved_fp(g, broken, frames) == 2); // the return addresses into the creator and its caller
        CHECK(broken);
    }
    // A frame pointer of 0 is the outermost frame's: not broken.
    CHECK(walk_with_saved_fp(0, broken, frames) == 2);
    CHECK_FALSE(broken);
    std::free(heap);
}

// A handler on an alternate signal stack: the walk stays inside that stack.
struct handler_capture {
    const void* frames[64];
    std::size_t n;
    bool broken;
    std::uintptr_t fp;
};
handler_capture g_in_handler{};

void capture_in_handler(int) {
    g_in_handler.n = lifecycle::detail::collect_frames(g_in_handler.frames, 64, unwind::fast, g_in_handler.broken);
    g_in_handler.fp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
}

TEST_CASE("in a handler on an alternate signal stack, the fast walk stays inside that stack") {
    std::vector<char> alternate(256 * 1024);
    stack_t ss{}, old_ss{};
    ss.ss_sp = alternate.data();
    ss.ss_size = alternate.size();
    REQUIRE(::sigaltstack(&ss, &old_ss) == 0);
    struct sigaction sa {}, old_sa{};
    sa.sa_handler = &capture_in_handler;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    REQUIRE(::sigaction(SIGUSR2, &sa, &old_sa) == 0);
    ::raise(SIGUSR2);
    ::sigaction(SIGUSR2, &old_sa, nullptr);
    ::sigaltstack(&old_ss, nullptr);
    const auto base = reinterpret_cast<std::uintptr_t>(alternate.data());
    if (g_in_handler.fp < base || g_in_handler.fp >= base + alternate.size()) {
        MESSAGE("the handler did not run on the alternate stack (a sanitizer's signal handling): nothing to check");
        return;
    }
    REQUIRE(g_in_handler.n >= 1);
    CHECK(lifecycle_test::function_of(g_in_handler.frames[0]) == reinterpret_cast<const void*>(&capture_in_handler));
    // The handler's record points back to the interrupted stack: outside this one.
    CHECK(g_in_handler.broken);
    CHECK(g_in_handler.n <= 2);
}

#endif // LIFECYCLE_DETAIL_FAST_UNWIND && LIFECYCLE_STACKTRACE

} // namespace
