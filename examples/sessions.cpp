// SPDX-License-Identifier: BSL-1.0
// The per-request session story: a client opens a new session (a real TCP
// connection to a server on 127.0.0.1) for every request and never closes
// it. A leak scope around the test run catches all 50 as one group whose
// first line names the client's request function.
#include <lifecycle/tracked.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

// A server on 127.0.0.1 that answers "pong" to each connection's request.
class echo_server {
public:
    echo_server() : listener_{::socket(AF_INET, SOCK_STREAM, 0), "listener"} {
        if (!listener_) throw std::runtime_error("socket() failed");
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(listener_.get(), 128) != 0 ||
            ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("cannot listen on 127.0.0.1");
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~echo_server() {
        ::shutdown(listener_.get(), SHUT_RDWR); // wakes accept()
        thread_.join();
    }
    unsigned short port() const { return port_; }

private:
    void serve() {
        for (;;) {
            lifecycle::tracked_socket conn{::accept(listener_.get(), nullptr, nullptr), "server side"};
            if (!conn) return;
            char buf[64];
            if (::read(conn.get(), buf, sizeof buf) > 0) (void)!::write(conn.get(), "pong", 4);
        }
    }
    lifecycle::tracked_socket listener_;
    unsigned short port_ = 0;
    std::thread thread_;
};

// The client under test. Its bug: every request opens a session that
// nobody closes, because the client keeps it "for reuse" and never reuses it.
class ipc_client {
public:
    explicit ipc_client(unsigned short port) : port_(port) {}

    std::string send_request(const std::string& request) {
        lifecycle::tracked_socket session{::socket(AF_INET, SOCK_STREAM, 0), "session " + std::to_string(++requests_)};
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port_);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(session.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
            throw std::runtime_error("connect failed");
        (void)!::write(session.get(), request.data(), request.size());
        char buf[16] = {};
        const ssize_t n = ::read(session.get(), buf, sizeof buf);
        idle_.push_back(std::move(session)); // the leak: kept, never reused, never closed
        return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    }

private:
    unsigned short port_;
    int requests_ = 0;
    std::vector<lifecycle::tracked_socket> idle_;
};

} // namespace

int main() {
    echo_server server;
    auto client = std::make_unique<ipc_client>(server.port());
    std::size_t leaked = 0;
    {
        // What a test fixture does around a test case. Only this thread's
        // resources: the server thread may still be closing its side of the
        // last connection when the scope ends.
        lifecycle::leak_scope_options options;
        options.policy = lifecycle::leak_policy::call_handler;
        options.this_thread_only = true;
        options.handler = [&](const lifecycle::leak_report& r) {
            leaked = r.count();
            std::fputs(r.to_text().c_str(), stdout);
        };
        lifecycle::leak_scope test_case{"client sends 50 requests", std::move(options)};
        for (int i = 0; i < 50; ++i)
            if (client->send_request("ping") != "pong") return 1;
    }
    std::printf("the fixture caught %zu leaked sessions\n", leaked);
    client.reset(); // closes them; the server shuts down cleanly
    return leaked == 50 ? 0 : 1;
}
