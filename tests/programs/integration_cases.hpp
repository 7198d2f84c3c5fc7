// SPDX-License-Identifier: BSL-1.0
// What the doctest, GoogleTest and Catch2 programs do in their test cases:
// the same leaks in each framework, so that their .expect files agree.
#ifndef LIFECYCLE_TESTS_PROGRAMS_INTEGRATION_CASES_HPP
#define LIFECYCLE_TESTS_PROGRAMS_INTEGRATION_CASES_HPP

#include <lifecycle/tracked.hpp>

#include <fcntl.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace lifecycle_test {

inline std::vector<lifecycle::tracked_fd>& cache() {
    static auto* c = new std::vector<lifecycle::tracked_fd>; // keeps what the leaking tests leak
    return *c;
}

inline void open_and_close() { lifecycle::tracked_fd fd{::open("/dev/null", O_RDONLY), "config"}; }

__attribute__((noinline)) inline void leak_config() { cache().emplace_back(::open("/dev/null", O_RDONLY), "leaked config"); }

/// What XML reporters must escape, in a label (so in the failure's text).
inline constexpr const char* markup_label = "<fd kind=\"a&b\"> & 'quoted' </fd>";
__attribute__((noinline)) inline void leak_markup() { cache().emplace_back(::open("/dev/null", O_RDONLY), markup_label); }

struct buffer {
    char bytes[64 * 1024];
};

inline void leak_buffers(int n) {
    static auto* kept = new std::vector<lifecycle::tracked_ptr<buffer>>;
    for (int i = 0; i < n; ++i) kept->emplace_back(new buffer, "big buffer");
}

/// Opens an fd and hands it to a thread that closes it after `delay`.
inline void close_on_another_thread_after(std::chrono::milliseconds delay) {
    auto fd = std::make_shared<lifecycle::tracked_fd>(::open("/dev/null", O_RDONLY), "closed by a worker");
    std::thread([fd, delay]() mutable {
        std::this_thread::sleep_for(delay);
        fd.reset();
    }).detach();
}

/// An "engine": a kind of its own, so that a max-live threshold can name it.
struct engine_traits {
    using handle_type = int*;
    static constexpr std::string_view kind_name() noexcept { return "db engine"; }
    static constexpr int* invalid() noexcept { return nullptr; }
    static std::error_code close(int* p) noexcept {
        delete p;
        return {};
    }
};
using engine = lifecycle::tracked<engine_traits>;

/// A sync service that creates a new engine on every tick instead of reusing
/// one, and keeps the old ones until it is destroyed: nothing leaks past the
/// test, but `ticks` engines are live at once.
inline void sync_ticks(int ticks) {
    std::vector<engine> engines;
    for (int i = 0; i < ticks; ++i) engines.emplace_back(new int(i), "engine " + std::to_string(i));
}

} // namespace lifecycle_test

#endif
