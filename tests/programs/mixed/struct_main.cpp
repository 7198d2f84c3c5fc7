// SPDX-License-Identifier: BSL-1.0
// Mixed tracking modes inside one program, where no lifecycle type is in a
// function's signature (so the ABI namespaces cannot refuse the link): a
// struct holding a tracked_fd, made by a file built with tracking off. The
// first scope check says that the program mixes modes.
#include "programs/mixed/struct_conn.hpp"

#include <cstdio>

int main() {
    lifecycle::leak_scope scope{"mixed", lifecycle::leak_policy::ignore};
    conn* c = make_conn(); // its layout is the untracked one: not read here
    (void)scope.check();
    std::fprintf(stderr, "done\n");
    return c != nullptr ? 0 : 1;
}
