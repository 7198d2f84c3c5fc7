// SPDX-License-Identifier: BSL-1.0
// fork() while another thread walks the loaded modules. dl_iterate_phdr runs
// its callback under glibc's dl_load_write_lock, which a fork child does not
// get back; a scope check walks the modules (detail/modules.hpp), so a child
// forked during another thread's check hung in its own first check
// (tests/programs/fork_storm.cpp found it, about one child in 300 there).
// Here the walk is made long, so the fork falls inside it every time.
#include <lifecycle/tracked.hpp>
#include <lifecycle/detail/registry_core.hpp> // detail::walk_modules(), not shown by tracked.hpp in compiled mode

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

TEST_CASE("fork() waits for a walk of the loaded modules, and the child's scope check returns") {
    enum : int { before, inside, leaving };
    std::atomic<int> walk{before};
    std::thread walker{[&walk] {
        lifecycle::detail::walk_modules(
            [](dl_phdr_info*, std::size_t, void* data) -> int {
                auto& state = *static_cast<std::atomic<int>*>(data);
                state.store(inside);
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                state.store(leaving);
                return 1;
            },
            &walk);
    }};
    // Detached: the fork may find it ended but not joined, which
    // ThreadSanitizer reports as a thread leak at the child's exit. It uses
    // `walk` for the last time before its walk ends, which the fork waits for.
    walker.detach();
    while (walk.load() == before) std::this_thread::yield();
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::alarm(10); // hung: killed, and the parent sees SIGALRM
        lifecycle::leak_scope scope{"child", lifecycle::leak_policy::ignore};
        lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY | O_CLOEXEC), "child's fd"};
        ::_exit(scope.check().count() == 1 ? 0 : 3);
    }
    CHECK(walk.load() == leaving); // the fork waited until the walk was over
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    const std::string ended = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                                : "signal " + std::to_string(WTERMSIG(status));
    INFO("child: " << ended);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}
