// SPDX-License-Identifier: BSL-1.0
// lifecycle/tracked.hpp — the entry point: everything an application needs.
//
//   #include <lifecycle/tracked.hpp>
//
//   void load_config() {
//       lifecycle::tracked_fd fd{::open("/etc/hostname", O_RDONLY), "config"};
//       // ... fd closes itself at scope end
//   }
//
//   int main() {
//       lifecycle::leak_scope scope{"startup"};
//       load_config();
//   }   // prints a report if anything created inside is still open
//
// Includes: traits and tracked handles, the close guard, the closer, leak
// scopes, reports and the standard scope guards (unique_resource,
// scope_exit, ...). Test-framework integration (lifecycle/doctest.hpp) is
// never included from here.
#ifndef LIFECYCLE_TRACKED_HPP
#define LIFECYCLE_TRACKED_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_error.hpp>
#include <lifecycle/close_failure.hpp>
#include <lifecycle/errors.hpp>
#include <lifecycle/levels.hpp>
#include <lifecycle/close_guard.hpp>
#include <lifecycle/closer.hpp>
#include <lifecycle/handle.hpp>
#include <lifecycle/leak_scope.hpp>
#include <lifecycle/registry.hpp>
#include <lifecycle/report.hpp>
#include <lifecycle/scope.hpp>
#include <lifecycle/source_site.hpp>
#include <lifecycle/traits.hpp>

#endif // LIFECYCLE_TRACKED_HPP
