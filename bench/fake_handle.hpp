// SPDX-License-Identifier: BSL-1.0
// bench/fake_handle.hpp — a handle that costs nothing to open or close, so a
// benchmark measures lifecycle's bookkeeping rather than syscalls.
//
// The handle is an opaque pointer value. `fake_open()` launders a constant
// through an empty asm statement, so the compiler cannot know the value (it
// cannot fold the validity check) and `fake_close()` passes the value to an
// empty volatile asm statement, so the close cannot be removed. Neither emits
// an instruction of its own.
//
// Shared by bench_lifecycle.cpp (LIFECYCLE_TRACKING=1) and
// bench_untracked.cpp (LIFECYCLE_TRACKING=0). It deliberately includes no
// lifecycle header: the two translation units must not share lifecycle types,
// which live in different inline namespaces. `fake_traits` is a plain struct,
// identical in both, so tracked<fake_traits> is a distinct type in each.
#ifndef LIFECYCLE_BENCH_FAKE_HANDLE_HPP
#define LIFECYCLE_BENCH_FAKE_HANDLE_HPP

#include <cstdint>
#include <string_view>

namespace bench {

struct fake_object; // never defined: the handle is never dereferenced

/// Returns: a non-null handle the optimizer cannot see through.
inline fake_object* fake_open(std::uintptr_t value = 0x1000) noexcept {
    asm volatile("" : "+r"(value));
    return reinterpret_cast<fake_object*>(value);
}

/// Effects: none, but the call cannot be optimized away.
inline void fake_close(fake_object* h) noexcept { asm volatile("" : : "r"(h)); }

/// lifecycle handle traits for the fake handle (nullptr is empty).
struct fake_traits {
    using handle_type = fake_object*;
    static constexpr std::string_view kind_name() noexcept { return "fake"; }
    static constexpr handle_type invalid() noexcept { return nullptr; }
    static void close(handle_type h) noexcept { fake_close(h); }
};

/// std::unique_ptr deleter over the same fake handle.
struct fake_deleter {
    void operator()(fake_object* h) const noexcept { fake_close(h); }
};

} // namespace bench

#endif // LIFECYCLE_BENCH_FAKE_HANDLE_HPP
