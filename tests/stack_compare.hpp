// SPDX-License-Identifier: BSL-1.0
// Comparing the creation stacks of the two unwinders, frame by frame: shared
// by tests/unwind.cpp (doctest) and tests/programs/gtest_unwind.cpp.
#ifndef LIFECYCLE_TESTS_STACK_COMPARE_HPP
#define LIFECYCLE_TESTS_STACK_COMPARE_HPP

#include <lifecycle/tracked.hpp>

#include <unwind.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "support.hpp"

namespace lifecycle_test {

struct unwound_tag {
    static constexpr const char* name = "test.unwound";
};
/// The handle the stack comparisons create (an integer: nothing to open).
using unwound = lifecycle::tracked<fake_traits<unwound_tag>>;

/// Creation stacks on while alive, every frame kept, with the unwinder in
/// force; restores the tier, the unwinder and the depth.
struct with_stacks {
    lifecycle::capture tier = lifecycle::current_capture();
    lifecycle::unwind unwinder = lifecycle::current_unwind();
    unsigned depth = lifecycle::detail::instance().stack_depth();
    with_stacks() {
        lifecycle::set_capture(lifecycle::capture::stack);
        lifecycle::set_stack_depth(128);
    }
    ~with_stacks() {
        lifecycle::set_capture(tier);
        lifecycle::set_unwind(unwinder);
        lifecycle::set_stack_depth(depth);
    }
    with_stacks(const with_stacks&) = delete;
    with_stacks& operator=(const with_stacks&) = delete;
};

/// Effects: creates a `Handle` of `value` labelled `fast_label` with the fast
/// unwinder, then one of `value + 1` labelled `precise_label` with the
/// precise one, in the function this is inlined into, and keeps both in `out`.
template <class Handle>
__attribute__((always_inline)) inline void create_with_each_unwinder(std::vector<Handle>& out, int value,
                                                                     const char* fast_label, const char* precise_label) {
    lifecycle::set_unwind(lifecycle::unwind::fast);
    Handle fast{value, fast_label};
    lifecycle::set_unwind(lifecycle::unwind::precise);
    Handle precise{value + 1, precise_label};
    out.push_back(std::move(fast));
    out.push_back(std::move(precise));
}

/// A creation stack as the registry interned it.
struct raw_stack {
    std::vector<const void*> frames;
    bool broken = false;
};

/// Returns: the stack of the group whose only label is `label` (empty if none).
inline raw_stack stack_labelled(const lifecycle::leak_report& r, std::string_view label) {
    raw_stack out;
    for (const lifecycle::leak_group& g : r.groups()) {
        if (g.labels.size() != 1 || g.labels[0] != label || g.raw_stack == nullptr) continue;
        out.frames.assign(g.raw_stack->frames, g.raw_stack->frames + g.raw_stack->depth);
        out.broken = g.raw_stack->broken;
    }
    return out;
}

/// Returns: the group whose only label is `label`, or nullptr.
inline const lifecycle::leak_group* group_labelled(const lifecycle::leak_report& r, std::string_view label) {
    for (const lifecycle::leak_group& g : r.groups())
        if (g.labels.size() == 1 && g.labels[0] == label) return &g;
    return nullptr;
}

/// Returns: the entry of the function that holds return address `ra` (the
/// call before it), from the unwind tables; nullptr if none has it.
inline const void* function_of(const void* ra) {
    return _Unwind_FindEnclosingFunction(const_cast<char*>(static_cast<const char*>(ra)) - 1);
}

/// Returns: "" if `fast` is `precise` cut short: the first frames in the same
/// function (two call sites of the creator), every later frame the same
/// return address, and no more frames than `precise`; else what differs.
inline std::string compare_stacks(const raw_stack& fast, const raw_stack& precise) {
    char what[160];
    if (fast.frames.empty() || precise.frames.empty()) return "a stack is empty";
    if (fast.frames.size() > precise.frames.size()) {
        std::snprintf(what, sizeof what, "the fast stack has %zu frames, the precise one %zu", fast.frames.size(),
                      precise.frames.size());
        return what;
    }
    if (function_of(fast.frames[0]) == nullptr || function_of(fast.frames[0]) != function_of(precise.frames[0])) {
        std::snprintf(what, sizeof what, "frame #0 is in two functions: %p and %p", fast.frames[0], precise.frames[0]);
        return what;
    }
    for (std::size_t i = 1; i < fast.frames.size(); ++i)
        if (fast.frames[i] != precise.frames[i]) {
            std::snprintf(what, sizeof what, "frame #%zu differs: %p (fast), %p (precise)", i, fast.frames[i],
                          precise.frames[i]);
            return what;
        }
    return {};
}

/// Returns: true if the frames of `stack` from #`first` on are in the
/// functions `fns`, one each, in that order (the user's call chain).
inline bool frames_in(const raw_stack& stack, std::size_t first, const std::vector<const void*>& fns) {
    if (stack.frames.size() < first + fns.size()) return false;
    for (std::size_t i = 0; i < fns.size(); ++i)
        if (function_of(stack.frames[first + i]) != fns[i]) return false;
    return true;
}

} // namespace lifecycle_test

#endif
