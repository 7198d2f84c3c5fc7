// SPDX-License-Identifier: BSL-1.0
// Creation stacks under GoogleTest, in code built -O2 with the flags the
// lifecycle target gives (frame pointers): the fast unwinder keeps the
// precise one's frames one by one, the test body's included, and stops in
// GoogleTest's own code (built without frame pointers), which the report
// says. Run by gtest_unwind.expect.
#include <lifecycle/tracked.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stack_compare.hpp"
#include "support.hpp"

namespace {

using namespace lifecycle_test;
using lifecycle::unwind;

// An address inside the caller: its function is the caller's.
LIFECYCLE_DETAIL_NOINLINE const void* caller_address() {
    const void* ra = __builtin_return_address(0);
    asm volatile("");
    return ra;
}

// Inlined at -O2 (small, called twice), and forced.
__attribute__((always_inline)) inline void create_inlined(std::vector<unwound>& out, int base) {
    lifecycle_test::create_with_each_unwinder(out, base, "fast", "precise");
}

LIFECYCLE_DETAIL_NOINLINE const void* creator(std::vector<unwound>& out) {
    create_inlined(out, 10);
    const void* at = caller_address();
    asm volatile(""); // not a tail call: `at` is in this function
    return at;
}
LIFECYCLE_DETAIL_NOINLINE const void* middle(std::vector<unwound>& out) {
    const void* at = creator(out);
    asm volatile("");
    return at;
}

// Checks `r`'s "fast" and "precise" stacks: the same frames, the first in
// the function at `first` (nullptr: not checked); the fast one stops in
// GoogleTest, below the test body, and the report says so.
void check_stacks(const lifecycle::leak_report& r, const void* first, std::size_t user_frames) {
    const raw_stack fast = stack_labelled(r, "fast"), precise = stack_labelled(r, "precise");
    ASSERT_FALSE(fast.frames.empty());
    ASSERT_FALSE(precise.frames.empty());
    EXPECT_EQ(compare_stacks(fast, precise), "");
    if (first) {
        EXPECT_EQ(function_of(fast.frames[0]), function_of(first));
    }
    if (!LIFECYCLE_DETAIL_FAST_UNWIND) return;
    // The user's frames, the test body's last, then GoogleTest's first frame.
    EXPECT_EQ(fast.frames.size(), user_frames + 1);
    EXPECT_TRUE(fast.broken);
    EXPECT_GT(precise.frames.size(), fast.frames.size());
    const lifecycle::leak_group* g = lifecycle_test::group_labelled(r, "fast");
    ASSERT_NE(g, nullptr);
    EXPECT_TRUE(g->stack_stops_early);
    EXPECT_NE(r.to_text().find("(some stacks stop at a frame without a frame pointer"), std::string::npos);
}

TEST(fast_unwind, stacks_of_the_test_body) {
    with_stacks on;
    lifecycle::leak_scope scope{"test body", lifecycle::leak_policy::ignore};
    std::vector<unwound> kept;
    lifecycle::set_unwind(unwind::fast);
    unwound fast{1, "fast"}; // here, not through a helper
    lifecycle::set_unwind(unwind::precise);
    unwound precise{2, "precise"};
    kept.push_back(std::move(fast));
    kept.push_back(std::move(precise));
    check_stacks(scope.check(), caller_address(), 1);
}

TEST(fast_unwind, stacks_of_an_inlined_creator) {
    with_stacks on;
    lifecycle::leak_scope scope{"inlined", lifecycle::leak_policy::ignore};
    std::vector<unwound> kept;
    create_inlined(kept, 3);
    check_stacks(scope.check(), caller_address(), 1);
}

TEST(fast_unwind, stacks_of_a_call_chain) {
    with_stacks on;
    lifecycle::leak_scope scope{"chain", lifecycle::leak_policy::ignore};
    std::vector<unwound> kept;
    const void* in_creator = middle(kept);
    const lifecycle::leak_report r = scope.check();
    check_stacks(r, in_creator, 3); // creator, middle, the test body
    const raw_stack fast = stack_labelled(r, "fast");
    ASSERT_GE(fast.frames.size(), 3u);
    EXPECT_EQ(function_of(fast.frames[1]), reinterpret_cast<const void*>(&middle));
    EXPECT_EQ(function_of(fast.frames[2]), function_of(caller_address()));
}

} // namespace
