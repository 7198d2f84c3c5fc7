// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/modules.hpp — private. Which loaded module (the program
// or a shared object) holds an address: what the registry needs when a
// module is unloaded while records still point at its text (site file and
// function names, stack frames).
#ifndef LIFECYCLE_DETAIL_MODULES_HPP
#define LIFECYCLE_DETAIL_MODULES_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/sync.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include <link.h>
#include <pthread.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

// ---- Walking the loaded modules, and fork() -------------------------------------
// dl_iterate_phdr runs its callback under glibc's dl_load_write_lock, which a
// fork child does not get back: glibc re-initializes dl_load_lock and
// dl_load_tls_lock in the child, not this one. A parent thread inside a walk
// at the fork (a scope check's check_modules(), on every check) left the
// child's lock held by a thread that is gone, and the child's first walk of
// its own waited forever: its first scope check, or the symbolizer's set-up on
// a new thread (libbacktrace walks the modules; the symbol cache holds its
// lock across fork for that, detail/symbols.hpp). So every walk lifecycle
// makes goes through walk_modules(), under its module's walk lock, which
// fork() holds (the module's own pthread_atfork handlers, installed before
// its first walk). A walk by code outside lifecycle (an unwinder older than
// libgcc 12 or glibc 2.35, which walks on every throw; a profiler) leaves the
// same lock held: lifecycle cannot take it back (README, "fork").
class module_walks {
public:
    constexpr module_walks() noexcept = default;
    module_walks(const module_walks&) = delete;
    module_walks& operator=(const module_walks&) = delete;

    /// Effects: dl_iterate_phdr(callback, data) under the walk lock; without
    /// it in a signal handler that interrupted a walk on this thread (glibc's
    /// lock is recursive, ours is not).
    int walk(int (*callback)(dl_phdr_info*, std::size_t, void*), void* data) noexcept {
        if (tls_walking != 0) return ::dl_iterate_phdr(callback, data);
        ++tls_walking;
        lock_.lock();
        const int result = ::dl_iterate_phdr(callback, data);
        lock_.unlock();
        --tls_walking;
        return result;
    }

    /// Returns: true the first time (the caller installs the fork handlers).
    bool first_walk() noexcept {
        return !registered_.load(std::memory_order_acquire) && !registered_.exchange(true, std::memory_order_acq_rel);
    }

    // Not held when the forking thread is itself inside a walk (fork from a
    // signal handler that interrupted it): it would wait for itself.
    void before_fork() noexcept {
        held_ = tls_walking == 0;
        if (held_) lock_.lock();
    }
    void after_fork_in_parent() noexcept {
        if (held_) lock_.unlock();
    }
    void after_fork_in_child() noexcept { lock_.reinitialize(); }

private:
    static thread_local inline int tls_walking = 0;
    std::atomic<bool> registered_{false};
    bool held_ = false; // written by the forking thread only
    mutex lock_;
};

// This module's walks (hidden, as every function that names it: one per
// module, whose fork handlers glibc drops when the module is unloaded).
LIFECYCLE_DETAIL_HIDDEN inline module_walks module_walks_here;
LIFECYCLE_DETAIL_HIDDEN inline void module_walks_before_fork() noexcept { module_walks_here.before_fork(); }
LIFECYCLE_DETAIL_HIDDEN inline void module_walks_after_fork_in_parent() noexcept { module_walks_here.after_fork_in_parent(); }
LIFECYCLE_DETAIL_HIDDEN inline void module_walks_after_fork_in_child() noexcept { module_walks_here.after_fork_in_child(); }

/// Effects: dl_iterate_phdr(callback, data), never while the process forks.
LIFECYCLE_DETAIL_HIDDEN inline int walk_modules(int (*callback)(dl_phdr_info*, std::size_t, void*), void* data) noexcept {
    if (LIFECYCLE_DETAIL_UNLIKELY(module_walks_here.first_walk()))
        ::pthread_atfork(&module_walks_before_fork, &module_walks_after_fork_in_parent, &module_walks_after_fork_in_child);
    return module_walks_here.walk(callback, data);
}

/// The loaded segments of one module.
struct module_span {
    static constexpr int max_segments = 16;
    std::uintptr_t lo[max_segments] = {};
    std::uintptr_t hi[max_segments] = {};
    int segments = 0;
    bool main_program = false;

    bool contains(const void* p) const noexcept {
        const auto a = reinterpret_cast<std::uintptr_t>(p);
        for (int i = 0; i < segments; ++i)
            if (a >= lo[i] && a < hi[i]) return true;
        return false;
    }
};

/// Returns: the loaded segments of the module `info` describes.
inline module_span segments_of(const dl_phdr_info& info, bool main_program) noexcept {
    module_span m;
    m.main_program = main_program;
    for (int i = 0; i < info.dlpi_phnum && m.segments < module_span::max_segments; ++i) {
        const ElfW(Phdr)& ph = info.dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        m.lo[m.segments] = info.dlpi_addr + ph.p_vaddr;
        m.hi[m.segments] = info.dlpi_addr + ph.p_vaddr + ph.p_memsz;
        ++m.segments;
    }
    return m;
}

/// Effects: calls `visit(const char* name, unsigned name_size, unsigned type,
/// const char* desc, unsigned desc_size)` for every ELF note of the module
/// `info` describes (its PT_NOTE segments, as mapped).
template <class Visit>
void for_each_note(const dl_phdr_info& info, Visit&& visit) {
    for (int i = 0; i < info.dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info.dlpi_phdr[i];
        if (ph.p_type != PT_NOTE) continue;
        const char* p = reinterpret_cast<const char*>(info.dlpi_addr + ph.p_vaddr);
        const char* const end = p + ph.p_memsz;
        while (end - p >= 12) {
            std::uint32_t name_size, desc_size, type;
            std::memcpy(&name_size, p, 4);
            std::memcpy(&desc_size, p + 4, 4);
            std::memcpy(&type, p + 8, 4);
            const char* name = p + 12;
            const char* desc = name + ((name_size + 3) & ~3u);
            const char* next = desc + ((desc_size + 3) & ~3u);
            if (next > end || next < p) break;
            visit(name, name_size, type, desc, desc_size);
            p = next;
        }
    }
}

/// Effects: fills `out` with the module that holds `address`.
/// Returns: false if no loaded module holds it.
inline bool module_of(const void* address, module_span& out) noexcept {
    struct search {
        std::uintptr_t address;
        module_span* out;
        bool first = true;
        bool found = false;
    } s{reinterpret_cast<std::uintptr_t>(address), &out};
    walk_modules(
        [](dl_phdr_info* info, std::size_t, void* data) -> int {
            auto& st = *static_cast<search*>(data);
            const bool main_program = st.first;
            st.first = false;
            const module_span m = segments_of(*info, main_program);
            if (!m.contains(reinterpret_cast<const void*>(st.address))) return 0;
            *st.out = m;
            st.found = true;
            return 1;
        },
        &s);
    return s.found;
}

/// Effects: calls `visit(const dl_phdr_info&, unsigned type, const char* desc,
/// unsigned desc_size)` for every lifecycle note (detail/module_note.hpp) of
/// every loaded module, the program first.
template <class Visit>
void for_each_module_note(Visit visit) noexcept {
    walk_modules(
        [](dl_phdr_info* info, std::size_t, void* data) -> int {
            Visit& v = *static_cast<Visit*>(data);
            for_each_note(*info, [&](const char* name, unsigned name_size, unsigned type, const char* desc, unsigned desc_size) {
                if (name_size == 10 && std::memcmp(name, "lifecycle", 10) == 0) v(*info, type, desc, desc_size);
            });
            return 0;
        },
        &visit);
}

/// Returns: the root a tracking note points at.
inline lifecycle_v0_registry_root* root_of_note(const char* desc) noexcept {
    std::int64_t offset;
    std::memcpy(&offset, desc, sizeof offset);
    return reinterpret_cast<lifecycle_v0_registry_root*>(const_cast<char*>(desc) + offset);
}

/// The process-wide objects, one of each per process. Every function that
/// reads this module's root is hidden: bound to another module's copy (symbol
/// interposition, -rdynamic) it would read that module's root instead. A module's root holds
/// in objects[0] the process's directory of them (on the heap, made by the
/// first module that needed one and found by the others through its note,
/// so it outlives that module), and in objects[1 + which] its own copy of
/// each pointer (read on every use: one load).
enum class shared_object { registry = 0, owner_index = 1, hooks = 2 };

struct shared_directory {
    void* objects[3] = {nullptr, nullptr, nullptr};
};

#    if LIFECYCLE_DETAIL_MODULE_NOTES && LIFECYCLE_TRACKING
LIFECYCLE_DETAIL_HIDDEN inline void* own_shared(shared_object which) noexcept {
    return __atomic_load_n(&lifecycle_v0_registry_root_of_module.objects[1 + static_cast<int>(which)], __ATOMIC_ACQUIRE);
}

/// Returns: the directory another module made, or nullptr.
LIFECYCLE_DETAIL_HIDDEN inline shared_directory* directory_elsewhere() noexcept {
    shared_directory* found = nullptr;
    const lifecycle_v0_registry_root* own = &lifecycle_v0_registry_root_of_module;
    for_each_module_note([&](const dl_phdr_info&, unsigned type, const char* desc, unsigned size) {
        if (found || type != LIFECYCLE_DETAIL_NOTE_TRACKING || size != 8) return;
        const lifecycle_v0_registry_root* root = root_of_note(desc);
        if (root == own || root->magic != LIFECYCLE_DETAIL_ROOT_MAGIC || root->layout != LIFECYCLE_DETAIL_REGISTRY_LAYOUT) return;
        found = static_cast<shared_directory*>(__atomic_load_n(&root->objects[0], __ATOMIC_ACQUIRE));
    });
    return found;
}

/// Returns: the process's directory (this module's own, constant-initialized,
/// if there is no memory for one).
LIFECYCLE_DETAIL_NOINLINE LIFECYCLE_DETAIL_HIDDEN inline shared_directory& process_directory() noexcept {
    void** slot = &lifecycle_v0_registry_root_of_module.objects[0];
    if (void* d = __atomic_load_n(slot, __ATOMIC_ACQUIRE)) return *static_cast<shared_directory*>(d);
    static shared_directory fallback;
    void* candidate = directory_elsewhere();
    if (candidate == nullptr) candidate = new (std::nothrow) shared_directory;
    if (candidate == nullptr) candidate = &fallback;
    void* before = nullptr;
    if (!__atomic_compare_exchange_n(slot, &before, candidate, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) candidate = before;
    return *static_cast<shared_directory*>(candidate);
}

/// Returns: the process's `which`, published by `make()` (which returns a
/// new object, or nullptr) if no module did yet; `made` tells which.
template <class Make>
LIFECYCLE_DETAIL_HIDDEN void* shared_of_process(shared_object which, Make make, bool& made) noexcept {
    made = false;
    void** entry = &process_directory().objects[static_cast<int>(which)];
    void* p = __atomic_load_n(entry, __ATOMIC_ACQUIRE);
    if (p == nullptr) {
        void* fresh = make();
        if (fresh == nullptr) return nullptr;
        void* before = nullptr;
        made = __atomic_compare_exchange_n(entry, &before, fresh, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        p = made ? fresh : before; // a loser's object is never used (nor freed)
    }
    void* before = nullptr;
    void** cache = &lifecycle_v0_registry_root_of_module.objects[1 + static_cast<int>(which)];
    if (!__atomic_compare_exchange_n(cache, &before, p, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return before;
    return p;
}
#    endif

/// Returns: how many times modules were loaded and unloaded so far (a
/// number that changes when the set of modules does).
inline unsigned long long module_generation() noexcept {
    unsigned long long g = 0;
    walk_modules(
        [](dl_phdr_info* info, std::size_t size, void* data) -> int {
            if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
                *static_cast<unsigned long long*>(data) = info->dlpi_adds + info->dlpi_subs;
            return 1;
        },
        &g);
    return g;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_MODULES_HPP
