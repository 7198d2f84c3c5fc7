// SPDX-License-Identifier: BSL-1.0
// The readers' half of the registry's shard handshake (registry.hpp, "Shard
// access"): a reader must wait for an owner that is inside its shard, and a
// fork must wait too, so that the child gets whole shards. The owner is held
// inside deterministically: the label of the handle it creates is too long
// to be kept inline, and longer than any before (records keep their label
// buffers), so the record allocates it there, and this program's operator
// new blocks that one allocation until main lets it go.
#include <lifecycle/tracked.hpp>
#include <lifecycle/detail/registry_core.hpp> // detail::instance(), not shown by tracked.hpp in compiled mode

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>

namespace {
thread_local bool block_next_allocation = false;
std::atomic<int> owner_state{0}; // 1: blocked inside its shard; 2: let go
std::size_t label_size = 64;      // grows each time

void hold_the_owner() {
    owner_state.store(1);
    while (owner_state.load() != 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

bool balanced() {
    for (const auto& k : lifecycle::stats())
        if (k.created != k.closed + k.released + k.live) return false;
    return true;
}

// Starts `what` on a thread, gives it 200 ms, and says whether it was still
// waiting then; lets the owner go, and says whether it finished after that.
template <class F>
void while_the_owner_is_inside(const char* name, F what) {
    label_size *= 4;
    const std::string label(label_size, 'x');
    owner_state.store(0);
    std::thread owner([&label] {
        { lifecycle::tracked_ptr<int> warm_up{new int(0), "warm-up"}; } // the kind and the shard exist
        int* raw = new int(1);
        block_next_allocation = true;
        lifecycle::tracked_ptr<int> held{raw, label};
        block_next_allocation = false;
    });
    for (int waited = 0; owner_state.load() != 1; ++waited) {
        if (waited == 5000) {
            std::printf("%s: the owner was never held inside its shard\n", name);
            std::exit(1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::atomic<bool> done{false};
    std::thread other([&] {
        what();
        done.store(true);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::printf("%s waited for the owner inside its shard: %s\n", name, done.load() ? "no" : "yes");
    owner_state.store(2);
    other.join();
    owner.join();
    std::printf("%s finished after the owner left: %s\n", name, done.load() ? "yes" : "no");
}
} // namespace

void* operator new(std::size_t n) {
    if (block_next_allocation) {
        block_next_allocation = false;
        hold_the_owner();
    }
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

int main() {
    lifecycle::set_capture(lifecycle::capture::site);
    std::printf("lock-free owners: %s\n", lifecycle::detail::instance().lock_free_owners() ? "yes" : "no");
    while_the_owner_is_inside("stats()", [] { (void)lifecycle::stats(); });
    while_the_owner_is_inside("a scope check", [] { (void)lifecycle::leak_scope{"all", lifecycle::leak_policy::ignore}.check(); });
    while_the_owner_is_inside("fork()", [] {
        const pid_t child = ::fork();
        if (child == 0) {
            ::alarm(10);                   // a shard left busy by the fork would hang this read
            _exit(balanced() ? 0 : 1);     // reads every shard
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        std::printf("the child read whole shards: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");
    });
    std::printf("counts balance: %s\n", balanced() ? "yes" : "no");
}
