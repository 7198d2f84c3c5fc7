// SPDX-License-Identifier: BSL-1.0
// The registry: configuration from the environment, counters, thread shards.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace {

std::string warnings_of(void (*parse)(std::FILE*)) {
    std::FILE* f = std::tmpfile();
    parse(f);
    std::rewind(f);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    std::fclose(f);
    return out;
}

struct counted_tag {
    static constexpr const char* name = "test.counted";
};
using counted = lifecycle::tracked<lifecycle_test::fake_traits<counted_tag>>;
struct peak_tag {
    static constexpr const char* name = "test.peak";
};
struct threads_tag {
    static constexpr const char* name = "test.threads";
};
struct remote_tag {
    static constexpr const char* name = "test.remote";
};
using remote = lifecycle::tracked<lifecycle_test::fake_traits<remote_tag>>;

struct failing_traits {
    using handle_type = int;
    static constexpr std::string_view kind_name() noexcept { return "test.failing"; }
    static constexpr int invalid() noexcept { return -1; }
    static std::error_code close(int) noexcept { return std::make_error_code(std::errc::io_error); }
};

} // namespace

TEST_CASE("LIFECYCLE_CAPTURE: off, site and stack are read; anything else warns and keeps the default") {
    using lifecycle::capture;
    using lifecycle::detail::parse_capture;
    CHECK(parse_capture("off", capture::stack, nullptr) == capture::off);
    CHECK(parse_capture("site", capture::stack, nullptr) == capture::site);
    CHECK(parse_capture("stack", capture::off, nullptr) == capture::stack);
    CHECK(parse_capture(nullptr, capture::site, nullptr) == capture::site);
    CHECK(parse_capture("", capture::site, nullptr) == capture::site);
    static capture parsed;
    const std::string warning = warnings_of([](std::FILE* f) { parsed = parse_capture("STACKS", capture::site, f); });
    CHECK(parsed == capture::site);
    CHECK(warning == "lifecycle: ignoring LIFECYCLE_CAPTURE='STACKS': expected off, site or stack; using site\n");
}

TEST_CASE("a setting's warning escapes the value: a variable holding a newline or an escape warns on one line") {
    using lifecycle::capture;
    static capture parsed;
    const std::string warning = warnings_of(
        [](std::FILE* f) { parsed = lifecycle::detail::parse_capture("site\nlifecycle: forged\x1b[2J\xff", capture::stack, f); });
    CHECK(parsed == capture::stack);
    CHECK(warning == "lifecycle: ignoring LIFECYCLE_CAPTURE='site\\nlifecycle: forged\\x1b[2J\\xff': expected off, site or "
                     "stack; using stack\n");
    // A long value is cut as labels are; the line stays whole.
    static std::string long_value;
    long_value = std::string(500, 'v') + "\n";
    const std::string cut =
        warnings_of([](std::FILE* f) { parsed = lifecycle::detail::parse_capture(long_value.c_str(), capture::site, f); });
    CHECK(cut == "lifecycle: ignoring LIFECYCLE_CAPTURE='" + std::string(200, 'v') +
                     "...(301 bytes cut)': expected off, site or stack; using site\n");
}

TEST_CASE("LIFECYCLE_STACK_DEPTH: 1..128 is read; anything else warns and keeps the default") {
    using lifecycle::detail::parse_depth;
    CHECK(parse_depth("1", 32, nullptr) == 1);
    CHECK(parse_depth("128", 32, nullptr) == 128);
    CHECK(parse_depth(nullptr, 32, nullptr) == 32);
    for (const char* bad : {"0", "129", "-4", "x", "12abc", " 8"}) {
        static const char* value;
        static unsigned parsed;
        value = bad;
        const std::string warning = warnings_of([](std::FILE* f) { parsed = parse_depth(value, 32, f); });
        CHECK(parsed == 32);
        CHECK(warning == std::string("lifecycle: ignoring LIFECYCLE_STACK_DEPTH='") + bad +
                             "': expected a whole number from 1 to 128; using 32\n");
    }
}

TEST_CASE("set_capture and set_stack_depth change the tier and depth in force") {
    lifecycle_test::with_capture tier{lifecycle::capture::off};
    CHECK(lifecycle::current_capture() == lifecycle::capture::off);
    lifecycle::set_capture(lifecycle::capture::site);
    CHECK(lifecycle::current_capture() == lifecycle::capture::site);
    const unsigned depth = lifecycle::detail::instance().stack_depth();
    lifecycle::set_stack_depth(0);
    CHECK(lifecycle::detail::instance().stack_depth() == 1);
    lifecycle::set_stack_depth(1000);
    CHECK(lifecycle::detail::instance().stack_depth() == 128);
    lifecycle::set_stack_depth(depth);
}

namespace {
// `levels` frames of the program's own above the creation.
LIFECYCLE_DETAIL_NOINLINE counted create_nested(int levels) {
    if (levels <= 1) return counted{1};
    counted c = create_nested(levels - 1);
    asm volatile(""); // not a tail call: a frame per level
    return c;
}
} // namespace

TEST_CASE("the stack depth bounds the frames kept: the program's, plus a few of the library's between them") {
    lifecycle_test::with_capture tier{lifecycle::capture::stack};
    const unsigned depth = lifecycle::detail::instance().stack_depth();
    lifecycle::set_stack_depth(3);
    lifecycle::leak_scope scope{"depth", lifecycle::leak_policy::ignore};
    counted c = create_nested(6);
    const auto r = scope.check();
    lifecycle::set_stack_depth(depth);
    REQUIRE(r.groups().size() == 1);
    const auto& g = r.groups()[0];
    REQUIRE(g.raw_stack != nullptr);
    CHECK(g.raw_stack->depth <= 3 + lifecycle::detail::stack_slack);
    CHECK(g.raw_stack->depth > 3); // walked past the depth, for the library's frames it does not count
    CHECK(g.raw_stack->user_depth == 3);
    REQUIRE(g.stack.size() == 3); // rendered: three of the six create_nested frames
    for (const auto& f : g.stack) CHECK_MESSAGE(f.function.find("create_nested") != std::string::npos, f.function); // none of lifecycle's inlined frames
    CHECK(g.stack_cut_at == 3);
}

// Not inlined: the frame a creation stack must start in. `here` gets the
// stack as captured in this frame with the unwinder in force, for comparison.
LIFECYCLE_DETAIL_NOINLINE void create_for_the_stack_test(std::vector<counted>& out, std::vector<const void*>& here) {
    const void* frames[128];
    bool broken = false;
    here.assign(frames, frames + lifecycle::detail::collect_frames(frames, 128, lifecycle::current_unwind(), broken));
    counted c{7};
    out.push_back(std::move(c));
}

TEST_CASE("a creation stack starts in the creating function: no frame of lifecycle's is walked or kept") {
    if (!lifecycle::detail::stacks_available) return;
    lifecycle_test::with_capture tier{lifecycle::capture::stack};
    const unsigned depth = lifecycle::detail::instance().stack_depth();
    lifecycle::set_stack_depth(128);
    const lifecycle::unwind unwinder = lifecycle::current_unwind();
    for (const lifecycle::unwind u : {lifecycle::unwind::fast, lifecycle::unwind::precise}) {
        lifecycle::set_unwind(u);
        lifecycle::leak_scope scope{"first frame", lifecycle::leak_policy::ignore};
        std::vector<counted> kept;
        std::vector<const void*> here;
        create_for_the_stack_test(kept, here);
        const auto r = scope.check();
        REQUIRE(r.groups().size() == 1);
        REQUIRE(r.groups()[0].raw_stack != nullptr);
        const auto* stack = r.groups()[0].raw_stack;
        // The same frames as a capture in the creating function (the first, in
        // that function, at another address): a frame of lifecycle's kept first
        // would make the stack one longer.
        REQUIRE(here.size() > 2);
        CHECK(stack->depth == here.size());
        CHECK(std::equal(here.begin() + 1, here.end(), stack->frames + 1));
    }
    lifecycle::set_unwind(unwinder);
    lifecycle::set_stack_depth(depth);
}

TEST_CASE("threads interning the same stack at once get one entry") {
    lifecycle_test::with_capture tier{lifecycle::capture::stack};
    lifecycle::leak_scope scope{"interned by two threads", lifecycle::leak_policy::ignore};
    // The two threads run the same code from the same entry: their stacks
    // are the same return addresses, looked up and inserted concurrently.
    std::vector<counted> a, b;
    const auto make = [](std::vector<counted>* out) {
        out->reserve(200);
        for (int i = 0; i < 200; ++i) out->emplace_back(i);
    };
    std::thread t1(make, &a), t2(make, &b);
    t1.join();
    t2.join();
    const auto r = scope.check();
    REQUIRE(r.groups().size() == 1);
    CHECK(r.groups()[0].with_stack == 400);
    CHECK(r.groups()[0].distinct_stacks == 1);
}

TEST_CASE("identical creation stacks are interned once") {
    lifecycle_test::with_capture tier{lifecycle::capture::stack};
    lifecycle::leak_scope scope{"interned", lifecycle::leak_policy::ignore};
    std::vector<counted> many;
    many.reserve(10);
    for (int i = 0; i < 10; ++i) many.emplace_back(i);
    const auto r = scope.check();
    REQUIRE(r.groups().size() == 1);
    CHECK(r.groups()[0].with_stack == 10);
    CHECK(r.groups()[0].distinct_stacks == 1);
}

TEST_CASE("per-kind counters: live, peak, created, closed, released, failures") {
    const auto before = lifecycle_test::stats_of("test.counted");
    {
        counted a{1}, b{2}, c{3};
        CHECK(lifecycle_test::live_of("test.counted") == before.live + 3);
        (void)c.release();
        CHECK_FALSE(b.close());
    }
    const auto after = lifecycle_test::stats_of("test.counted");
    CHECK(after.live == before.live);
    CHECK(after.created == before.created + 3);
    CHECK(after.closed == before.closed + 2);
    CHECK(after.released == before.released + 1);
    CHECK(after.peak >= before.live + 3);
    CHECK(after.close_failures == before.close_failures);

    lifecycle_test::capture_close_failures quiet;
    { lifecycle::tracked<failing_traits> f{1}; }
    lifecycle::tracked<failing_traits> g{2};
    CHECK(g.close() == std::errc::io_error);
    const auto failing = lifecycle_test::stats_of("test.failing");
    CHECK(failing.close_failures == 2);
    CHECK(failing.closed == 2);
    CHECK(failing.live == 0);
    CHECK(quiet.size() == 1); // the destructor's failure; close() returned its own
}

TEST_CASE("peak counts the most open at once") {
    using peaked = lifecycle::tracked<lifecycle_test::fake_traits<peak_tag>>;
    {
        std::vector<peaked> v;
        for (int i = 0; i < 7; ++i) v.emplace_back(i);
    }
    { peaked one{1}; }
    const auto s = lifecycle_test::stats_of("test.peak");
    CHECK(s.peak == 7);
    CHECK(s.live == 0);
    CHECK(s.created == 8);
}

TEST_CASE("counters add up over threads") {
    using threaded = lifecycle::tracked<lifecycle_test::fake_traits<threads_tag>>;
    std::vector<threaded> kept(2);
    std::thread a([&] { kept[0] = threaded{1}; threaded closed{2}; });
    std::thread b([&] { kept[1] = threaded{3}; });
    a.join();
    b.join();
    auto s = lifecycle_test::stats_of("test.threads");
    CHECK(s.created == 3);
    CHECK(s.live == 2);
    kept.clear();
    s = lifecycle_test::stats_of("test.threads");
    CHECK(s.live == 0);
    CHECK(s.closed == 3);
}

TEST_CASE("a handle closed on another thread is handed back to its creator's shard") {
    const auto before = lifecycle_test::stats_of("test.remote");
    lifecycle::leak_scope_options own;
    own.policy = lifecycle::leak_policy::ignore;
    own.this_thread_only = true;
    lifecycle::leak_scope mine{"mine", own}; // read by its owner thread: no barrier, but the hand-back is seen
    remote kept{1, "kept"};                   // the negative control: still open
    remote closed_there{2, "closed there"};
    remote released_there{3, "released there"};
    std::thread other([&] {
        CHECK_FALSE(closed_there.close());
        CHECK(released_there.release() == 3);
    });
    other.join();
    const auto r = mine.check();
    CHECK(r.count() == 1);
    CHECK(r.to_text().find("'kept'") != std::string::npos);
    auto s = lifecycle_test::stats_of("test.remote");
    CHECK(s.created == before.created + 3);
    CHECK(s.live == before.live + 1);
    CHECK(s.closed == before.closed + 1);
    CHECK(s.released == before.released + 1);
    // And when the creator is gone: the hand-back waits in a shard nobody
    // leases until a reader takes it.
    lifecycle::leak_scope all{"all", lifecycle::leak_policy::ignore};
    remote orphan;
    std::thread creator([&] { orphan = remote{4, "orphan"}; });
    creator.join();
    CHECK(all.check().count() == 1);
    orphan.reset();
    CHECK(all.check().empty());
    s = lifecycle_test::stats_of("test.remote");
    CHECK(s.live == before.live + 1);
    CHECK(s.closed == before.closed + 2);
}

TEST_CASE("owners write their shards without a lock where membarrier(2) works, and never under TSan") {
    // Registering again is harmless: it tells whether this system supports it.
    const bool supported = !LIFECYCLE_DETAIL_TSAN && lifecycle::detail::register_process_barrier();
    CHECK(lifecycle::detail::instance().lock_free_owners() == supported);
    const std::string mode = supported ? "yes" : "no (every owner takes its shard's lock)";
    MESSAGE("lock-free owners: " << mode);
}

TEST_CASE("two traits with the same kind name share one kind") {
    auto& reg = lifecycle::detail::instance();
    CHECK(reg.register_kind("test.shared-name", "close()") == reg.register_kind("test.shared-name", "other()"));
}

TEST_CASE("interned stacks: 8 bytes before their frames, carved one after another (issue 14: <= 8 B a frame + 32 B)") {
    using lifecycle::detail::stack_entry;
    static auto* const table = new lifecycle::detail::stack_table; // never freed, as the registry's
    CHECK(offsetof(stack_entry, frames) == 8);
    constexpr std::uintptr_t n = 2000, depth = 16;
    auto frames_of = [](std::uintptr_t i, const void** frames) {
        for (std::uintptr_t k = 0; k < depth; ++k) frames[k] = reinterpret_cast<const void*>(0x400000 + i * 64 + k);
    };
    std::vector<const stack_entry*> entries;
    for (std::uintptr_t i = 0; i < n; ++i) {
        const void* frames[depth];
        frames_of(i, frames);
        entries.push_back(table->intern(frames, depth, i % 2 == 1));
    }
    std::size_t packed = 0;
    for (std::uintptr_t i = 0; i < n; ++i) {
        REQUIRE(entries[i] != nullptr);
        const void* frames[depth];
        frames_of(i, frames);
        CHECK(entries[i]->depth == depth);
        CHECK(entries[i]->broken == (i % 2 == 1));
        CHECK(std::equal(frames, frames + depth, entries[i]->frames));
        CHECK(table->intern(frames, depth, i % 2 == 1) == entries[i]); // found again, not interned twice
        CHECK(table->intern(frames, depth, i % 2 == 0) != entries[i]); // broken or not: another stack
        const auto gap = reinterpret_cast<std::uintptr_t>(entries[i]) - reinterpret_cast<std::uintptr_t>(entries[i - (i > 0)]);
        packed += i > 0 && gap == 8 + depth * sizeof(void*);
    }
    // A block of 64 KiB holds 481 of them; malloc's would be 16 bytes apart more.
    CHECK(packed >= n - 1 - (n / 481 + 1));
}

TEST_CASE("a record's label, inline up to 31 bytes and on the heap beyond, survives the record's reuse") {
    // Records are reused through their shard's free list, so each label below
    // lands in a record that held the one before it: long after short, short
    // after long (the heap string stays with the record), empty after both.
    const std::string lengths[] = {std::string(31, 'a'), std::string(32, 'b'), "c", std::string(500, 'd'),
                                   std::string(), std::string(31, 'e'), std::string(33, 'f'), std::string(),
                                   std::string(1, '\0') + "g"};
    for (int round = 0; round < 2; ++round)
        for (const std::string& label : lengths) {
            counted h(7, label);
            CHECK(h.label() == label);
            counted other(8, "x"); // a second live record beside it
            CHECK(h.label() == label);
            CHECK(other.label() == "x");
        }
    // The type itself, without the registry.
    lifecycle::detail::label_store s;
    CHECK(s.view().empty());
    s.assign(std::string(40, 'h'));
    CHECK(s.view() == std::string(40, 'h'));
    s.assign("short");
    CHECK(s.view() == "short");
    s.assign({});
    CHECK(s.view().empty());
    s.assign(std::string(31, 'i'));
    CHECK(s.view() == std::string(31, 'i'));
    s.assign(std::string(60, 'k')); // long after long: the heap string is reused
    s.assign(std::string(45, 'l'));
    CHECK(s.view() == std::string(45, 'l'));
    static_assert(sizeof(lifecycle::detail::label_store) == 32, "31 bytes inline, a length byte; the heap address in the bytes");
} // destroyed holding a heap string: freed (the ASan stage checks for leaks)

TEST_CASE("interned stacks: each once, and found again while the table and the block directory grow, from another thread too") {
    // 70,000 stacks of 16 frames: the table grows to 131,072 slots and the
    // blocks of 64 KiB (146 of them) outgrow the first directory (64). A
    // reader interns stacks already published while the writer adds more: it
    // must get the same entry, never a second copy, whatever grew meanwhile.
    using lifecycle::detail::stack_entry;
    static auto* const table = new lifecycle::detail::stack_table; // never freed, as the registry's
    constexpr std::uintptr_t n = 70000, depth = 16;
    auto frames_of = [](std::uintptr_t i, const void** frames) {
        for (std::uintptr_t k = 0; k < depth; ++k) frames[k] = reinterpret_cast<const void*>(0x7000000 + i * 0x100 + k * 8);
    };
    std::vector<std::atomic<const stack_entry*>> entries(n);
    std::atomic<std::uintptr_t> published{0};
    std::atomic<std::size_t> mismatches{0}, lookups{0};
    std::thread reader([&] {
        std::uintptr_t x = 0x9e3779b97f4a7c15ull;
        for (std::uintptr_t done = 0; done < n;) {
            done = published.load(std::memory_order_acquire);
            if (done == 0) continue;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const std::uintptr_t i = x % done;
            const void* frames[depth];
            frames_of(i, frames);
            if (table->intern(frames, depth) != entries[i].load(std::memory_order_relaxed)) ++mismatches;
            ++lookups;
        }
    });
    for (std::uintptr_t i = 0; i < n; ++i) {
        const void* frames[depth];
        frames_of(i, frames);
        entries[i].store(table->intern(frames, depth), std::memory_order_relaxed);
        published.store(i + 1, std::memory_order_release);
    }
    reader.join();
    CHECK(mismatches.load() == 0);
    CHECK(lookups.load() > 0);
    // A stack longer than a block (9,000 frames): a block of its own, and
    // the stacks carved after it go on in the block they were carved from.
    std::vector<const void*> long_frames(9000);
    for (std::size_t k = 0; k < long_frames.size(); ++k) long_frames[k] = reinterpret_cast<const void*>(0x9000000 + k * 8);
    const stack_entry* long_stack = table->intern(long_frames.data(), long_frames.size());
    REQUIRE(long_stack != nullptr);
    const void* after[depth];
    frames_of(n, after);
    const stack_entry* next = table->intern(after, depth);
    REQUIRE(next != nullptr);
    CHECK(next == reinterpret_cast<const stack_entry*>(reinterpret_cast<const char*>(entries[n - 1].load()) + 8 + depth * sizeof(void*)));
    CHECK(table->intern(long_frames.data(), long_frames.size()) == long_stack);
    CHECK(long_stack->depth == long_frames.size());
    CHECK(std::equal(long_frames.begin(), long_frames.end(), long_stack->frames));
    CHECK(table->intern(after, depth) == next);
    std::vector<const stack_entry*> distinct;
    std::size_t wrong = 0;
    for (std::uintptr_t i = 0; i < n; ++i) {
        const void* frames[depth];
        frames_of(i, frames);
        const stack_entry* e = entries[i].load();
        REQUIRE(e != nullptr);
        wrong += e->depth != depth || !std::equal(frames, frames + depth, e->frames) || table->intern(frames, depth) != e;
        distinct.push_back(e);
    }
    CHECK(wrong == 0);
    std::sort(distinct.begin(), distinct.end());
    CHECK(std::unique(distinct.begin(), distinct.end()) == distinct.end());
}
