// SPDX-License-Identifier: BSL-1.0
// A leak_report is a value: one report rendered from several threads at once
// renders the same, complete text on each (its first render symbolizes; no
// thread may see a half-symbolized report). The TSan stage runs this too.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

namespace {

using lifecycle::leak_policy;
using lifecycle::leak_scope;
using lifecycle::tracked_fd;

// Distinct lines: one group (and one stack) each.
__attribute__((noinline)) tracked_fd open_a() { return tracked_fd{::open("/dev/null", O_RDONLY), "a"}; }
__attribute__((noinline)) tracked_fd open_b() { return tracked_fd{::open("/dev/null", O_RDONLY), "b"}; }
__attribute__((noinline)) tracked_fd open_c() { return tracked_fd{::open("/dev/null", O_RDONLY), "c"}; }
__attribute__((noinline)) tracked_fd open_d() { return tracked_fd{::open("/dev/null", O_RDONLY), "d"}; }

struct with_stacks {
    lifecycle::capture previous = lifecycle::current_capture();
    with_stacks() { lifecycle::set_capture(lifecycle::capture::stack); }
    ~with_stacks() { lifecycle::set_capture(previous); }
};

} // namespace

TEST_CASE("one report rendered from several threads at once: every thread gets the same, complete report") {
    with_stacks tier;
    for (int round = 0; round < 20; ++round) {
        CAPTURE(round);
        leak_scope scope{"threads", leak_policy::ignore};
        std::vector<tracked_fd> fds;
        for (int i = 0; i < 3; ++i) {
            fds.push_back(open_a());
            fds.push_back(open_b());
            fds.push_back(open_c());
            fds.push_back(open_d());
        }
        const lifecycle::leak_report report = scope.check();
        REQUIRE(report.groups().size() == 4);
        // groups() symbolizes too: render from a copy that nothing has symbolized yet.
        const lifecycle::leak_report shared = scope.check();
        constexpr int threads = 4;
        std::vector<std::string> texts(threads), jsons(threads);
        std::vector<std::size_t> frames(threads);
        std::atomic<int> ready{0};
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&, t] {
                ready.fetch_add(1);
                while (ready.load() < threads) {
                }
                if (t % 2) {
                    texts[t] = shared.to_text();
                    jsons[t] = shared.to_json();
                } else {
                    jsons[t] = shared.to_json();
                    texts[t] = shared.to_text();
                }
                for (const auto& g : shared.groups()) frames[t] += g.stack.size();
            });
        }
        for (auto& th : pool) th.join();
        for (int t = 0; t < threads; ++t) {
            CAPTURE(t);
            CHECK(texts[t].find("creation stacks were not captured") == std::string::npos);
            CHECK(texts[t].find("    #0 ") != std::string::npos);
            CHECK(jsons[t].find("\"frames\":[]") == std::string::npos);
            CHECK(frames[t] > 0);
            CHECK(frames[t] == frames[0]);
        }
        for (int t = 1; t < threads; ++t) {
            CHECK(texts[t] == texts[0]);
            CHECK(jsons[t] == jsons[0]);
        }
    }
}

TEST_CASE("a copied or moved report renders the same as the original") {
    with_stacks tier;
    leak_scope scope{"copies", leak_policy::ignore};
    tracked_fd fd = open_a();
    const lifecycle::leak_report original = scope.check();
    const std::string text = original.to_text();
    lifecycle::leak_report copy = original;
    CHECK(copy.to_text() == text);
    lifecycle::leak_report moved = std::move(copy);
    CHECK(moved.to_text() == text);
    copy = moved;
    CHECK(copy.to_text() == text);
    REQUIRE(moved.groups().size() == 1);
    CHECK_FALSE(moved.groups()[0].stack.empty());
}
