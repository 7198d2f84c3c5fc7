// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/hooks.hpp — private. What the report layer lends the
// layers below it without their including it (they never call up): the
// at-exit report (LIFECYCLE_REPORT_AT_EXIT=1) and the symbolizer that lets
// ownership messages name the user's frame.
//
// Every function of the report layer that a program uses does two things
// (LIFECYCLE_DETAIL_LEND_REPORT_HOOKS in leak_scope.hpp): it leaves a
// pointer to the hooks in its module's `lifecycle_v0_hooks` section, which
// the linker gathers, and hands them over when it runs. So a program that
// uses a report anywhere has them, from its start to its exit, even if no
// report ran yet; a file that only includes a header runs nothing (no
// static initializer). A program that never uses a report has no report
// code to lend: its ownership messages name the creating call's own site,
// and LIFECYCLE_REPORT_AT_EXIT has nothing to print with.
#ifndef LIFECYCLE_DETAIL_HOOKS_HPP
#define LIFECYCLE_DETAIL_HOOKS_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/frames.hpp>
#include <lifecycle/detail/modules.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include <dlfcn.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

struct report_hooks {
    void (*at_exit)() noexcept;                                    ///< the at-exit report
    /// the symbol cache: the frames at `address`, its inline frames first
    bool (*symbolize)(const void* address, std::vector<frame_info>& out) noexcept;
};

class hook_state {
public:
    /// Effects: the at-exit report runs when the process exits (from the settings).
    void request_at_exit() noexcept {
        requested_.store(true, std::memory_order_release);
        std::atexit(&hook_state::mark_exiting);
    }
    /// Effects: `h` is in reach from now on; hooks with an at-exit report
    /// are not replaced by hooks without one.
    void hand_over(const report_hooks* h) noexcept {
        if (h->at_exit != nullptr) return handed_.store(h, std::memory_order_release);
        const report_hooks* none = nullptr;
        handed_.compare_exchange_strong(none, h, std::memory_order_acq_rel);
    }
    const report_hooks* handed() const noexcept { return handed_.load(std::memory_order_acquire); }

    /// Effects: the hooks handed over are out of reach from now on if they
    /// live in the module that holds `code` (the module being unloaded).
    void forget_module(const void* code) noexcept {
        const report_hooks* h = handed();
        Dl_info mine{}, theirs{};
        if (h == nullptr || ::dladdr(code, &mine) == 0 || ::dladdr(h, &theirs) == 0) return;
        if (mine.dli_fbase == theirs.dli_fbase) handed_.compare_exchange_strong(h, nullptr, std::memory_order_acq_rel);
    }

    /// Effects: if requested and the process is exiting, runs the report
    /// once, with the hooks handed over, else `found` (the calling module's
    /// own); nothing otherwise.
    void run_at_exit(const report_hooks* found) noexcept {
        if (!requested_.load(std::memory_order_acquire) || !exiting_.load(std::memory_order_acquire)) return;
        const report_hooks* h = handed();
        if (h == nullptr || h->at_exit == nullptr) h = found;
        if (h == nullptr || h->at_exit == nullptr || done_.exchange(true, std::memory_order_acq_rel)) return;
        h->at_exit();
    }

private:
    static void mark_exiting() noexcept;

    std::atomic<bool> requested_{false}, exiting_{false}, done_{false};
    std::atomic<const report_hooks*> handed_{nullptr};
};

// One per process like the registry (detail/modules.hpp), so that a module
// that uses no report still reaches the symbolizer another module lends; the
// module's own, constant-initialized, until it can have one.
LIFECYCLE_DETAIL_HIDDEN inline hook_state& hooks() noexcept {
#    if LIFECYCLE_DETAIL_MODULE_NOTES && LIFECYCLE_TRACKING
    if (void* p = own_shared(shared_object::hooks)) return *static_cast<hook_state*>(p);
    static hook_state fallback;
    bool made = false;
    void* p = shared_of_process(shared_object::hooks, [] { return new (std::nothrow) hook_state; }, made);
    return p ? *static_cast<hook_state*>(p) : fallback;
#    else
    static hook_state state;
    return state;
#    endif
}
inline void hook_state::mark_exiting() noexcept { hooks().exiting_.store(true, std::memory_order_release); }

} // namespace detail
LIFECYCLE_END_NAMESPACE

// The hooks the report layer left in this module; null where it left none.
// Hidden: each module sees its own section.
extern "C" const lifecycle::detail::report_hooks* const __start_lifecycle_v0_hooks[]
    __attribute__((weak, visibility("hidden")));
extern "C" const lifecycle::detail::report_hooks* const __stop_lifecycle_v0_hooks[]
    __attribute__((weak, visibility("hidden")));

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// Returns: the hooks left in the calling module's section, or nullptr.
inline const report_hooks* module_hooks() noexcept {
    for (const report_hooks* const* p = __start_lifecycle_v0_hooks; p && p != __stop_lifecycle_v0_hooks; ++p)
        if (*p) return *p;
    return nullptr;
}

/// Returns: the hooks handed over, else the calling module's, else nullptr.
inline const report_hooks* report_hooks_in_reach() noexcept {
    const report_hooks* h = hooks().handed();
    return h ? h : module_hooks();
}

// Each module's finalizer. glibc runs the finalizers after the atexit list,
// which holds every static destructor: resources that statics close are
// closed before the at-exit report looks. At dlclose the process is not
// exiting (unless the registry was created inside the unloaded module,
// whose atexit registration then runs at its dlclose: plugins are the open
// issue on loading modes) and this only forgets the module's hooks.
// Hidden: each module runs its own copy, which names its own module (a copy
// of another module, bound by symbol interposition, would name that one).
__attribute__((destructor, visibility("hidden"))) inline void run_at_exit_report_of_module() noexcept {
    hooks().run_at_exit(module_hooks());
    // At dlclose, hooks that this module handed over go with it.
    hooks().forget_module(reinterpret_cast<const void*>(&run_at_exit_report_of_module));
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_HOOKS_HPP
