// SPDX-License-Identifier: BSL-1.0
// lifecycle/detail/module_note.hpp — private, included by config.hpp. How the
// modules of one process (the program, shared objects linked or dlopen'ed)
// find each other's lifecycle without symbols: every module built with
// lifecycle carries an ELF note, which the dynamic loader maps with it and
// dl_iterate_phdr lists (detail/modules.hpp reads them).
//
//   type 1 "tracking":  a module with files built with LIFECYCLE_TRACKING=1;
//                       the note holds the offset from itself to the module's
//                       registry root (below), so another module finds that
//                       module's registry whatever its symbol visibility,
//                       RTLD_LOCAL, or a program linked without -rdynamic.
//   type 2 "untracked": a module with files built with LIFECYCLE_TRACKING=0.
//
// A module with both notes mixes the modes; so does a process whose modules
// carry different notes. One note of each type per module (COMDAT groups),
// whatever the number of its files. A top-level asm statement: it emits
// data, no code, and no static initializer.
#ifndef LIFECYCLE_DETAIL_MODULE_NOTE_HPP
#define LIFECYCLE_DETAIL_MODULE_NOTE_HPP

#if defined(__ELF__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#    define LIFECYCLE_DETAIL_MODULE_NOTES 1
#else
#    define LIFECYCLE_DETAIL_MODULE_NOTES 0
#endif

#define LIFECYCLE_DETAIL_NOTE_TRACKING 1
#define LIFECYCLE_DETAIL_NOTE_UNTRACKED 2
// The shared objects' layout: an object found in another module is used only
// if it was built with the same one (bump it when the registry or the owner
// index changes shape).
#define LIFECYCLE_DETAIL_REGISTRY_LAYOUT 3
#define LIFECYCLE_DETAIL_ROOT_MAGIC 0x6c6966656379636cULL // "lifecycl"

extern "C" {
/// Each module's root: the process-wide objects its files use (each set
/// once, never changed; indexed by lifecycle::detail::shared_object).
struct lifecycle_v0_registry_root {
    unsigned long long magic;
    unsigned layout;
    unsigned reserved;
    void* objects[4];
};
}

#if LIFECYCLE_DETAIL_MODULE_NOTES && LIFECYCLE_TRACKING
extern "C" {
__attribute__((visibility("hidden"), used)) inline lifecycle_v0_registry_root lifecycle_v0_registry_root_of_module = {
    LIFECYCLE_DETAIL_ROOT_MAGIC, LIFECYCLE_DETAIL_REGISTRY_LAYOUT, 0, {nullptr, nullptr, nullptr, nullptr}};
}
__asm__(".pushsection .note.lifecycle.tracking,\"aG\",@note,lifecycle_v0_tracking_note,comdat\n"
        ".balign 4\n"
        ".long 10\n" // name size: "lifecycle" and its NUL
        ".long 8\n"  // descriptor size
        ".long " LIFECYCLE_DETAIL_STRINGIZE(LIFECYCLE_DETAIL_NOTE_TRACKING) "\n"
        ".asciz \"lifecycle\"\n"
        ".balign 4\n"
        "1: .quad lifecycle_v0_registry_root_of_module - 1b\n"
        ".popsection\n");
#elif LIFECYCLE_DETAIL_MODULE_NOTES
__asm__(".pushsection .note.lifecycle.untracked,\"aG\",@note,lifecycle_v0_untracked_note,comdat\n"
        ".balign 4\n"
        ".long 10\n"
        ".long 4\n"
        ".long " LIFECYCLE_DETAIL_STRINGIZE(LIFECYCLE_DETAIL_NOTE_UNTRACKED) "\n"
        ".asciz \"lifecycle\"\n"
        ".balign 4\n"
        ".long 0\n"
        ".popsection\n");
#endif

#endif // LIFECYCLE_DETAIL_MODULE_NOTE_HPP
