// SPDX-License-Identifier: BSL-1.0
// The README's example: a config loader that caches every descriptor it opens
// "for later" and never closes them; a leak scope prints where each was created.
#include <lifecycle/tracked.hpp>

#include <fcntl.h>

#include <vector>

std::vector<lifecycle::tracked_fd> cache; // keeps whatever is put in it alive

void load_config(const char* path) {
    lifecycle::tracked_fd fd{::open(path, O_RDONLY), "config"};
    if (!fd) return;
    cache.push_back(std::move(fd)); // oops: cached "for later", never closed
}

int main() {
    lifecycle::leak_scope scope{"startup"}; // prints a report if anything leaks
    load_config("/etc/hostname");
    load_config("/etc/os-release");
    load_config("/nonexistent"); // fails: nothing enrolled
}
