// SPDX-License-Identifier: BSL-1.0
// What a file of a compiled-mode build sees and gets: only declarations of
// what the library holds (no registry, shards, owner index, closer maps),
// and creation stacks that start in the creating function although the
// capture runs in the library's enroll(). Deliberately without support.hpp,
// which includes the registry's internals for the tests that read them.
#include <lifecycle/tracked.hpp>

#if LIFECYCLE_COMPILED && LIFECYCLE_TRACKING
// The registry, its shards, the owner index, the process's handlers and the
// closer's map are the library's; tracked.hpp must not drag them in.
#    if defined(LIFECYCLE_DETAIL_REGISTRY_CORE_HPP) || defined(LIFECYCLE_DETAIL_SHARDS_HPP) || \
        defined(LIFECYCLE_DETAIL_OWNER_INDEX_HPP) || defined(LIFECYCLE_DETAIL_HOOKS_HPP) ||     \
        defined(LIFECYCLE_DETAIL_FRAME_WALK_HPP) || defined(LIFECYCLE_DETAIL_RECORDS_HPP)
#        error "compiled mode: tracked.hpp shows a file the registry's internals"
#    endif
#    if defined(_GLIBCXX_UNORDERED_MAP) || defined(_GLIBCXX_ALGORITHM)
#        error "compiled mode: tracked.hpp includes <unordered_map> or <algorithm>, which only the library needs"
#    endif
#endif

#include <lifecycle/detail/records.hpp> // stack_entry: the raw frames a report keeps

#include <doctest/doctest.h>

#include <fcntl.h>

namespace {

#if LIFECYCLE_TRACKING
// Opens one fd that stays open, and returns where this function returns to:
// the second frame of the fd's creation stack if the first is this function.
__attribute__((noinline)) const void* open_one(lifecycle::tracked_fd& out) {
    out = lifecycle::tracked_fd{::open("/dev/null", O_RDONLY | O_CLOEXEC), "compiled mode"};
    return __builtin_extract_return_addr(__builtin_return_address(0));
}

const void* second_frame_of_new_fd(lifecycle::unwind u) {
    const lifecycle::capture before = lifecycle::current_capture();
    const lifecycle::unwind unwinder = lifecycle::current_unwind();
    lifecycle::set_capture(lifecycle::capture::stack);
    lifecycle::set_unwind(u);
    lifecycle::leak_scope scope{"compiled mode", lifecycle::leak_policy::ignore};
    lifecycle::tracked_fd fd;
    const void* returns_to = open_one(fd);
    const lifecycle::leak_report r = scope.check();
    lifecycle::set_capture(before);
    lifecycle::set_unwind(unwinder);
    REQUIRE(r.count() == 1);
    const lifecycle::detail::stack_entry* s = r.groups().at(0).raw_stack;
    REQUIRE(s != nullptr);
    REQUIRE(s->depth >= 2);
    CHECK(s->frames[1] == returns_to);
    return s->frames[1];
}
#endif

} // namespace

TEST_CASE("a creation stack starts in the creating function, header-only and compiled") {
#if LIFECYCLE_TRACKING
#    if LIFECYCLE_STACKTRACE
    second_frame_of_new_fd(lifecycle::unwind::precise);
    second_frame_of_new_fd(lifecycle::unwind::fast);
#    endif
#endif
}
