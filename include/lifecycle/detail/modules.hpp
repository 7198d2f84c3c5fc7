// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/modules.hpp — private. Which loaded module (the program
// or a shared object) holds an address: what the registry needs when a
// module is unloaded while records still point at its text (site file and
// function names, stack frames).
#ifndef LIFECYCLE_DETAIL_MODULES_HPP
#define LIFECYCLE_DETAIL_MODULES_HPP

#include <lifecycle/config.hpp>

#include <cstdint>

#include <link.h>

LIFECYCLE_BEGIN_NAMESPACE
namespace detail {

/// The loaded segments of one module.
struct module_span {
    static constexpr int max_segments = 16;
    std::uintptr_t lo[max_segments] = {};
    std::uintptr_t hi[max_segments] = {};
    int segments = 0;
    bool main_program = false;
    const char* name = ""; // as the dynamic loader has it (valid while the module is loaded)

    bool contains(const void* p) const noexcept {
        const auto a = reinterpret_cast<std::uintptr_t>(p);
        for (int i = 0; i < segments; ++i)
            if (a >= lo[i] && a < hi[i]) return true;
        return false;
    }
};

/// Effects: fills `out` with the module that holds `address`.
/// Returns: false if no loaded module holds it.
inline bool module_of(const void* address, module_span& out) noexcept {
    struct search {
        std::uintptr_t address;
        module_span* out;
        bool first = true;
        bool found = false;
    } s{reinterpret_cast<std::uintptr_t>(address), &out};
    ::dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) -> int {
            auto& s = *static_cast<search*>(data);
            const bool main_program = s.first;
            s.first = false;
            module_span m;
            m.main_program = main_program;
            m.name = info->dlpi_name ? info->dlpi_name : "";
            for (int i = 0; i < info->dlpi_phnum && m.segments < module_span::max_segments; ++i) {
                const ElfW(Phdr)& ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_LOAD) continue;
                m.lo[m.segments] = info->dlpi_addr + ph.p_vaddr;
                m.hi[m.segments] = info->dlpi_addr + ph.p_vaddr + ph.p_memsz;
                ++m.segments;
            }
            if (!m.contains(reinterpret_cast<const void*>(s.address))) return 0;
            *s.out = m;
            s.found = true;
            return 1;
        },
        &s);
    return s.found;
}

} // namespace detail
LIFECYCLE_END_NAMESPACE

#endif // LIFECYCLE_DETAIL_MODULES_HPP
