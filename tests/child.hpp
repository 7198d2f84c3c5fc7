// SPDX-License-Identifier: BSL-1.0
// run_child(): runs a function in a forked child with stderr piped back, for
// tests of what aborts (policies, assertions, a throw without exceptions).
#ifndef LIFECYCLE_TESTS_CHILD_HPP
#define LIFECYCLE_TESTS_CHILD_HPP

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

namespace lifecycle_test {

#if defined(__SANITIZE_THREAD__)
#    define LIFECYCLE_TEST_TSAN 1
#elif defined(__has_feature)
#    if __has_feature(thread_sanitizer)
#        define LIFECYCLE_TEST_TSAN 1
#    endif
#endif

struct child_result {
    bool aborted = false; // killed by SIGABRT (under TSan: ended abnormally, TSan handles abort itself)
    bool clean = false;   // exited with status 0
    int signal = 0;       // the signal that ended it, if any
    std::string err;
};

// Runs `body` in a child process with stderr piped back.
template <class F>
child_result run_child(F body) {
    int pipefd[2];
    REQUIRE(::pipe(pipefd) == 0);
    std::fflush(stderr);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(pipefd[1], 2);
        ::close(pipefd[0]);
        body();
        ::_exit(0);
    }
    ::close(pipefd[1]);
    child_result r;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) r.err.append(buf, static_cast<std::size_t>(n));
    ::close(pipefd[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
#ifdef LIFECYCLE_TEST_TSAN
    r.aborted = !r.clean;
#else
    r.aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
#endif
    return r;
}

} // namespace lifecycle_test

#endif // LIFECYCLE_TESTS_CHILD_HPP
