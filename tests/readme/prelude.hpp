// SPDX-License-Identifier: BSL-1.0
// What every ```cpp block of README.md is compiled after (cmake/readme-blocks.cmake):
// the includes a reader's file would have, and the names the README's
// fragments use without declaring them (the caller's variables and functions).
// A name added here should be one a reader takes for granted in the example.
#ifndef LIFECYCLE_TESTS_README_PRELUDE_HPP
#define LIFECYCLE_TESTS_README_PRELUDE_HPP

#include <lifecycle/tracked.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

// "Using it" and the scope guards: a path, a buffer, a logger.
inline const char* path = "/etc/hostname";
inline char buf[256];
inline std::size_t n = sizeof buf;
template <class... Args>
void log(const Args&...) {} // beside ::log(double): the examples log strings

// The scope guards: the caller's cleanup and transaction.
inline void cleanup() {}
struct readme_database {
    void rollback() {}
};
inline readme_database db;

// closer: an object owning datasets (two members may share one), a tracked fd,
// a stream with close(), a cache flush.
struct readme_dataset {
    std::error_code close() { return {}; }
};
struct readme_model {
    std::shared_ptr<readme_dataset> ensemble, ensemble_daily, ensemble_trans;
};
inline readme_model model;
inline lifecycle::tracked_fd index_fd;
struct readme_log_stream {
    void close() {}
};
inline readme_log_stream log_stream;
inline std::error_code flush_cache() { return {}; }

// Your own handle types: SQLite's C API, declared as sqlite3.h does.
extern "C" {
struct sqlite3;
int sqlite3_close(sqlite3*);
}

// Test frameworks: the code under test.
inline void load_config() {}

#endif // LIFECYCLE_TESTS_README_PRELUDE_HPP
