// SPDX-License-Identifier: BSL-1.0
// Out of memory never crashes lifecycle and never loses a close error.
//
// A failure injector: malloc, calloc, realloc, the aligned allocators and
// every operator new fail from the k-th call on. For each scenario, for every
// k until a run completes with no injected failure, a forked child runs the
// scenario once and checks: no crash; every fake resource opened is closed
// exactly once; every close failure reached the caller or the close-error
// handler (once); a report rendered again after a failed render is complete.
// Its own executable: a replaced malloc would change the whole doctest suite.
//
//   isolated_oom [scenario]     (no argument: every scenario)
//   isolated_oom scenario k     one run, in this process (for a debugger)
#include <lifecycle/tracked.hpp>

#include <lifecycle/detail/symbols.hpp>
#include <lifecycle/detail/test_glue.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <thread>

// ---- the injector ------------------------------------------------------------
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<bool> armed{false};
std::atomic<long> calls{0};
std::atomic<long> injected{0};
long fail_from = 0;

bool fail_now() noexcept {
    if (!armed.load(std::memory_order_relaxed)) return false;
    if (calls.fetch_add(1, std::memory_order_relaxed) + 1 < fail_from) return false;
    injected.fetch_add(1, std::memory_order_relaxed);
    errno = ENOMEM;
    return true;
}
void* aligned(std::size_t align, std::size_t n) noexcept {
    return fail_now() ? nullptr : __libc_memalign(align < sizeof(void*) ? sizeof(void*) : align, n);
}
void* must(void* p) {
    if (!p) throw std::bad_alloc();
    return p;
}
} // namespace

extern "C" {
void* malloc(std::size_t n) { return fail_now() ? nullptr : __libc_malloc(n); }
void* calloc(std::size_t a, std::size_t b) { return fail_now() ? nullptr : __libc_calloc(a, b); }
void* realloc(void* p, std::size_t n) { return fail_now() ? nullptr : __libc_realloc(p, n); }
void free(void* p) { __libc_free(p); }
void* memalign(std::size_t a, std::size_t n) { return aligned(a, n); }
void* aligned_alloc(std::size_t a, std::size_t n) { return aligned(a, n); }
int posix_memalign(void** out, std::size_t a, std::size_t n) {
    void* p = aligned(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
}

void* operator new(std::size_t n) { return must(malloc(n)); }
void* operator new[](std::size_t n) { return must(malloc(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return malloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return must(aligned(static_cast<std::size_t>(a), n)); }
void* operator new[](std::size_t n, std::align_val_t a) { return must(aligned(static_cast<std::size_t>(a), n)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return aligned(static_cast<std::size_t>(a), n); }
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return aligned(static_cast<std::size_t>(a), n); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, std::size_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { free(p); }

// ---- fake resources: id n closes into closes[n]; odd ids fail to close ----------
namespace {
constexpr int max_ids = 32;
std::atomic<int> opened[max_ids];
std::atomic<int> closes[max_ids];
std::atomic<int> failures_emitted{0}; // by the close functions
std::atomic<int> failures_handled{0}; // by the close-error handler
std::atomic<int> failures_returned{0}; // to the caller: close(), close_result, close_error
std::atomic<int> next_id{0};

bool failing(int id) { return id % 2 == 1; }

struct fake_traits {
    using handle_type = int;
    static constexpr std::string_view kind_name() noexcept { return "fake"; }
    static constexpr int invalid() noexcept { return -1; }
    static std::error_code close(int id) noexcept {
        closes[id].fetch_add(1);
        if (!failing(id)) return {};
        failures_emitted.fetch_add(1);
        return std::make_error_code(std::errc::io_error);
    }
};
using fake = lifecycle::tracked<fake_traits>;

/// Opens the next fake resource (as ::open would; no allocation) and wraps it.
__attribute__((noinline)) fake open_fake(const char* label = "fake") {
    const int id = next_id.fetch_add(1);
    opened[id].store(1);
    return fake{id, label};
}
__attribute__((noinline)) fake open_elsewhere() { return open_fake("elsewhere"); }

struct object { // a closable object the closer holds through a shared_ptr
    fake handle;
    std::error_code close() { return handle.close(); }
    bool is_open() const noexcept { return static_cast<bool>(handle); }
};

// ---- the scenarios -----------------------------------------------------------
void count_returned(const lifecycle::close_result& r) { failures_returned += static_cast<int>(r.count(lifecycle::close_outcome::failed)); }

void fill(lifecycle::closer& c) {
    c.add(open_fake(), "one");
    c.add(open_fake(), "two");
    fake shared_id = open_fake();
    const int raw = shared_id.get();
    c.add(std::move(shared_id), "three");
    c.add(lifecycle::identity(fake_traits::kind_name(), static_cast<std::uintptr_t>(raw)),
          [raw] { return fake_traits::close(raw); }, "closes three"); // the newer of the two: "three" is released
    auto o = std::make_shared<object>();
    o->handle = open_fake();
    c.add(o, "object");
    c.add(*o, "object again");
    c.add([] { return std::error_code{}; }, "callable");
}

bool scenario_thread() {
    std::thread t;
    try {
        t = std::thread([] {
        fake a = open_fake(), b = open_fake(), c = open_fake(), d = open_fake();
        if (b.close()) ++failures_returned; // id 1: fails, returned
        (void)a.close();
        // c, d destroyed: d (id 3) fails, to the handler
        });
    } catch (const std::system_error&) {
        return true; // no thread (EAGAIN): nothing was opened
    }
    t.join();
    return true;
}

bool scenario_close_all() {
    lifecycle::closer c;
    fill(c);
    count_returned(c.close_all());
    return true;
}

bool scenario_close_all_or_throw() {
    lifecycle::closer c;
    fill(c);
    try {
        count_returned(c.close_all_or_throw());
    } catch (const lifecycle::close_error& e) {
        failures_returned += static_cast<int>(e.failures().size());
    }
    return true;
}

bool scenario_check() {
    lifecycle::leak_scope s{"oom", lifecycle::leak_policy::ignore};
    fake a = open_fake(), b = open_elsewhere();
    const lifecycle::leak_report r = s.check();
    return r.count() <= 2;
}

// Built before the injector is armed, rendered while it is.
struct render_fixture {
    lifecycle::leak_scope scope{"render", lifecycle::leak_policy::ignore};
    fake a = open_fake(), b = open_elsewhere(), c = open_fake();
    lifecycle::leak_report report = scope.check();
};
std::unique_ptr<render_fixture> rendering;

bool scenario_render() {
    const std::string text = rendering->report.to_text();
    const std::string json = rendering->report.to_json();
    return !text.empty() && !json.empty();
}

bool render_complete() {
    const std::string text = rendering->report.to_text();
    const std::string json = rendering->report.to_json();
    bool ok = text.find("    #0 ") != std::string::npos && text.find("were not captured") == std::string::npos &&
              text.find("open_fake(") != std::string::npos && json.find("\"frames\":[]") == std::string::npos;
    for (std::size_t at = text.find("    #"); ok && at != std::string::npos; at = text.find("    #", at + 1))
        ok = text.compare(text.find(' ', at + 5) + 1, 2, "0x") != 0; // a name, not an address
    if (!ok) std::fprintf(stderr, "incomplete report after a failed render:\n%s\n%s\n", text.c_str(), json.c_str());
    return ok;
}

bool scenario_ownership() {
    fake a = open_fake();
    fake twin{a.get(), "twin"}; // a second owner of one handle: an ownership problem, reported
    (void)twin.release();
    return true;
}

void fail_test(const char*, unsigned, const std::string&) {}

bool scenario_test_glue() {
    namespace t = lifecycle::detail::testing;
    {
        t::fixture_check check{t::test_site{"oom case", __FILE__, __LINE__, {}}, &fail_test};
        fake leaked = open_fake();
        t::fail_on_leaks(lifecycle::leak_scope{"macro", lifecycle::leak_policy::ignore}.check(), __FILE__, __LINE__, &fail_test);
    }
    t::print_summary();
    return true;
}

struct scenario {
    const char* name;
    bool (*run)();
    lifecycle::capture tier;
};
const scenario scenarios[] = {
    {"thread", scenario_thread, lifecycle::capture::site},
    {"close_all", scenario_close_all, lifecycle::capture::site},
    {"close_all_or_throw", scenario_close_all_or_throw, lifecycle::capture::site},
    {"check", scenario_check, lifecycle::capture::stack},
    {"render", scenario_render, lifecycle::capture::stack},
    {"ownership", scenario_ownership, lifecycle::capture::stack},
    {"test_glue", scenario_test_glue, lifecycle::capture::site},
};

// In the child: 0 = passed with no injected failure, 1 = passed with some, 2 = a check failed.
int run_child(const scenario& s, long k) {
    lifecycle::set_capture(s.tier);
    lifecycle::set_close_error_handler([](const lifecycle::close_failure&) { ++failures_handled; });
    if (std::strcmp(s.name, "render") == 0) rendering = std::make_unique<render_fixture>();
    fail_from = k;
    armed = true;
    bool ran = false;
    try {
        ran = s.run();
    } catch (const std::bad_alloc&) {
        ran = true; // allowed: out of memory is reported as such
    }
    armed = false;
    int bad = ran ? 0 : 1;
    if (!ran) std::fprintf(stderr, "the scenario's own check failed\n");
    if (rendering && !render_complete()) ++bad;
    rendering.reset();
    for (int id = 0; id < max_ids; ++id)
        if (closes[id] != opened[id]) {
            std::fprintf(stderr, "fake %d: opened %d, closed %d times\n", id, opened[id].load(), closes[id].load());
            ++bad;
        }
    if (failures_emitted != failures_handled + failures_returned) {
        std::fprintf(stderr, "%d close failures, %d to the handler, %d to the caller\n", failures_emitted.load(),
                     failures_handled.load(), failures_returned.load());
        ++bad;
    }
    return bad ? 2 : injected > 0 ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
    // The children's stderr, shown when a run fails.
    char path[] = "/tmp/lifecycle-oom-XXXXXX";
    const int log = ::mkstemp(path);
    if (log < 0) return 2;
    ::unlink(path);
    if (argc > 2)
        for (const scenario& s : scenarios)
            if (std::strcmp(argv[1], s.name) == 0) return run_child(s, std::atol(argv[2]));
    // Symbolize one function no report shows, so that the children inherit
    // libbacktrace's state with the executable's debug information read
    // (about 90 ms a child otherwise). libbacktrace allocates with mmap, not
    // malloc: the children meet the same injection points, only sooner.
    (void)lifecycle::detail::symbols().chain(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(&fail_test) + 1));
    int failed = 0;
    for (const scenario& s : scenarios) {
        if (argc > 1 && std::strcmp(argv[1], s.name) != 0) continue;
        long k = 1;
        int shown = 0;
        for (; k <= 20000; ++k) {
            std::fflush(nullptr);
            if (::ftruncate(log, 0) != 0 || ::lseek(log, 0, SEEK_SET) != 0) return 2;
            const pid_t pid = ::fork();
            if (pid == 0) {
                ::dup2(log, 2);
                ::_exit(run_child(s, k));
            }
            int status = 0;
            ::waitpid(pid, &status, 0);
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) break;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 1) continue;
            ++failed;
            if (shown++ >= 5) continue;
            if (WIFSIGNALED(status)) std::printf("FAIL %s, k=%ld: killed by signal %d (%s)\n", s.name, k, WTERMSIG(status), strsignal(WTERMSIG(status)));
            else std::printf("FAIL %s, k=%ld: a check failed\n", s.name, k);
            char buf[2048];
            const ssize_t n = ::pread(log, buf, sizeof buf - 1, 0);
            if (n > 0) std::printf("  stderr: %.*s\n", static_cast<int>(n), buf);
        }
        std::printf("%s: %ld runs%s\n", s.name, k, k > 20000 ? " (gave up: every run hit an injected failure)" : "");
        if (k > 20000) ++failed;
    }
    std::printf(failed ? "oom: %d failed runs\n" : "oom: every run passed\n", failed);
    return failed ? 1 : 0;
}
