// SPDX-License-Identifier: BSL-1.0
// examples/aliased_close.cpp — the aliased-close story, with real files.
//
// A model owns three datasets. With disaggregation off, two of its members
// point to the same dataset. The usual cleanup closes member after member
// inside one try with a catch-all: the second close of the shared dataset
// fails, the catch-all swallows the error, and the third dataset is never
// closed (in the original story, 10 GB held per test). This program runs
// that cleanup, shows the descriptor it leaves in /proc/self/fd, then does
// the same cleanup with lifecycle::closer: each file closed exactly once, an
// injected close failure reported with the dataset's name and the line that
// added it, and no descriptor left open.
#include <lifecycle/close_guard.hpp>
#include <lifecycle/closer.hpp>
#include <lifecycle/tracked.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace weather {

// A file-backed dataset with an explicit close(), like xarray's: closing it
// twice is an error. Its destructor only closes the descriptor as a safety
// net; the close_guard member still reports that close() was never called.
class dataset {
public:
    dataset(const std::string& path, std::string name, lifecycle::source_site site)
        : name_(std::move(name)), file_(base_name(path)), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)),
          guard_{"dataset", name_, site} {
        if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + path);
    }
    dataset(const dataset&) = delete;
    dataset& operator=(const dataset&) = delete;
    ~dataset() {
        if (fd_ >= 0) ::close(fd_);
    }

    void close() {
        ++close_calls[file_];
        if (fd_ < 0) throw std::runtime_error("dataset '" + name_ + "' is already closed");
        const int fd = std::exchange(fd_, -1);
        std::error_code ec;
        if (::close(fd) != 0) ec = std::error_code(errno, std::generic_category());
        if (!ec && std::exchange(fail_next_close_, false)) ec = std::make_error_code(std::errc::io_error);
        guard_.close(ec);
        if (ec) throw std::system_error(ec, "closing dataset '" + name_ + "'");
    }
    bool is_open() const noexcept { return fd_ >= 0; }

    // The descriptor is released, but close() reports an error, as close(2)
    // does when a deferred write fails on NFS or a full disk.
    void inject_close_failure() { fail_next_close_ = true; }

    static inline std::map<std::string, int> close_calls; // close() calls per file

private:
    static std::string base_name(const std::string& p) { return p.substr(p.find_last_of('/') + 1); }

    std::string name_;
    std::string file_;
    int fd_;
    bool fail_next_close_ = false;
    lifecycle::close_guard guard_;
};

// Passes its caller's site on, so reports name simulate(), not this factory.
// (`new`, not make_shared: creation stacks then read dataset, open_dataset,
// simulate, main, without seven frames of the standard library in between.)
std::shared_ptr<dataset> open_dataset(const std::string& dir, const std::string& name,
                                      lifecycle::source_site site = lifecycle::source_site::current()) {
    return std::shared_ptr<dataset>(new dataset(dir + "/" + name + ".nc", name, site));
}

struct ensemble_model {
    std::shared_ptr<dataset> ensemble, ensemble_daily, ensemble_trans;

    void simulate(const std::string& dir, bool disaggregate) {
        ensemble = open_dataset(dir, "ensemble");
        ensemble_trans = open_dataset(dir, "ensemble_trans");
        ensemble_daily = disaggregate ? open_dataset(dir, "ensemble_daily") : ensemble; // the alias
    }
};

} // namespace weather

namespace {

using weather::dataset;
using weather::ensemble_model;

// The cleanup from the story.
void naive_cleanup(ensemble_model& m) {
    try {
        if (m.ensemble) m.ensemble->close();
        if (m.ensemble_daily) m.ensemble_daily->close();
        if (m.ensemble_trans) m.ensemble_trans->close();
    } catch (...) {
        // silently ignore cleanup errors
    }
}

// The files under `dir` that this process has open, by name, from /proc/self/fd.
std::vector<std::string> open_files_in(const std::string& dir) {
    std::vector<std::string> out;
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return out;
    while (const dirent* e = ::readdir(d)) {
        char target[PATH_MAX];
        const std::string link = std::string("/proc/self/fd/") + e->d_name;
        const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
        if (n <= 0) continue;
        const std::string path(target, static_cast<std::size_t>(n));
        if (path.rfind(dir + "/", 0) == 0) out.push_back(path.substr(dir.size() + 1));
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

void print_close_calls(const char* who) {
    std::printf("%s: close() calls: ensemble.nc %d, ensemble_trans.nc %d\n", who, dataset::close_calls["ensemble.nc"],
                dataset::close_calls["ensemble_trans.nc"]);
    dataset::close_calls.clear();
}

std::string make_data_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/lifecycle-aliased-XXXXXX";
    if (!::mkdtemp(templ.data())) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    char real[PATH_MAX];
    if (!::realpath(templ.c_str(), real)) throw std::system_error(errno, std::generic_category(), "realpath");
    const std::string dir = real;
    for (const char* name : {"ensemble", "ensemble_trans", "ensemble_daily"}) {
        const std::string path = dir + "/" + name + ".nc";
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || ::write(fd, "CDF\x01", 4) != 4 || ::close(fd) != 0)
            throw std::system_error(errno, std::generic_category(), "create " + path);
    }
    return dir;
}

void remove_data_dir(const std::string& dir) {
    for (const char* name : {"ensemble", "ensemble_trans", "ensemble_daily"}) ::unlink((dir + "/" + name + ".nc").c_str());
    ::rmdir(dir.c_str());
}

} // namespace

int main() {
    const std::string dir = make_data_dir();
    int status = 0;

    std::printf("== 1. the naive cleanup: each member closed in one try, catch (...) {} ==\n");
    {
        lifecycle::leak_scope scope{"naive cleanup", lifecycle::leak_policy::ignore};
        ensemble_model model;
        model.simulate(dir, /*disaggregate=*/false);
        std::printf("ensemble_daily is ensemble: %s\n", model.ensemble_daily == model.ensemble ? "yes" : "no");
        naive_cleanup(model);
        std::printf("naive cleanup: returned without an error\n");
        print_close_calls("naive cleanup");
        for (const std::string& f : open_files_in(dir)) std::printf("naive cleanup: still open in /proc/self/fd: %s\n", f.c_str());
#if LIFECYCLE_TRACKING
        std::printf("what the leak scope sees:\n%s", scope.check().to_text().c_str());
        std::printf("destroying the model; the close guard reports the dataset nobody closed (stderr)\n");
#else
        std::printf("(tracking is off: leak scopes and close guards report nothing)\n");
#endif
        std::fflush(stdout);
    }

    std::printf("\n== 2. the same cleanup with lifecycle::closer ==\n");
    {
        lifecycle::leak_scope scope{"closer cleanup", lifecycle::leak_policy::ignore};
        ensemble_model model;
        model.simulate(dir, /*disaggregate=*/false);
        model.ensemble_trans->inject_close_failure();
        lifecycle::closer closer;
        closer.add(model.ensemble, "ensemble");
        closer.add(model.ensemble_daily, "ensemble_daily");
        closer.add(model.ensemble_trans, "ensemble_trans");
        try {
            (void)closer.close_all_or_throw();
            std::printf("closer: no failure (unexpected: one was injected)\n");
            status = 1;
        } catch (const lifecycle::close_error& e) {
            std::printf("closer: close_error: %s\n", e.what());
            for (const lifecycle::close_entry& f : e.failures())
                std::printf("closer: failed: '%s' threw: %s\n", f.name.c_str(), f.what.c_str());
            for (const lifecycle::close_entry& a : e.result().aliases())
                std::printf("closer: alias '%s' skipped: the same dataset as %s\n", a.name.c_str(), a.alias_of.c_str());
            std::printf("%s", e.result().to_text().c_str());
        }
        print_close_calls("closer");
        const auto left = open_files_in(dir);
        for (const std::string& f : left) std::printf("closer: still open in /proc/self/fd: %s\n", f.c_str());
        if (left.empty()) std::printf("closer: no dataset file left open\n");
        else status = 1;
#if LIFECYCLE_TRACKING
        const lifecycle::leak_report r = scope.check();
        std::printf("closer: the leak scope sees %zu open dataset%s\n", r.count(), r.count() == 1 ? "" : "s");
        if (!r.empty()) status = 1;
#endif
    }

    remove_data_dir(dir);
    return status;
}
