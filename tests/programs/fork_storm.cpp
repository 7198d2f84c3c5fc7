// SPDX-License-Identifier: BSL-1.0
// fork() while other threads are inside lifecycle: 300 forks while two
// threads create, close and render (stack capture, ownership checks, the
// symbol cache and the label table all busy). Every child must create, close,
// check and render on its own; a child that hangs on a lock a parent thread
// held at the fork is killed by its alarm (10 s) and counted as hung. The
// slowest child's time is printed on stderr (unloaded, well under 2 s: most
// take under a millisecond, those that render on a new thread a few hundred;
// not a test on a loaded machine). Argument: the number of forks (default 300).
#include <lifecycle/tracked.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {
std::atomic<bool> stop{false};

lifecycle::tracked_fd open_null(const std::string& label) {
    return lifecycle::tracked_fd{::open("/dev/null", O_RDONLY | O_CLOEXEC), label};
}

// Creation sites the symbolizer has not seen yet: each instantiation is a
// function of its own, so the first report that shows it symbolizes it.
template <int N>
LIFECYCLE_DETAIL_NOINLINE lifecycle::tracked_fd fresh_site(const std::string& label) {
    return open_null(label);
}
using maker = lifecycle::tracked_fd (*)(const std::string&);
template <int... N>
constexpr std::array<maker, sizeof...(N)> makers(std::integer_sequence<int, N...>) {
    return {&fresh_site<N>...};
}
constexpr auto fresh_sites = makers(std::make_integer_sequence<int, 512>{});
std::atomic<unsigned> next_site{0};

// One of the two parent threads: over and over, a new thread creates and
// closes handles with labels never seen before (the label table grows) at a
// site never reported before, checks a scope and renders its report (the
// symbolizer, on a thread of its own, sets up its state: it walks the loaded
// modules under the dynamic loader's lock), and reads the stats.
void churn(int id) {
    unsigned n = 0;
    while (!stop.load(std::memory_order_relaxed)) {
        std::thread t{[id, &n] {
            lifecycle::leak_scope scope{"parent churn", lifecycle::leak_policy::ignore};
            std::vector<lifecycle::tracked_fd> fds;
            for (int i = 0; i < 8; ++i) fds.push_back(open_null("churn " + std::to_string(id) + "/" + std::to_string(n++)));
            fds.push_back(fresh_sites[next_site++ % fresh_sites.size()]("fresh"));
            (void)scope.check().to_text();
            (void)lifecycle::stats();
        }};
        t.join();
    }
}

// The child's work: everything a test process does after a fork. Every
// tenth child renders on a new thread, whose symbolizer state is new: it
// walks the loaded modules under the dynamic loader's lock, which a parent
// thread must not have held at the fork.
int child_work(bool on_new_thread) {
    ::alarm(10);
    lifecycle::leak_scope scope{"child", lifecycle::leak_policy::ignore};
    lifecycle::tracked_fd kept = open_null("child's leak");
    { lifecycle::tracked_fd closed = open_null("child's closed handle"); }
    std::string text;
    lifecycle::leak_report r = scope.check();
    if (on_new_thread) {
        std::thread t{[&] { text = r.to_text(); }};
        t.join();
    } else {
        text = r.to_text();
    }
    (void)lifecycle::stats();
    if (r.count() != 1 || text.find("child's leak") == std::string::npos) return 3;
    return kept.close() ? 4 : 0;
}
} // namespace

int main(int argc, char** argv) {
    const int forks = argc > 1 ? std::atoi(argv[1]) : 300;
    lifecycle::set_capture(lifecycle::capture::stack);
    {
        // The symbolizer's state is per thread: this thread's is made here,
        // once, so that the children (forked from this thread) symbolize
        // their new frames with it instead of each reading the debug
        // information again.
        lifecycle::leak_scope warm{"warm-up", lifecycle::leak_policy::ignore};
        lifecycle::tracked_fd fd = open_null("warm-up");
        (void)warm.check().to_text();
    }
    std::thread a{churn, 1};
    std::thread b{churn, 2};
    int hung = 0, failed = 0, done = 0;
    std::chrono::steady_clock::duration slowest{};
    for (int i = 0; i < forks; ++i) {
        const pid_t pid = ::fork();
        if (pid < 0) {
            std::perror("fork");
            ++failed;
            continue;
        }
        if (pid == 0) ::_exit(child_work(i % 10 == 0));
        const auto start = std::chrono::steady_clock::now();
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0) {}
        slowest = std::max(slowest, std::chrono::steady_clock::now() - start);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) ++hung;
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            std::printf("child %d: %s %d\n", i, WIFEXITED(status) ? "exit status" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            ++failed;
        } else ++done;
    }
    stop.store(true);
    a.join();
    b.join();
    std::printf("forks: %d, children done: %d, hung: %d, failed: %d\n", forks, done, hung, failed);
    std::fprintf(stderr, "slowest child: %lld ms\n",
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count()));
    return hung == 0 && failed == 0 ? 0 : 1;
}
