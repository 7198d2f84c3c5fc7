// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/registry_modules.hpp — private. What the registry does
// as modules come and go and the process forks: each module's fork handlers
// and finalizer (attach_module), the copies of an unloading module's text
// that live records still point to (keep_module_text), and the one warning
// about mixed tracking modes or several registries (check_modules).
// Included at the end of detail/registry_core.hpp.
#ifndef LIFECYCLE_DETAIL_REGISTRY_MODULES_HPP
#define LIFECYCLE_DETAIL_REGISTRY_MODULES_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/exceptions.hpp>
#include <lifecycle/detail/hooks.hpp>
#include <lifecycle/detail/modules.hpp>
#include <lifecycle/detail/registry_core.hpp>
#include <lifecycle/detail/text_escape.hpp>

#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {
// Each module's finalizer, registered by attach_module() with the module's
// __dso_handle (so a file that only includes this header emits none of it):
// a shared object unloaded while records still point into it (dlclose)
// leaves them copies. It runs at exit too, where the copies are not needed
// (the main program is skipped; a shared object linked at start-up pays one
// pass over the live records). Hidden: it must name its own module.
LIFECYCLE_DETAIL_HIDDEN inline void keep_text_of_unloading_module(void*) noexcept {
    registry* r = own_registry();
    module_span m;
    if (r == nullptr || !module_of(reinterpret_cast<const void*>(&keep_text_of_unloading_module), m) || m.main_program) return;
    r->keep_module_text(m);
}

// Hidden, one set per module that uses the registry: glibc drops a module's
// handlers when it is unloaded, and the registry counts how many ran.
LIFECYCLE_DETAIL_HIDDEN inline void fork_prepare() noexcept { instance().before_fork(); }
LIFECYCLE_DETAIL_HIDDEN inline void fork_done_in_parent() noexcept { instance().after_fork(false); }
LIFECYCLE_DETAIL_HIDDEN inline void fork_done_in_child() noexcept { instance().after_fork(true); }

} // namespace detail
LIFECYCLE_END_NAMESPACE

// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD

#    include <cxxabi.h>

extern void* __dso_handle __attribute__((visibility("hidden"))); // this module's, from the C runtime (as the compiler declares it)

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// What the modes of the loaded modules are: names of modules with files
/// built with tracking on, off, and those with both (a module's name is
/// "the program" for the main program).
struct module_modes {
    char tracking[512] = "";
    char untracked[512] = "";
    int registries = 0; // distinct registries in use
    bool mixed() const noexcept { return tracking[0] != '\0' && untracked[0] != '\0'; }
};

// A module's name as the text words of warnings are written (its file name
// may hold any byte): escaped, the pieces that fit whole.
inline void append_name(char (&list)[512], const char* name) noexcept {
    std::size_t used = std::strlen(list);
    if (used + 8 >= sizeof list) return;
    if (used) {
        list[used++] = ',';
        list[used++] = ' ';
    }
    text_word_into(list + used, sizeof list - used, *name ? std::string_view(name) : std::string_view("the program"));
}

/// Returns: the modes of the loaded modules.
inline module_modes modes_of_modules() noexcept {
    module_modes m;
    void* seen[8] = {};
    for_each_module_note([&](const dl_phdr_info& info, unsigned type, const char* desc, unsigned size) {
        if (type == LIFECYCLE_DETAIL_NOTE_UNTRACKED) return append_name(m.untracked, info.dlpi_name);
        if (type != LIFECYCLE_DETAIL_NOTE_TRACKING || size != 8) return;
        append_name(m.tracking, info.dlpi_name);
        void* r = __atomic_load_n(&root_of_note(desc)->objects[1 + static_cast<int>(shared_object::registry)], __ATOMIC_ACQUIRE);
        if (r == nullptr) return;
        for (int i = 0; i < m.registries && i < 8; ++i)
            if (seen[i] == r) return;
        if (m.registries < 8) seen[m.registries] = r;
        ++m.registries;
    });
    return m;
}

LIFECYCLE_DETAIL_HIDDEN LIFECYCLE_DETAIL_COLD void attach_module() noexcept {
    ::pthread_atfork(&fork_prepare, &fork_done_in_parent, &fork_done_in_child);
    abi::__cxa_atexit(&keep_text_of_unloading_module, nullptr, &__dso_handle);
}

LIFECYCLE_DETAIL_COLD void registry::check_modules() noexcept {
#    if LIFECYCLE_DETAIL_MODULE_NOTES
    const unsigned long long generation = module_generation();
    if (modules_seen_.exchange(generation, std::memory_order_acq_rel) == generation) return;
    const module_modes m = modes_of_modules();
    if (m.mixed() && !said_mixed_.exchange(true))
        std::fprintf(stderr,
                     "lifecycle: this process mixes tracking modes: LIFECYCLE_TRACKING=1 in %s; LIFECYCLE_TRACKING=0 in %s. "
                     "Handles created by files built with 0 are not tracked, and a lifecycle type that files of both "
                     "modes share has two layouts: build every file of every module with one LIFECYCLE_TRACKING\n",
                     m.tracking, m.untracked);
    if (m.registries > 1 && !said_split_.exchange(true))
        std::fprintf(stderr,
                     "lifecycle: this process has %d registries (modules with tracking: %s): a scope sees only the "
                     "handles of its own registry's modules; they were built with different versions of lifecycle, or "
                     "used it first at the same moment\n",
                     m.registries, m.tracking);
#    endif
}

LIFECYCLE_DETAIL_COLD void registry::keep_module_text(const module_span& m) noexcept {
    std::vector<void*> frames; // to symbolize once the shards are let go
    auto copy = [&](const char*& text) {
        if (!m.contains(text)) return;
        LIFECYCLE_DETAIL_TRY {
            text = intern_name(text);
        } LIFECYCLE_DETAIL_CATCH_ALL {
            text = "(text of an unloaded module)";
        }
    };
    if (m.contains(shards_.lease_code())) shards_.stop_leasing();
    shards_.read_all([&](shard& s) {
        for (record* r = s.head; r; r = r->next) {
            copy(r->site.file);
            copy(r->site.function);
            for (std::uint32_t i = 0; r->stack && i < r->stack->depth; ++i) {
                if (!m.contains(r->stack->frames[i])) continue;
                LIFECYCLE_DETAIL_TRY {
                    frames.push_back(r->stack->frames[i]);
                } LIFECYCLE_DETAIL_CATCH_ALL {
                }
            }
        }
    });
    const report_hooks* h = report_hooks_in_reach();
    if (h == nullptr || h->symbolize == nullptr) return;
    std::vector<frame_info> chain;
    for (void* f : frames) h->symbolize(f, chain);
}

} // namespace detail
LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_DETAIL_REGISTRY_MODULES_HPP
