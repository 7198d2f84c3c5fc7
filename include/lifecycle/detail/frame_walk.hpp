// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/frame_walk.hpp — private. The fast unwinder: follows the
// chain of frame records ({caller's frame pointer, return address}) that code
// built with -fno-omit-frame-pointer keeps, as LeakSanitizer's fast unwinder
// does, instead of running a CFI program per frame (detail/frames.hpp has the
// precise one, and chooses).
//
// Safe on any code, whatever a frame without a frame pointer left in the
// register:
//   - every read is 8-byte aligned and inside the calling thread's stack,
//     [its own frame, the stack's top): records lie strictly above each other,
//     so the walk only climbs and ends;
//   - every return address kept is inside an executable segment of a loaded
//     module (a table built from dl_iterate_phdr, refreshed when an address
//     is in none of its segments and the modules changed: a module unloaded
//     since still counts until then); the first value that is not ends the
//     walk, and is not kept.
// A walk that ends on such a record, before the depth and before a null
// frame pointer, is `broken`: the frame above had no frame pointer (libc,
// libstdc++ and most distributions' libraries have none), or the chain left
// the stack. A report tells a broken stack that ends in the start-up code
// (the rest is the C runtime's) from one that stops early (report.hpp).
// On an alternate signal stack the walk stays inside it. Where the calling
// thread's stack is not known (a fiber's, a stack the thread did not get
// from pthreads), the caller falls back to the precise unwinder.
//
// What frame pointers cannot give, even when every frame has one: the
// function a signal interrupted (its return address is in the signal frame,
// not in a record), and the caller of a function without a frame pointer
// that left the register alone (the chain then skips that caller).
#ifndef LIFECYCLE_DETAIL_FRAME_WALK_HPP
#define LIFECYCLE_DETAIL_FRAME_WALK_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/detail/modules.hpp> // walk_modules(): never while the process forks

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#if LIFECYCLE_DETAIL_FAST_UNWIND
#    include <dlfcn.h>
#    include <link.h>
#    include <pthread.h>
#    include <signal.h>
#    include <sys/resource.h>
#    include <sys/syscall.h>
#    include <unistd.h>
#    if defined(__GLIBC__)
extern "C" void* __libc_stack_end; // glibc: the main thread's stack pointer at start-up, above every frame
#    endif
#endif

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

#if LIFECYCLE_DETAIL_FAST_UNWIND

#    if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
// The walk reads other functions' frame records, which AddressSanitizer
// would check against their locals' redzones (a corrupted chain is stopped
// by the bounds, not by a sanitizer report).
#        define LIFECYCLE_DETAIL_NO_SANITIZE_ADDRESS __attribute__((no_sanitize("address", "hwaddress")))
#    else
#        define LIFECYCLE_DETAIL_NO_SANITIZE_ADDRESS __attribute__((no_sanitize_address))
#    endif

// ---- the calling thread's stack -------------------------------------------------

/// The calling thread's stack, read at its first fast capture. A POD,
/// constant-initialized: reading it costs a TLS load and allocates nothing.
struct stack_bounds {
    std::uintptr_t low = 0, high = 0; // [low, high)
    bool read = false;
};

inline thread_local stack_bounds tls_stack_bounds{};

/// The main thread's stack is one the kernel grows: its bottom is not
/// mapped yet, but nothing else is mapped in the gap the kernel keeps below
/// its top (at least this much, whatever RLIMIT_STACK said at exec). A
/// deeper stack is walked by the precise unwinder.
inline constexpr std::uintptr_t main_stack_window = std::uintptr_t(128) << 20;

/// Effects: `b` holds the calling thread's stack, or an empty range if it
/// cannot be known. `fp` is a frame of the caller's. The main thread's needs
/// no allocation (pthread_getattr_np reads /proc/self/maps for it); another
/// thread's costs pthread_getattr_np's allocations, once.
LIFECYCLE_DETAIL_NOINLINE inline void read_stack_bounds(stack_bounds& b, std::uintptr_t fp) noexcept {
    b.read = true;
#    if defined(__GLIBC__)
    const auto top = reinterpret_cast<std::uintptr_t>(__libc_stack_end);
    rlimit limit{};
    if (top != 0 && ::getpid() == static_cast<pid_t>(::syscall(SYS_gettid)) && ::getrlimit(RLIMIT_STACK, &limit) == 0) {
        std::uintptr_t window = main_stack_window;
        if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < window) window = static_cast<std::uintptr_t>(limit.rlim_cur);
        if (window > top) window = top;
        // A process forked by another thread runs on that thread's stack.
        if (fp < top && fp >= top - window) {
            b.low = top - window;
            b.high = top;
            return;
        }
    }
#    endif
    pthread_attr_t attr;
    if (::pthread_getattr_np(::pthread_self(), &attr) != 0) return;
    void* base = nullptr;
    std::size_t size = 0;
    if (::pthread_attr_getstack(&attr, &base, &size) == 0 && base != nullptr) {
        b.low = reinterpret_cast<std::uintptr_t>(base);
        b.high = b.low + size;
    }
    ::pthread_attr_destroy(&attr);
}

/// Returns: true, with its bounds, if `fp` is on the calling thread's
/// alternate signal stack (a handler running there).
LIFECYCLE_DETAIL_NOINLINE inline bool on_alternate_stack(std::uintptr_t fp, std::uintptr_t& low, std::uintptr_t& high) noexcept {
    stack_t ss{};
    if (::sigaltstack(nullptr, &ss) != 0 || (ss.ss_flags & SS_ONSTACK) == 0) return false;
    const auto base = reinterpret_cast<std::uintptr_t>(ss.ss_sp);
    if (fp < base || fp - base >= ss.ss_size) return false;
    low = base;
    high = base + ss.ss_size;
    return true;
}

// ---- where code is --------------------------------------------------------------

/// An executable segment of a loaded module: [lo, hi).
struct code_range {
    std::uintptr_t lo, hi;
};

/// The executable segments of the loaded modules, sorted. Immutable once
/// published; a replaced table is never freed (a walk may still read it).
struct code_table {
    unsigned long long generation; // dlpi_adds + dlpi_subs when it was made
    const code_table* replaced;
    std::size_t size;
    code_range ranges[1]; // `size` of them
};

/// Returns: the range of `t` that holds `a`, or nullptr.
inline const code_range* find_code(const code_table* t, std::uintptr_t a) noexcept {
    if (t == nullptr) return nullptr;
    std::size_t lo = 0, hi = t->size;
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (a < t->ranges[mid].lo) hi = mid;
        else if (a >= t->ranges[mid].hi) lo = mid + 1;
        else return &t->ranges[mid];
    }
    return nullptr;
}

// One per module (hidden: two versions of lifecycle in one process must not
// share a layout); constant-initialized.
LIFECYCLE_DETAIL_HIDDEN inline std::atomic<const code_table*>& code_tables() noexcept {
    static std::atomic<const code_table*> current{nullptr};
    return current;
}

struct code_scan {
    code_table* table; // null: count only
    std::size_t capacity, found;
    unsigned long long generation;
    bool first;
};

inline int scan_module(dl_phdr_info* info, std::size_t size, void* data) noexcept {
    auto& s = *static_cast<code_scan*>(data);
    if (s.first && size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
        s.generation = info->dlpi_adds + info->dlpi_subs;
    s.first = false;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0 || ph.p_memsz == 0) continue;
        if (s.table != nullptr && s.found < s.capacity) {
            const std::uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
            s.table->ranges[s.found] = code_range{lo, lo + ph.p_memsz};
        }
        ++s.found;
    }
    return 0;
}

/// Returns: the generation of the loaded modules (one call of the callback).
inline unsigned long long code_generation() noexcept {
    code_scan s{nullptr, 0, 0, 0, true};
    walk_modules([](dl_phdr_info* info, std::size_t size, void* data) -> int {
        auto& scan = *static_cast<code_scan*>(data);
        if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof info->dlpi_subs)
            scan.generation = info->dlpi_adds + info->dlpi_subs;
        return 1;
    }, &s);
    return s.generation;
}

/// Returns: the table in force after making one for the modules loaded now,
/// if they changed since `seen` was made (else `seen`); nullptr if there is
/// none and no memory for one. Lock-free: two threads may both make one, and
/// the one that publishes second frees its own.
LIFECYCLE_DETAIL_NOINLINE inline const code_table* refresh_code(const code_table* seen) noexcept {
    if (seen != nullptr && code_generation() == seen->generation) return seen;
    code_scan s{nullptr, 0, 0, 0, true};
    walk_modules(&scan_module, &s);
    for (int attempt = 0; attempt < 4; ++attempt) { // a module loaded meanwhile: count again
        const std::size_t capacity = s.found + 8;
        auto* t = static_cast<code_table*>(std::malloc(sizeof(code_table) + capacity * sizeof(code_range)));
        if (t == nullptr) return seen;
        s = code_scan{t, capacity, 0, 0, true};
        walk_modules(&scan_module, &s);
        if (s.found > capacity) {
            std::free(t);
            continue;
        }
        t->generation = s.generation;
        t->size = s.found;
        for (std::size_t i = 1; i < t->size; ++i) // a few dozen segments: insertion sort
            for (std::size_t j = i; j > 0 && t->ranges[j].lo < t->ranges[j - 1].lo; --j) {
                const code_range r = t->ranges[j];
                t->ranges[j] = t->ranges[j - 1];
                t->ranges[j - 1] = r;
            }
        const code_table* expected = seen;
        t->replaced = seen;
        if (code_tables().compare_exchange_strong(expected, t, std::memory_order_acq_rel, std::memory_order_acquire))
            return t;
        std::free(t); // another thread published first: use its table
        return expected;
    }
    return seen;
}

/// Returns: the range that holds `a`, which `*t` does not: a module loaded
/// since `*t` was made (then `*t` is the new table), else nullptr. A value in
/// no module at all costs one lock-free _dl_find_object where glibc has it
/// (2.35); any other miss asks dl_iterate_phdr whether the modules changed.
/// A walk misses at most once (its last record), or once per new module.
LIFECYCLE_DETAIL_NOINLINE inline const code_range* code_after_miss(std::uintptr_t a, const code_table*& t) noexcept {
#    if defined(DLFO_STRUCT_HAS_EH_DBASE)
    dl_find_object found;
    if (t != nullptr && ::_dl_find_object(reinterpret_cast<void*>(a), &found) != 0) return nullptr;
#    endif
    const code_table* fresh = refresh_code(t);
    if (fresh == t) return nullptr;
    t = fresh;
    return find_code(t, a);
}

/// The last value a walk on this thread found not to be code, and the table
/// it was checked against. A stack seen before ends on the same record (the
/// same garbage left by the same frame without a frame pointer): it then
/// costs no lookup outside the table.
struct not_code_memo {
    std::uintptr_t value = 0;
    const code_table* table = nullptr;
};

inline thread_local not_code_memo tls_not_code{};

// ---- the walk -------------------------------------------------------------------

/// Returns: a return address as code holds it (aarch64: without its pointer
/// authentication code, which hint #7, xpaclri, strips; a no-op elsewhere).
inline std::uintptr_t plain_address(std::uintptr_t ra) noexcept {
#    if defined(__aarch64__)
    register std::uintptr_t x30 __asm__("x30") = ra;
    __asm__("hint #7" : "+r"(x30));
    return x30;
#    else
    return ra;
#    endif
}

/// Writes to `out` the return addresses of up to `max` frame records,
/// starting with the one at `fp`, reading nothing outside [low, high).
/// Returns: how many; `broken`: the walk ended on a record that is not a
/// frame's (outside the range, misaligned, not above the one before, or a
/// return address outside the modules' code) before `max` and before a null
/// frame pointer.
LIFECYCLE_DETAIL_NO_SANITIZE_ADDRESS inline std::size_t follow_frame_records(const void** out, std::size_t max,
                                                                             std::uintptr_t fp, std::uintptr_t low,
                                                                             std::uintptr_t high, bool& broken) noexcept {
    constexpr std::uintptr_t record_size = 2 * sizeof(std::uintptr_t);
    broken = false;
    if (high < record_size) high = record_size;
    const code_table* table = code_tables().load(std::memory_order_acquire);
    std::uintptr_t hit_lo = 1, hit_hi = 0; // the last range found: most frames are in one module
    std::size_t n = 0;
    while (n < max) {
        if (fp < low || fp > high - record_size || fp % sizeof(std::uintptr_t) != 0) {
            broken = true;
            break;
        }
        const auto* record = reinterpret_cast<const std::uintptr_t*>(fp);
        const std::uintptr_t next = record[0];
        const std::uintptr_t ra = plain_address(record[1]);
        if (ra < hit_lo || ra >= hit_hi) {
            const code_range* r = find_code(table, ra);
            if (r == nullptr) {
                not_code_memo& memo = tls_not_code;
                if (ra != memo.value || table != memo.table || table == nullptr) r = code_after_miss(ra, table);
                if (r == nullptr) {
                    memo = not_code_memo{ra, table};
                    broken = true;
                    break;
                }
            }
            hit_lo = r->lo;
            hit_hi = r->hi;
        }
        out[n++] = reinterpret_cast<const void*>(ra);
        if (next == 0) break; // the outermost frame (_start and clone clear the register)
        if (next <= fp) {
            broken = true;
            break;
        }
        fp = next;
    }
    return n;
}

inline constexpr std::size_t no_walk = static_cast<std::size_t>(-1);

/// Writes up to `max` return addresses of the calling thread, the first one
/// into this function's caller (the creator: collect_frames is inlined into
/// it). Returns: how many, `broken` as follow_frame_records; `no_walk` when
/// the calling thread's stack is not known (use the precise unwinder).
/// Out of line: its own frame record is where the walk starts, whatever
/// the creator's flags (__builtin_frame_address makes it keep one).
LIFECYCLE_DETAIL_NOINLINE LIFECYCLE_DETAIL_NO_SANITIZE_ADDRESS inline std::size_t walk_frame_pointers(
    const void** out, std::size_t max, bool& broken) noexcept {
    const auto fp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    stack_bounds& b = tls_stack_bounds;
    if (LIFECYCLE_DETAIL_UNLIKELY(!b.read)) read_stack_bounds(b, fp);
    std::uintptr_t low = b.low, high = b.high;
    if (LIFECYCLE_DETAIL_UNLIKELY(fp < low || fp >= high) && !on_alternate_stack(fp, low, high)) return no_walk;
    return follow_frame_records(out, max, fp, low, high, broken);
}

#endif // LIFECYCLE_DETAIL_FAST_UNWIND

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_FRAME_WALK_HPP
