// SPDX-License-Identifier: BSL-1.0
// One identity (value + identity_domain()) for ownership checks and the
// closer, and one enrollment path for every owner: the bugs the copies had.
#include <lifecycle/tracked.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "support.hpp"

namespace {

// Two kinds in one value space, like fds and sockets, with their closes
// counted per value.
std::map<int, int>& closes_of() {
    static std::map<int, int> closes;
    return closes;
}
struct stream_traits {
    using handle_type = int;
    static constexpr std::string_view kind_name() noexcept { return "test.stream"; }
    static constexpr std::string_view identity_domain() noexcept { return "test.channel"; }
    static constexpr int invalid() noexcept { return -1; }
    static std::error_code close(int v) noexcept {
        // A second close of one value is the double close of a reused fd number.
        return ++closes_of()[v] == 1 ? std::error_code{} : std::make_error_code(std::errc::bad_file_descriptor);
    }
};
struct datagram_traits : stream_traits {
    static constexpr std::string_view kind_name() noexcept { return "test.datagram"; }
};

// Collects ownership problems instead of printing them.
struct problems {
    problems() {
        lifecycle::reset_ownership_warnings();
        lifecycle::set_ownership_handler([this](const lifecycle::ownership_problem& p) {
            seen.push_back(p.issue);
            current.push_back(p.current);
            texts.push_back(p.message());
        });
    }
    ~problems() { lifecycle::set_ownership_handler({}); }
    std::vector<lifecycle::ownership_issue> seen;
    std::vector<lifecycle::source_site> current;
    std::vector<std::string> texts;
};

} // namespace

TEST_CASE("a closer closes two kinds of one identity domain and one value once, at every ownership level") {
    using lifecycle::ownership_level;
    for (ownership_level level : {ownership_level::ignore, ownership_level::warn_once, ownership_level::warn}) {
        CAPTURE(static_cast<int>(level));
        closes_of().clear();
        lifecycle_test::with_ownership at{level};
        problems found;
        {
            lifecycle::closer c;
            c.add(lifecycle::tracked<stream_traits>{41}, "stream");
            c.add(lifecycle::tracked<datagram_traits>{41}, "datagram"); // the same object through another kind
            const std::size_t created = found.seen.size(); // a second owner, reported when checked
            const lifecycle::close_result r = c.close_all();
            CHECK(r.ok());
            CHECK(r.count(lifecycle::close_outcome::closed) == 1);
            CHECK(r.count(lifecycle::close_outcome::alias) == 1);
            REQUIRE(r.find("stream") != nullptr);
            CHECK(r.find("stream")->outcome == lifecycle::close_outcome::alias);
            CHECK(r.find("stream")->alias_of.find("datagram") != std::string::npos);
            // Closing through the closer is not a close of a handle another wrapper still owns.
            CHECK(found.seen.size() == created);
        }
        CHECK(closes_of()[41] == 1);
    }
}

TEST_CASE("an owned alias is given up before the closer closes its object: no ownership problem at close time") {
    closes_of().clear();
    lifecycle_test::with_ownership at{lifecycle::ownership_level::ignore};
    lifecycle::closer c;
    c.add(lifecycle::tracked<stream_traits>{42}, "first");
    c.add(lifecycle::tracked<datagram_traits>{42}, "second");
    // Created unchecked; closing under abort would end the test on any problem.
    lifecycle_test::with_ownership strict{lifecycle::ownership_level::abort};
    CHECK(c.close_all().ok());
    CHECK(closes_of()[42] == 1);
}

TEST_CASE("a close done by the closer never names a line inside lifecycle as its site") {
    closes_of().clear();
    lifecycle_test::with_ownership at{lifecycle::ownership_level::warn};
    problems found;
    lifecycle::tracked<stream_traits> outside{43, "outside"}; // another owner of 43, outside the closer
    {
        lifecycle::closer c;
        c.add(lifecycle::tracked<datagram_traits>{43}, "inside");
        (void)c.close_all();
    }
    REQUIRE(found.seen.size() == 2); // the second owner at creation, the close while `outside` owns it
    CHECK(found.seen[1] == lifecycle::ownership_issue::closed_while_owned);
    CHECK_FALSE(found.current[1].known()); // "an unknown site": the closer, not the caller, closed it
    CHECK(found.texts[1].find("lifecycle/") == std::string::npos);
    CHECK(found.texts[1].find("is closed at an unknown site") != std::string::npos);
    (void)outside.release(); // its handle was closed by the closer
}

TEST_CASE("an fd held by a unique_resource is one leak under the OS cross-check, not two") {
    lifecycle::leak_scope_options o;
    o.policy = lifecycle::leak_policy::ignore;
    o.os_check = true;
    lifecycle::leak_scope scope{"unique_resource fds", o};
    auto a = lifecycle::make_unique_resource_checked(::open("/dev/null", O_RDONLY), -1, &::close);
    const auto closing = [](int fd) noexcept { ::close(fd); };
    lifecycle::unique_resource<int, decltype(closing), lifecycle::fd_resource_traits> b{::open("/dev/null", O_RDONLY), closing};
    const lifecycle::leak_report r = scope.check();
    CHECK(r.count() == 2);
    for (const lifecycle::leak_group& g : r.groups()) CHECK(g.tracked); // neither fd is reported again as untracked
}

TEST_CASE("a unique_resource and a tracked_fd of one fd: whichever closes first, the other does not close it again") {
    lifecycle_test::with_ownership at{lifecycle::ownership_level::warn};
    problems found; // the second owner and the closes are reported, not printed
    int deleted = 0;
    const auto closing = [&deleted](int fd) noexcept {
        ++deleted;
        ::close(fd);
    };
    {
        const int fd = ::open("/dev/null", O_RDONLY);
        lifecycle::tracked_fd first{fd, "first"};
        lifecycle::unique_resource<int, decltype(closing), lifecycle::fd_resource_traits> second{fd, closing};
        first.reset(); // closes fd; `second` is now a stale owner of its number
        const int reused = ::open("/dev/null", O_RDONLY); // very likely the same number
        second.reset(); // must not close `reused`
        CHECK(deleted == 0);
        CHECK(lifecycle_test::fd_is_open(reused));
        ::close(reused);
    }
    {
        const int fd = ::open("/dev/null", O_RDONLY);
        lifecycle::unique_resource<int, decltype(closing), lifecycle::fd_resource_traits> first{fd, closing};
        lifecycle::tracked_fd second{fd, "second"};
        first.reset(); // the deleter closes fd; `second` must know
        CHECK(deleted == 1);
        const int reused = ::open("/dev/null", O_RDONLY);
        second.reset();
        CHECK(lifecycle_test::fd_is_open(reused));
        ::close(reused);
    }
}
