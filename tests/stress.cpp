// SPDX-License-Identifier: BSL-1.0
// Two threads: one creates, the other closes what the first created, both
// move handles, while scope checks and reports run on the test's thread.
// Built into the TSan run of the suite.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "support.hpp"

namespace {
struct stress_tag {
    static constexpr const char* name = "test.stress";
};
using handle = lifecycle::tracked<lifecycle_test::fake_traits<stress_tag>>;

class channel {
public:
    void push(handle h) {
        std::lock_guard<std::mutex> lock(mutex_);
        items_.push_back(std::move(h));
        ready_.notify_one();
    }
    bool pop(handle& out) {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return !items_.empty() || done_; });
        if (items_.empty()) return false;
        out = std::move(items_.front());
        items_.pop_front();
        return true;
    }
    void finish() {
        std::lock_guard<std::mutex> lock(mutex_);
        done_ = true;
        ready_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<handle> items_;
    bool done_ = false;
};
} // namespace

TEST_CASE("stress: create on one thread, close on another, check scopes concurrently") {
    lifecycle_test::with_capture tier{lifecycle::capture::site};
    constexpr int count = 20000;
    const auto closes_before = lifecycle_test::fake_traits<stress_tag>::closes().load();
    lifecycle::leak_scope scope{"stress", lifecycle::leak_policy::ignore};
    channel ch;

    std::thread producer([&] {
        for (int i = 0; i < count; ++i) {
            if (i % 1000 == 0) lifecycle::set_capture(i % 2000 == 0 ? lifecycle::capture::stack : lifecycle::capture::site);
            handle h{i, i % 3 == 0 ? "labelled handle with a long label, kept on the heap" : "short"};
            handle moved{std::move(h)};
            if (i % 5 == 0) {
                handle local{count + i}; // created and closed on this thread (another value: one owner per handle)
            }
            ch.push(std::move(moved));
        }
        lifecycle::set_capture(lifecycle::capture::site);
        ch.finish();
    });
    std::thread consumer([&] {
        handle h;
        while (ch.pop(h)) {
            handle other;
            other.swap(h);
            if (other.get() % 7 == 0) CHECK_FALSE(other.close());
            // otherwise closed by the destructor or the next move-assignment
        }
    });
    // Readers run until both threads are done: every stats() must balance
    // (a record handed back from the consumer to the producer's shard is
    // counted once, when it is unlinked).
    std::atomic<int> running{2};
    std::size_t checks = 0, unbalanced = 0;
    auto balanced = [] {
        const auto k = lifecycle_test::stats_of("test.stress");
        return k.created == k.closed + k.released + k.live;
    };
    std::thread reader([&] {
        do { // at least once: on a loaded machine the owners may finish before the reader runs
            const auto r = scope.check();
            if (!r.empty()) (void)r.to_text();
            if (!balanced()) ++unbalanced;
            ++checks;
            // A pause between reads, so that owners also run lock-free while
            // no reader is about, and reads land in the middle of that.
            std::this_thread::sleep_for(std::chrono::microseconds(50));
        } while (running.load() > 0);
    });
    producer.join();
    --running;
    consumer.join();
    --running;
    reader.join();
    CHECK(checks > 0);
    CHECK(unbalanced == 0);
    CHECK(balanced());
    CHECK(scope.check().empty());
    CHECK(lifecycle_test::live_of("test.stress") == 0);
    CHECK(lifecycle_test::fake_traits<stress_tag>::closes().load() - closes_before == count + count / 5);
}
