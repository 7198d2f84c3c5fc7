// SPDX-License-Identifier: BSL-1.0
// stats() and leak_scope::check() from a signal handler that interrupted a
// create or a destroy on the same thread: a timer signal at 20 kHz over a
// million creates. The handler's answer may be incomplete (the interrupted
// thread's own shard is skipped); it must return. A hang is ended by the
// watchdog alarm and fails the test. Both allocate, and malloc is not
// async-signal-safe: the timer starts once the registry, the kind and the
// scope exist, after which a create or destroy allocates nothing.
#include <lifecycle/tracked.hpp>

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>
#include <system_error>
#include <vector>

namespace {
struct counter_traits {
    using handle_type = int;
    static std::string_view kind_name() noexcept { return "signal-test counter"; }
    static constexpr int invalid() noexcept { return -1; }
    static std::error_code close(int) noexcept { return {}; }
};
using counter = lifecycle::tracked<counter_traits>;

const lifecycle::leak_scope* scope = nullptr;
std::atomic<int> handled{0}; // lock-free: safe in a signal handler
std::atomic<int> incomplete{0};

void on_timer(int) {
    const int saved = errno;
    const std::vector<lifecycle::kind_stats> s = lifecycle::stats();
    if (scope) {
        const lifecycle::leak_report r = scope->check();
        if (r.count() == 0) ++incomplete; // the handle alive in main was in the skipped shard, or not yet enrolled
    }
    if (s.empty()) ++incomplete;
    ++handled;
    errno = saved;
}

void on_watchdog(int) {
    static const char text[] = "signal_stats: hung in a signal handler (watchdog)\n";
    (void)!::write(2, text, sizeof text - 1);
    ::_exit(2);
}
} // namespace

int main() {
    lifecycle::leak_scope s{"signal test", lifecycle::leak_policy::ignore};
    { counter first{-2, "c"}; }
    (void)lifecycle::stats();
    (void)s.check();
    std::signal(SIGALRM, on_watchdog);
    ::alarm(30);
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_timer;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGRTMIN, &sa, nullptr);
    sigevent ev;
    std::memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN;
    timer_t timer;
    if (timer_create(CLOCK_MONOTONIC, &ev, &timer) != 0) {
        std::perror("timer_create");
        return 1;
    }
    const itimerspec every{{0, 50000}, {0, 50000}}; // 20 kHz
    timer_settime(timer, 0, &every, nullptr);

    scope = &s;
    long created = 0;
    for (int i = 0; i < 1000000; ++i) {
        counter c{i, "c"};
        ++created;
    }
    timer_delete(timer);
    scope = nullptr;
    long live = -1, closed = -1;
    for (const lifecycle::kind_stats& k : lifecycle::stats())
        if (k.kind == "signal-test counter") live = static_cast<long>(k.live), closed = static_cast<long>(k.closed);
    closed -= 1; // the first
    std::printf("creates: %ld, closed: %ld, live at the end: %ld, handler calls: %s\n", created, closed, live,
                handled > 1000 ? "over 1000" : "too few");
    std::fprintf(stderr, "handler calls: %d, incomplete answers: %d\n", handled.load(), incomplete.load());
    return 0;
}
