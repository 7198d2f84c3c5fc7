// SPDX-License-Identifier: BSL-1.0
// fork() while other threads are inside lifecycle: 300 forks while two
// threads create, close and render (stack capture, ownership checks, the
// symbol cache and the label table all busy). Every child must create, close,
// check and render on its own. A child that has not ended 10 s after its fork
// hangs (on a lock a parent thread held at the fork, say): the parent prints
// its threads' stacks on stderr (gdb's, when gdb is installed, and each
// thread's kernel state from /proc), kills it and counts it as hung. The
// slowest child's time is printed on stderr, and how many took over 2 s
// (unloaded, none: most take under a millisecond, those that render on a new
// thread a few hundred; not a test on a loaded machine).
// Argument: "<forks> <every>" (one argument, as tests.cmake passes them):
// the number of forks (default 300), and which children render on a new
// thread: every <every>th (default 10; 1: all; 0: none, for ThreadSanitizer,
// which does not support a thread started in the child of a multi-threaded
// process).
#include <lifecycle/tracked.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

// Built with ThreadSanitizer or AddressSanitizer (whose runtimes have locks of their own).
#if LIFECYCLE_DETAIL_TSAN || defined(__SANITIZE_ADDRESS__)
#    define FORK_STORM_SANITIZER 1
#elif defined(__has_feature)
#    if __has_feature(address_sanitizer)
#        define FORK_STORM_SANITIZER 1
#    endif
#endif
#ifndef FORK_STORM_SANITIZER
#    define FORK_STORM_SANITIZER 0
#endif

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
    ::alarm(120); // a child whose parent died ends anyway (the parent kills it at 10 s)
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
// ---- the parent's side: waiting for a child, and diagnosing one that hangs ----
constexpr auto hang_deadline = std::chrono::seconds(10);

std::string read_small_file(const std::string& path) {
    std::string out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return "(" + std::string(std::strerror(errno)) + ")";
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// Returns: the path of `name` in $PATH, or "" if it is not there.
std::string find_in_path(const char* name) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    for (std::size_t start = 0; start <= dirs.size();) {
        const std::size_t end = std::min(dirs.find(':', start), dirs.size());
        const std::string candidate = dirs.substr(start, end - start) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return {};
}

// Returns: gdb's backtraces of every thread of `pid` (also printed on
// stderr); gdb gets at most 60 s.
std::string gdb_backtraces(const std::string& gdb, pid_t pid) {
    const std::string target = std::to_string(pid);
    const char* argv[] = {gdb.c_str(), "-nx", "-batch", "-p", target.c_str(), "-ex", "set pagination off",
                          "-ex", "thread apply all bt", nullptr};
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return std::perror("pipe (gdb)"), "";
    std::fflush(stderr);
    const pid_t g = ::fork();
    if (g < 0) return std::perror("fork (gdb)"), "";
    if (g == 0) {
        ::dup2(out[1], 1);
        ::dup2(out[1], 2);
        ::execv(argv[0], const_cast<char* const*>(argv));
        ::_exit(127);
    }
    ::close(out[1]);
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
        pollfd p{out[0], POLLIN, 0};
        const int left_ms = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
        if (left_ms <= 0) {
            std::fprintf(stderr, "gdb did not finish within 60 s: killed\n");
            ::kill(g, SIGKILL);
            break;
        }
        if (::poll(&p, 1, left_ms) < 0 && errno != EINTR) break;
        char buf[4096];
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
        if (n > 0) text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(g, &status, 0) < 0 && errno == EINTR) {}
    std::fwrite(text.data(), 1, text.size(), stderr);
    return text;
}

#if FORK_STORM_SANITIZER
// Returns: true if a thread in gdb's `backtraces` waits for a lock of the
// sanitizer runtime itself (its innermost frames are the runtime's, one of
// them a lock or a wait). The sanitizers of clang 14 do not hold their
// allocator's locks across fork() (ThreadSanitizer does from LLVM 19,
// llvm-project pull request 96600): a child of a multi-threaded process can
// wait forever in an allocation of a size whose free list a parent thread
// was refilling (a new thread's first allocations refill them all).
bool waits_in_sanitizer_runtime(const std::string& backtraces) {
    bool innermost = false, in_runtime = false, waits = false;
    for (std::size_t at = 0; at < backtraces.size();) {
        const std::size_t end = std::min(backtraces.find('\n', at), backtraces.size());
        const std::string line = backtraces.substr(at, end - at);
        at = end + 1;
        if (line.rfind("Thread ", 0) == 0) {
            if (in_runtime && waits) return true;
            innermost = true;
            in_runtime = waits = false;
            continue;
        }
        if (!innermost || line.empty() || line[0] != '#') continue;
        const std::size_t in = line.find(" in ");
        const std::size_t name = in != std::string::npos ? in + 4 : line.find_first_not_of(' ', line.find(' '));
        const std::string function = name != std::string::npos ? line.substr(name, line.find(' ', name) - name) : "";
        if (function.rfind("__sanitizer::", 0) == 0 || function.rfind("__tsan::", 0) == 0 ||
            function.rfind("__asan::", 0) == 0) {
            in_runtime = true;
            if (function.find("Lock") != std::string::npos || function.find("Wait") != std::string::npos) waits = true;
        } else {
            if (in_runtime && waits) return true;
            innermost = false; // the first frame outside the runtime ends the thread's innermost frames
        }
    }
    return in_runtime && waits;
}
#endif

// Effects: prints on stderr what each thread of the hung child `pid` is
// doing: its kernel state (wchan, the system call it is in, the kernel stack
// where readable) and, if gdb is installed, every thread's backtrace.
// Returns: gdb's backtraces ("" without gdb).
std::string diagnose_hang(int child, pid_t pid) {
    const std::string proc = "/proc/" + std::to_string(pid);
    std::fprintf(stderr, "child %d (pid %d) has not ended %lld s after its fork: its threads\n", child,
                 static_cast<int>(pid), static_cast<long long>(hang_deadline.count()));
    if (DIR* tasks = ::opendir((proc + "/task").c_str())) {
        while (const dirent* t = ::readdir(tasks)) {
            if (t->d_name[0] == '.') continue;
            const std::string task = proc + "/task/" + t->d_name;
            std::fprintf(stderr, "  thread %s (%s): wchan %s; syscall %s\n", t->d_name,
                         read_small_file(task + "/comm").c_str(), read_small_file(task + "/wchan").c_str(),
                         read_small_file(task + "/syscall").c_str());
            const std::string kernel = read_small_file(task + "/stack");
            if (!kernel.empty() && kernel[0] != '(') std::fprintf(stderr, "%s\n", kernel.c_str());
        }
        ::closedir(tasks);
    }
    std::string backtraces;
    const std::string gdb = find_in_path("gdb");
    if (gdb.empty()) std::fprintf(stderr, "gdb is not installed: no user-space stacks\n");
    else backtraces = gdb_backtraces(gdb, pid);
    std::fflush(stderr);
    return backtraces;
}

enum class ending { done, failed, hung, hung_in_sanitizer };

// Returns: how child `child` (`pid`) ended. One that has not ended by the
// deadline is diagnosed and killed.
ending wait_for_child(int child, pid_t pid) {
    const auto deadline = std::chrono::steady_clock::now() + hang_deadline;
    long pause_ns = 20000; // most children end within a millisecond: poll often at first
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) {
            std::perror("waitpid");
            return ending::failed;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            const std::string backtraces = diagnose_hang(child, pid);
            ::kill(pid, SIGKILL);
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
#if FORK_STORM_SANITIZER
            if (waits_in_sanitizer_runtime(backtraces)) {
                std::fprintf(stderr, "child %d waits for a lock of the sanitizer's runtime, not lifecycle's: not "
                                     "counted as hung\n", child);
                return ending::hung_in_sanitizer;
            }
#else
            (void)backtraces;
#endif
            return ending::hung;
        }
        const timespec pause{0, pause_ns};
        ::nanosleep(&pause, nullptr);
        pause_ns = std::min(pause_ns * 2, 10000000L);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return ending::done;
    std::printf("child %d: %s %d\n", child, WIFEXITED(status) ? "exit status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return ending::failed;
}
} // namespace

int main(int argc, char** argv) {
    int forks = 300, new_thread_every = 10;
    if (argc > 1 && std::sscanf(argv[1], "%d %d", &forks, &new_thread_every) < 1) return 2;
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
    int hung = 0, failed = 0, done = 0, slow = 0, in_sanitizer = 0;
    std::chrono::steady_clock::duration slowest{};
    for (int i = 0; i < forks; ++i) {
        const pid_t pid = ::fork();
        if (pid < 0) {
            std::perror("fork");
            ++failed;
            continue;
        }
        if (pid == 0) ::_exit(child_work(new_thread_every > 0 && i % new_thread_every == 0));
        const auto start = std::chrono::steady_clock::now();
        const ending e = wait_for_child(i, pid);
        const auto took = std::chrono::steady_clock::now() - start;
        slowest = std::max(slowest, took);
        if (took > std::chrono::seconds(2)) ++slow;
        if (e == ending::done) ++done;
        else if (e == ending::failed) ++failed;
        else if (e == ending::hung) ++hung;
        else ++in_sanitizer;
    }
    stop.store(true);
    a.join();
    b.join();
    std::printf("forks: %d, children done: %d, hung: %d, failed: %d\n", forks, done, hung, failed);
    if (in_sanitizer != 0) std::fprintf(stderr, "children that waited for the sanitizer runtime: %d\n", in_sanitizer);
    std::fprintf(stderr, "slowest child: %lld ms; over 2 s: %d\n",
                 static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(slowest).count()), slow);
    return hung == 0 && failed == 0 ? 0 : 1;
}
