// SPDX-License-Identifier: BSL-1.0
// The code under test of the test-framework examples (doctest_stories.cpp,
// gtest_stories.cpp, catch2_stories.cpp): two bugs from lifecycle's design notes.
#ifndef LIFECYCLE_EXAMPLES_STORIES_HPP
#define LIFECYCLE_EXAMPLES_STORIES_HPP

#include <lifecycle/tracked.hpp>

#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

namespace stories {

// Per-request sessions: every request opens a session that the client keeps
// "for reuse" and never reuses or closes.
class ipc_client {
public:
    void send_request(const std::string&) {
        lifecycle::tracked_socket session{::socket(AF_INET, SOCK_STREAM, 0), "session " + std::to_string(++requests_)};
        idle_.push_back(std::move(session)); // the leak
    }

private:
    int requests_ = 0;
    std::vector<lifecycle::tracked_socket> idle_;
};

// The client lives in a process-wide cache, as clients often do: what it
// keeps outlives the test case.
inline ipc_client& shared_client() {
    static auto* c = new ipc_client;
    return *c;
}

// Re-created engines: a periodic sync creates a new database engine on every
// tick instead of reusing one; the old ones are only closed with the service.
struct engine_traits {
    using handle_type = int*;
    static constexpr std::string_view kind_name() noexcept { return "db engine"; }
    static constexpr int* invalid() noexcept { return nullptr; }
    static std::error_code close(int* p) noexcept {
        delete p;
        return {};
    }
};

class sync_service {
public:
    void tick() { engines_.emplace_back(new int(0), "engine " + std::to_string(engines_.size() + 1)); }

private:
    std::vector<lifecycle::tracked<engine_traits>> engines_;
};

} // namespace stories

#endif
