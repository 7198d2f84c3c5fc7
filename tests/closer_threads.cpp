// SPDX-License-Identifier: BSL-1.0
// closer: add and close_all from several threads (run under TSan in CI).
#include <lifecycle/closer.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "support.hpp"

namespace {

struct counted {
    std::atomic<int> closes{0};
    void close() { closes.fetch_add(1, std::memory_order_relaxed); }
};

} // namespace

TEST_CASE("closer: concurrent add and close_all from two threads close every entry exactly once") {
    constexpr int n = 2000;
    std::vector<counted> objects(n);
    std::vector<std::atomic<int>> calls(n);
    lifecycle::closer closer;
    std::atomic<bool> adding{true};
    std::size_t handled = 0;

    std::thread producer([&] {
        for (int i = 0; i < n; ++i) {
            if (i % 2 == 0) closer.add(objects[static_cast<std::size_t>(i)]);
            else closer.add([&calls, i] { calls[static_cast<std::size_t>(i)].fetch_add(1, std::memory_order_relaxed); });
        }
        adding.store(false);
    });
    std::thread consumer([&] {
        while (adding.load()) handled += closer.close_all().entries().size();
        handled += closer.close_all().entries().size();
    });
    producer.join();
    consumer.join();

    CHECK(handled == static_cast<std::size_t>(n));
    CHECK(closer.empty());
    int wrong = 0;
    for (int i = 0; i < n; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const int c = i % 2 == 0 ? objects[k].closes.load() : calls[k].load();
        wrong += c != 1;
    }
    CHECK(wrong == 0);
}

TEST_CASE("closer: two threads adding aliases of shared objects, then two threads closing") {
    constexpr int objects_count = 64;
    constexpr int rounds = 20;
    std::vector<std::shared_ptr<counted>> shared;
    for (int i = 0; i < objects_count; ++i) shared.push_back(std::make_shared<counted>());
    lifecycle::closer closer;

    auto add_all = [&](bool by_reference) {
        for (int r = 0; r < rounds; ++r)
            for (auto& p : shared) {
                if (by_reference) closer.add(*p, "ref");
                else closer.add(p, "shared");
            }
    };
    std::thread a(add_all, true);
    std::thread b(add_all, false);
    a.join();
    b.join();
    CHECK(closer.size() == static_cast<std::size_t>(2 * rounds * objects_count));

    // Two concurrent close_all calls: one takes everything, the other waits
    // for it, then finds nothing; every object is closed once.
    lifecycle::close_result r1, r2;
    std::thread c([&] { r1 = closer.close_all(); });
    std::thread d([&] { r2 = closer.close_all(); });
    c.join();
    d.join();
    CHECK(r1.entries().size() + r2.entries().size() == static_cast<std::size_t>(2 * rounds * objects_count));
    CHECK(r1.count(lifecycle::close_outcome::closed) + r2.count(lifecycle::close_outcome::closed) ==
          static_cast<std::size_t>(objects_count));
    int wrong = 0;
    for (auto& p : shared) wrong += p->closes.load() != 1;
    CHECK(wrong == 0);
    for (auto& p : shared) CHECK(p.use_count() == 1);
}

TEST_CASE("closer: a close_all waiting for another thread's pass returns after it finished") {
    // Thread 1's pass blocks in a close function until thread 2 has started
    // its close_all; thread 2 must not return before thread 1's pass ends.
    lifecycle::closer closer;
    std::atomic<bool> second_started{false}, first_done{false}, second_returned_early{false};
    closer.add([&] {
        while (!second_started.load()) std::this_thread::yield();
        // Give the second close_all time to reach its wait.
        for (int i = 0; i < 1000; ++i) std::this_thread::yield();
        first_done.store(true);
    });
    std::thread first([&] { (void)closer.close_all(); });
    while (closer.size() != 0) std::this_thread::yield(); // the first pass took the entry
    std::thread second([&] {
        second_started.store(true);
        (void)closer.close_all();
        if (!first_done.load()) second_returned_early.store(true);
    });
    first.join();
    second.join();
    CHECK_FALSE(second_returned_early.load());
}
