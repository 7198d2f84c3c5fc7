// SPDX-License-Identifier: BSL-1.0
// A model-based libFuzzer target for lifecycle's owners, closer, scopes and
// counters (clang -fsanitize=fuzzer,address,undefined; see CMakeLists.txt).
//
// The input is a sequence of operations on fake resources: integers handed
// out by a fake "OS" (lowest free number first, so numbers are reused as fds
// are), in three spaces: kinds fuzz.a and fuzz.b share one identity domain
// (as fds and sockets do), fuzz.c has its own, and fuzz.obj numbers belong to
// a closable object type. Each resource is told at creation whether its close
// succeeds, returns an error, throws a std::exception or throws something
// else. The operations: create, second owner, move, swap, reset, reset(h),
// release, adopt, close, get, keep_alive and destroy of tracked handles;
// closer add of every entry kind (a tracked handle by value and by reference,
// an object by reference, by value, by unique_ptr and by shared_ptr, a
// callable with and without an identity) including aliases; close_all,
// close_all_or_throw and closer destruction; nested leak scopes (plain,
// with an allow rule by kind or label, with a per-kind limit) with check,
// render and their destructors' handler; pause_tracking; the capture tier.
//
// Every operation is also applied to a plain reference model (no lifecycle
// in it), and after every step the harness checks: each resource is closed at
// most once, and exactly the resources the model closed are closed; each
// wrapper's get(), bool and label() (its live record); stats() (live,
// created, closed, released, failures per kind); the ownership problems
// reported, by issue (second owner, closed while owned, already closed, use
// after close); each scope's report count, keep_alive count and exceeded
// limits; every close failure: the error explicit close()
// returns or throws, each close_all() entry's outcome and error,
// close_all_or_throw's close_error, and what reaches the close-error handler.
// At the end every resource must have been closed exactly once.
//
// A failure prints "lifecycle fuzz: <WHAT>: <detail>" and the operations of
// the input, then aborts. WHAT is DOUBLE CLOSE for a second close of a
// resource (or a close of a number the model says is owned by someone else).
//
// LIFECYCLE_FUZZ_SKIP=<token,...> keeps the generator away from known
// library problems (see tests/fuzz/README.md): stale-reuse (a number is
// never reused while a wrapper whose handle was closed through another
// wrapper still holds it), owned-alias (no two owning objects over one
// resource in one closer), ref-alias (no tracked handle added by reference
// beside a callable with its identity), obj-reuse (an object number is
// never reused while a closer entry holds an object that had it).
#include <lifecycle/tracked.hpp>

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace fz {

// ---- failing loudly --------------------------------------------------------

std::vector<std::string>& oplog() {
    static std::vector<std::string> log;
    return log;
}

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fflush(stdout);
    std::fprintf(stderr, "lifecycle fuzz: %s: %s\n", what, detail.c_str());
    std::fprintf(stderr, "lifecycle fuzz: operations of this input (%zu):\n", oplog().size());
    for (std::size_t i = 0; i < oplog().size(); ++i) std::fprintf(stderr, "  %3zu %s\n", i, oplog()[i].c_str());
    std::fflush(stderr);
    std::abort();
}

__attribute__((format(printf, 1, 2))) std::string fmt(const char* f, ...) {
    char buf[512];
    va_list args;
    va_start(args, f);
    std::vsnprintf(buf, sizeof buf, f, args);
    va_end(args);
    return buf;
}

#define FZ_EXPECT(cond, ...)                                                          \
    do {                                                                              \
        if (!(cond)) ::fz::fail("MISMATCH", #cond + std::string(": ") + ::fz::fmt(__VA_ARGS__)); \
    } while (false)

struct skips {
    bool stale_reuse = false;
    bool owned_alias = false;
    bool ref_alias = false;
    bool obj_reuse = false;
};
skips& skip() {
    static skips s;
    return s;
}
bool& trace() { // LIFECYCLE_FUZZ_TRACE=1: print each input's operations
    static bool on = false;
    return on;
}

// ---- the fake OS -----------------------------------------------------------

enum space : int { sp_ab, sp_c, sp_obj, space_count };
constexpr const char* space_name[space_count] = {"ab", "c", "obj"};

enum class mode : std::uint8_t { ok, fails, throws_std, throws_other };

struct injected_error : std::runtime_error {
    injected_error() : std::runtime_error("injected close failure") {}
};
struct injected_other {}; // not a std::exception

struct resource {
    int sp = 0;
    int number = -1;
    mode m = mode::ok;
    int actual = 0;          // closes seen by the fake OS
    bool model_closed = false;
};

struct world_t {
    std::vector<resource> res;
    std::map<int, int> open[space_count]; // number -> resource id
    std::vector<int> reserved[space_count]; // numbers held by stale wrappers (stale-reuse skip)

    void clear() {
        res.clear();
        for (auto& o : open) o.clear();
    }
    int allocate(int sp, mode m, const std::vector<int>& avoid) {
        int n = 3;
        while (open[sp].count(n) || std::find(avoid.begin(), avoid.end(), n) != avoid.end()) ++n;
        res.push_back(resource{sp, n, m, 0, false});
        const int id = static_cast<int>(res.size()) - 1;
        open[sp][n] = id;
        return id;
    }
    // The close function of every fake resource.
    std::error_code close(int sp, int n) {
        auto it = open[sp].find(n);
        if (it == open[sp].end())
            fail("DOUBLE CLOSE", fmt("%s %d is closed again (nothing is open with that number)", space_name[sp], n));
        resource& r = res[static_cast<std::size_t>(it->second)];
        ++r.actual;
        open[sp].erase(it);
        switch (r.m) {
        case mode::ok: return {};
        case mode::fails: return std::make_error_code(std::errc::io_error);
        case mode::throws_std: throw injected_error();
        case mode::throws_other: throw injected_other{};
        }
        return {};
    }
};
world_t world;

// ---- the handle kinds and the closable object -------------------------------

// What the three kinds share: an integer handle of a fake space, closed by the fake OS.
template <int Space>
struct fake_traits {
    using handle_type = int;
    static constexpr int invalid() noexcept { return -1; }
    static constexpr bool is_valid(int n) noexcept { return n >= 0; }
    static std::error_code close(int n) { return world.close(Space, n); }
};
struct traits_a : fake_traits<sp_ab> {
    static constexpr std::string_view kind_name() noexcept { return "fuzz.a"; }
    static constexpr std::string_view identity_domain() noexcept { return "fuzz.ab"; }
};
struct traits_b : traits_a {
    static constexpr std::string_view kind_name() noexcept { return "fuzz.b"; }
};
struct traits_c : fake_traits<sp_c> {
    static constexpr std::string_view kind_name() noexcept { return "fuzz.c"; }
    static constexpr std::string_view identity_domain() noexcept { return "fuzz.c"; }
};
using ta = lifecycle::tracked<traits_a>;
using tb = lifecycle::tracked<traits_b>;
using tc = lifecycle::tracked<traits_c>;

constexpr int kind_count = 3;
constexpr std::string_view kind_names[kind_count] = {"fuzz.a", "fuzz.b", "fuzz.c"};
constexpr std::string_view domain_of_kind[kind_count] = {"fuzz.ab", "fuzz.ab", "fuzz.c"};
constexpr int space_of_kind[kind_count] = {sp_ab, sp_ab, sp_c};

// An RAII object over an obj-space number: its destructor closes it if open.
struct fake_obj {
    int number = -1;
    bool open = false;
    fake_obj() = default;
    explicit fake_obj(int n) : number(n), open(true) {}
    fake_obj(fake_obj&& o) noexcept : number(o.number), open(std::exchange(o.open, false)) {}
    fake_obj& operator=(fake_obj&& o) noexcept {
        if (this != &o) {
            destroy();
            number = o.number;
            open = std::exchange(o.open, false);
        }
        return *this;
    }
    ~fake_obj() { destroy(); }
    std::error_code close() {
        if (!open) return {};
        open = false;
        return world.close(sp_obj, number);
    }
    bool is_open() const noexcept { return open; }
    void destroy() noexcept {
        if (!open) return;
        open = false;
        try {
            (void)world.close(sp_obj, number);
        } catch (...) {
        }
    }
};

} // namespace fz

template <>
struct lifecycle::close_traits<fz::fake_obj> {
    static std::string_view kind_name() noexcept { return "fuzz.obj"; }
    static lifecycle::identity identity_of(const fz::fake_obj& o) noexcept {
        return o.open ? lifecycle::identity("fuzz.obj", static_cast<std::uintptr_t>(o.number)) : lifecycle::identity{};
    }
};

namespace fz {

// ---- what reaches the handlers ---------------------------------------------

struct failure_seen {
    std::string kind;
    std::error_code error;
};
std::vector<failure_seen>& handler_failures() {
    static std::vector<failure_seen> v;
    return v;
}
// Ownership problems the handler received, by ownership_issue.
constexpr int issue_count = 4;
constexpr const char* issue_names[issue_count] = {"second_owner", "closed_while_owned", "already_closed", "use_after_close"};
std::size_t* ownership_problems() {
    static std::size_t n[issue_count] = {};
    return n;
}

const std::error_code err_io = std::make_error_code(std::errc::io_error);
const std::error_code err_threw = lifecycle::make_error_code(lifecycle::lifecycle_errc::close_threw);
const std::error_code err_elsewhere = lifecycle::make_error_code(lifecycle::lifecycle_errc::closed_elsewhere);

std::error_code error_of(mode m) {
    switch (m) {
    case mode::ok: return {};
    case mode::fails: return err_io;
    default: return err_threw;
    }
}

// ---- the reference model ---------------------------------------------------

struct mrec { // a record the registry should hold
    int kind = 0;
    int number = -1;
    bool live = true;
    bool kept = false;
    bool stale = false; // its handle was closed through another owner
    std::uint64_t seq = 0;
    std::string label;
};

struct mwrap { // a tracked handle
    int kind = 0;
    int number = -1; // -1: empty
    int res = -1;    // the resource it was given
    int rec = -1;    // its record; -1: untracked
    int tomb = 0;    // what get() reports: 0 nothing, 1 closed or released (a tombstone), 2 moved from
    bool valid() const { return number >= 0; }
};

struct mobj { // a fake_obj
    int res = -1;
    bool open = false;
    int refs = 0; // holders: a value slot, a shared slot, a closer entry
};

enum class ekind { val_t, ref_t, ref_o, val_o, shared, call };
enum class expect { closed, failed, alias, already_closed, empty, stale };

struct mentry {
    ekind k = ekind::val_t;
    std::uint64_t ordinal = 0;
    mwrap w;           // val_t
    int slot = -1;     // ref_t: tracked slot; ref_o: object slot
    int obj = -1;      // val_o, shared: model object
    int call_res = -1; // call: the resource it closes
    bool call_id = false;
    bool empty = false;
};

struct kcounts {
    std::uint64_t live = 0, created = 0, closed = 0, released = 0, failures = 0;
};

struct expected_failure {
    std::string_view kind;
    std::error_code error;
};

constexpr int tslots = 8;   // 0-2 fuzz.a, 3-5 fuzz.b, 6-7 fuzz.c
constexpr int oslots = 3;   // fake_obj values
constexpr int sslots = 3;   // shared_ptr<fake_obj>
constexpr int closers = 2;
constexpr int max_scopes = 4;
constexpr int max_pauses = 2;

int kind_of_slot(int s) { return s < 3 ? 0 : s < 6 ? 1 : 2; }

// ---- the harness: real objects and the model side by side -------------------

class harness {
public:
    harness() {
        for (int k = 0; k < kind_count; ++k) base_[k] = read_stats(k);
        for (int i = 0; i < issue_count; ++i) problems_base_[i] = ownership_problems()[i];
        for (int s = 0; s < tslots; ++s) {
            emplace_slot(s);
            m_slots_[s].kind = kind_of_slot(s);
        }
        for (int s = 0; s < oslots; ++s) m_ov_[s] = -1;
        for (int s = 0; s < sslots; ++s) m_sp_[s] = -1;
    }

    void step(FuzzedDataProvider& in);
    void teardown();
    void check(const char* op);

private:
    // ---- real objects ----
    std::optional<ta> a_[3];
    std::optional<tb> b_[3];
    std::optional<tc> c_[2];
    fake_obj ov_[oslots];
    std::shared_ptr<fake_obj> sp_[sslots];
    std::unique_ptr<lifecycle::closer> closer_[closers];
    struct real_scope {
        std::unique_ptr<std::size_t> handled; // what the destructor's handler saw (+1), 0: not called
        std::unique_ptr<lifecycle::leak_scope> scope;
    };
    std::vector<real_scope> scopes_;
    std::vector<std::unique_ptr<lifecycle::pause_tracking>> pauses_;

    // ---- model ----
    std::vector<mrec> recs_;
    mwrap m_slots_[tslots];
    std::vector<mobj> objs_;
    int m_ov_[oslots];
    int m_sp_[sslots];
    std::vector<mentry> m_closer_[closers];
    std::uint64_t ordinal_[closers] = {0, 0};
    struct mscope {
        std::uint64_t start = 0; // the first record's seq it sees
        int options = 0;         // 4: allow kind fuzz.b; 5: allow label w?; 6: limit fuzz.c; 7: limit *
        std::size_t max = 0;     // the limit's max_count
    };
    std::vector<mscope> m_scopes_;
    std::vector<int> pool_;               // released handles the user holds: resource ids
    std::uint64_t seq_ = 0;
    kcounts counts_[kind_count];
    lifecycle::kind_stats base_[kind_count];
    std::vector<expected_failure> expected_;
    std::size_t problems_want_[issue_count] = {}; // ownership problems the model expects, by issue
    std::size_t problems_base_[issue_count] = {};
    std::size_t handler_seen_ = 0;
    int label_counter_ = 0;

    // ---- helpers ----
    static lifecycle::kind_stats read_stats(int k) {
        for (auto& s : lifecycle::stats())
            if (s.kind == kind_names[k]) return s;
        return {};
    }
    void emplace_slot(int s) {
        if (s < 3) a_[s].emplace();
        else if (s < 6) b_[s - 3].emplace();
        else c_[s - 6].emplace();
    }
    template <class F>
    void with(int s, F&& f) {
        if (s < 3) f(*a_[s]);
        else if (s < 6) f(*b_[s - 3]);
        else f(*c_[s - 6]);
    }
    void destroy_real_slot(int s) {
        if (s < 3) a_[s].reset();
        else if (s < 6) b_[s - 3].reset();
        else c_[s - 6].reset();
    }

    bool paused() const { return !pauses_.empty(); }
    std::string new_label() { return "w" + std::to_string(label_counter_++); }

    std::vector<int> stale_numbers(int sp) const {
        std::vector<int> v;
        if (sp == sp_obj && skip().obj_reuse) {
            for (const auto& c : m_closer_)
                for (const mentry& e : c) {
                    const int o = e.k == ekind::ref_o ? m_ov_[e.slot] : e.obj;
                    if (o >= 0) v.push_back(R(objs_[static_cast<std::size_t>(o)].res).number);
                }
            return v;
        }
        if (!skip().stale_reuse) return v;
        auto add = [&](const mwrap& w) {
            if (w.valid() && space_of_kind[w.kind] == sp && world.res[static_cast<std::size_t>(w.res)].model_closed)
                v.push_back(w.number);
        };
        for (const mwrap& w : m_slots_) add(w);
        for (const auto& c : m_closer_)
            for (const mentry& e : c)
                if (e.k == ekind::val_t) add(e.w);
        return v;
    }
    int allocate(int sp, mode m) { return world.allocate(sp, m, stale_numbers(sp)); }
    resource& R(int id) { return world.res[static_cast<std::size_t>(id)]; }
    const resource& R(int id) const { return world.res[static_cast<std::size_t>(id)]; }

    static mode mode_of(FuzzedDataProvider& in) {
        const std::uint8_t b = in.ConsumeIntegral<std::uint8_t>();
        if (b < 160) return mode::ok;
        if (b < 210) return mode::fails;
        if (b < 240) return mode::throws_std;
        return mode::throws_other;
    }

    // Holders of resource `r` that may close it or hand it on.
    int holders(int r, bool* untracked_owner = nullptr) const {
        int n = 0;
        auto wrap = [&](const mwrap& w) {
            if (w.valid() && w.res == r) {
                ++n;
                if (w.rec < 0 && untracked_owner) *untracked_owner = true;
            }
        };
        for (const mwrap& w : m_slots_) wrap(w);
        for (const auto& c : m_closer_)
            for (const mentry& e : c) {
                if (e.k == ekind::val_t) wrap(e.w);
                if (e.k == ekind::call && e.call_res == r) ++n;
            }
        for (int p : pool_)
            if (p == r) ++n;
        return n;
    }
    bool referenced(int slot) const {
        for (const auto& c : m_closer_)
            for (const mentry& e : c)
                if (e.k == ekind::ref_t && e.slot == slot) return true;
        return false;
    }
    bool obj_referenced(int slot) const {
        for (const auto& c : m_closer_)
            for (const mentry& e : c)
                if (e.k == ekind::ref_o && e.slot == slot) return true;
        return false;
    }

    // ---- model transitions ----
    // A live record other than `except` claiming (domain of `kind`, number), not stale.
    bool live_owner(int kind, int number, int except) const {
        for (std::size_t i = 0; i < recs_.size(); ++i) {
            const mrec& o = recs_[i];
            if (static_cast<int>(i) != except && o.live && !o.stale && o.number == number &&
                domain_of_kind[o.kind] == domain_of_kind[kind])
                return true;
        }
        return false;
    }
    mwrap enroll(int kind, int res, const std::string& label) {
        mwrap w;
        w.kind = kind;
        w.res = res;
        w.number = R(res).number;
        if (!paused()) {
            if (live_owner(kind, w.number, -1)) ++problems_want_[0]; // second_owner
            mrec r;
            r.kind = kind;
            r.number = w.number;
            r.seq = seq_++;
            r.label = label;
            recs_.push_back(r);
            w.rec = static_cast<int>(recs_.size()) - 1;
            ++counts_[kind].created;
            ++counts_[kind].live;
        }
        return w;
    }
    void retire(int rec, bool released, bool failed) {
        mrec& r = recs_[static_cast<std::size_t>(rec)];
        FZ_EXPECT(r.live, "record %d retired twice", rec);
        r.live = false;
        --counts_[r.kind].live;
        if (released) ++counts_[r.kind].released;
        else ++counts_[r.kind].closed;
        if (failed) ++counts_[r.kind].failures;
    }
    void model_close_resource(int res, const char* by) {
        resource& r = R(res);
        if (r.model_closed)
            fail("MODEL", fmt("the model closes %s %d twice (%s): the generator made an unsupported case", space_name[r.sp],
                              r.number, by));
        r.model_closed = true;
        for (auto it = pool_.begin(); it != pool_.end();)
            it = *it == res ? pool_.erase(it) : it + 1; // a raw copy of a closed handle is dead
    }
    enum class closed_how { none, ok, failed, threw, elsewhere };
    // A wrapper closes (explicitly, or `quiet`: destructor, reset, move-assign).
    closed_how model_close(mwrap& w, bool quiet) {
        if (!w.valid()) return closed_how::none;
        const mwrap old = w;
        w.number = -1;
        w.res = -1;
        w.rec = -1;
        if (old.rec >= 0 && recs_[static_cast<std::size_t>(old.rec)].stale) {
            ++problems_want_[2]; // already_closed
            retire(old.rec, false, false);
            return closed_how::elsewhere;
        }
        if (old.rec >= 0) {
            if (live_owner(old.kind, old.number, old.rec)) ++problems_want_[1]; // closed_while_owned
            for (std::size_t i = 0; i < recs_.size(); ++i) {
                mrec& o = recs_[i];
                if (static_cast<int>(i) == old.rec || !o.live || o.stale || o.number != old.number ||
                    domain_of_kind[o.kind] != domain_of_kind[old.kind])
                    continue;
                o.stale = true;
            }
        }
        model_close_resource(old.res, "a wrapper");
        const mode m = R(old.res).m;
        const bool failed = m != mode::ok;
        if (old.rec >= 0) retire(old.rec, false, failed);
        else if (failed) ++counts_[old.kind].failures;
        if (failed && quiet) expected_.push_back({kind_names[old.kind], error_of(m)});
        if (m == mode::ok) return closed_how::ok;
        return m == mode::fails ? closed_how::failed : closed_how::threw;
    }
    // tracked::close(): the wrapper keeps a tombstone unless the close threw.
    closed_how close_explicit(mwrap& w) {
        const bool valid = w.valid(), enrolled = w.rec >= 0;
        const closed_how how = model_close(w, false);
        if (valid) w.tomb = enrolled && how != closed_how::threw ? 1 : 0;
        return how;
    }
    // A move out of `from` into `*to`: a live record moves and `from`
    // remembers it was moved from; otherwise `from` keeps what it had.
    void moved_from(mwrap& from, mwrap* to) {
        const mwrap w = from;
        *to = w;
        to->tomb = 0;
        from = mwrap{w.kind};
        from.tomb = w.rec >= 0 ? 2 : w.tomb;
    }
    // A stale owner: its handle was closed through another wrapper.
    bool stale(const mwrap& w) const { return w.valid() && w.rec >= 0 && recs_[static_cast<std::size_t>(w.rec)].stale; }
    void model_release(mwrap& w) {
        if (!w.valid()) return;
        if (w.rec >= 0) retire(w.rec, true, false);
        w = mwrap{w.kind};
    }
    int new_obj(int res) {
        objs_.push_back(mobj{res, true, 1});
        return static_cast<int>(objs_.size()) - 1;
    }
    // The last holder of an object lets go: an open object closes itself.
    void obj_drop(int o) {
        if (o < 0) return;
        mobj& ob = objs_[static_cast<std::size_t>(o)];
        if (--ob.refs > 0) return;
        if (!ob.open) return;
        ob.open = false;
        // Closed through another object over the same resource (an owned
        // alias in a closer): it must not be closed again.
        if (R(ob.res).model_closed) return;
        model_close_resource(ob.res, "an object's destructor");
    }
    std::error_code obj_close_model(int o, bool* threw) {
        mobj& ob = objs_[static_cast<std::size_t>(o)];
        *threw = false;
        if (!ob.open) return {};
        ob.open = false;
        model_close_resource(ob.res, "an object's close()");
        const mode m = R(ob.res).m;
        *threw = m == mode::throws_std || m == mode::throws_other;
        return m == mode::fails ? err_io : std::error_code{};
    }

    // ---- operations ----
    struct fresh { // a new resource for a tracked slot
        int slot = 0, kind = 0, res = -1, number = -1;
        mode m = mode::ok;
        std::string label;
    };
    fresh fresh_for_slot(FuzzedDataProvider& in);
    void assign_new(int s, int res, const std::string& label);
    void op_create(FuzzedDataProvider& in);
    void op_second_owner(FuzzedDataProvider& in);
    void op_move(FuzzedDataProvider& in);
    void op_swap(FuzzedDataProvider& in);
    void op_reset(FuzzedDataProvider& in);
    void op_reset_fresh(FuzzedDataProvider& in);
    void op_reset_same(FuzzedDataProvider& in);
    void op_release(FuzzedDataProvider& in);
    void op_close(FuzzedDataProvider& in);
    void op_get(FuzzedDataProvider& in);
    void op_keep_alive(FuzzedDataProvider& in);
    void op_destroy(FuzzedDataProvider& in);
    void op_adopt(FuzzedDataProvider& in);
    void op_add_tracked(FuzzedDataProvider& in, bool by_ref);
    void op_add_callable(FuzzedDataProvider& in);
    void op_add_callable_pair(FuzzedDataProvider& in);
    void op_add_tracked_and_callable(FuzzedDataProvider& in);
    void op_obj_create(FuzzedDataProvider& in);
    void op_obj_close(FuzzedDataProvider& in);
    void op_add_obj(FuzzedDataProvider& in);
    void op_shared_create(FuzzedDataProvider& in);
    void op_shared_copy(FuzzedDataProvider& in);
    void op_shared_drop(FuzzedDataProvider& in);
    void op_add_shared(FuzzedDataProvider& in);
    void op_shared_close(FuzzedDataProvider& in);
    void op_obj_pair(FuzzedDataProvider& in);
    void refusal(int c, int o);
    void op_close_all(FuzzedDataProvider& in, bool or_throw);
    void close_all_of(int c, bool or_throw);
    void op_destroy_closer(FuzzedDataProvider& in);
    void op_scope_push(FuzzedDataProvider& in);
    void op_scope_pop();
    void op_scope_check(FuzzedDataProvider& in);
    void op_pause(FuzzedDataProvider& in);
    void op_capture(FuzzedDataProvider& in);

    lifecycle::closer& closer_at(int i) {
        if (!closer_[i]) closer_[i] = std::make_unique<lifecycle::closer>();
        return *closer_[i];
    }
    void push_entry(int c, mentry e) {
        e.ordinal = ++ordinal_[c];
        m_closer_[c].push_back(std::move(e));
    }
    // A pass of closer `c` in the model; with `out`, the outcomes by ordinal.
    void model_pass(int c, std::map<std::uint64_t, std::pair<expect, std::error_code>>* out);
    int identity_of(const mentry& e) const; // the resource an entry reaches, -1: none
    std::pair<int, int> library_identity(const mentry& e) const; // (domain, value) as the closer sees it; -1: none
    void scope_count_check(std::size_t i, const lifecycle::leak_report& r, const char* when);
    std::size_t model_scope_count(std::size_t i, std::size_t* kept, std::size_t* exceeded = nullptr) const;
    void pop_scope_real_and_check();
    void log(std::string s) { oplog().push_back(std::move(s)); }
};

// ---- tracked handles ---------------------------------------------------------

harness::fresh harness::fresh_for_slot(FuzzedDataProvider& in) {
    fresh f;
    f.slot = in.ConsumeIntegralInRange(0, tslots - 1);
    f.m = mode_of(in);
    f.kind = kind_of_slot(f.slot);
    f.res = allocate(space_of_kind[f.kind], f.m);
    f.number = R(f.res).number;
    f.label = new_label();
    return f;
}

// `slot = tracked{n, label}`: the new wrapper is constructed (and enrolled)
// first, then the slot's old handle is closed by the move-assignment.
void harness::assign_new(int s, int res, const std::string& label) {
    mwrap w = enroll(kind_of_slot(s), res, label);
    const int n = R(res).number;
    with(s, [&](auto& t) { t = std::decay_t<decltype(t)>{n, label}; });
    model_close(m_slots_[s], true);
    m_slots_[s] = w;
}

void harness::op_create(FuzzedDataProvider& in) {
    const fresh f = fresh_for_slot(in);
    log(fmt("create slot %d = %s %d '%s' mode %d%s", f.slot, kind_names[f.kind].data(), f.number, f.label.c_str(),
            int(f.m), paused() ? " (paused)" : ""));
    assign_new(f.slot, f.res, f.label);
}

void harness::op_second_owner(FuzzedDataProvider& in) {
    const int src = in.ConsumeIntegralInRange(0, tslots - 1);
    const int dst = in.ConsumeIntegralInRange(0, tslots - 1);
    const mwrap& sw = m_slots_[src];
    const int k = kind_of_slot(dst);
    if (!sw.valid() || R(sw.res).model_closed || domain_of_kind[k] != domain_of_kind[sw.kind] || paused()) return;
    bool untracked = false;
    holders(sw.res, &untracked);
    if (untracked) return; // an owner outside ownership checks: two closes by design
    const int res = sw.res;
    const int n = sw.number;
    const std::string label = new_label();
    log(fmt("second owner slot %d = %s %d (owned by slot %d) '%s'", dst, kind_names[k].data(), n, src, label.c_str()));
    assign_new(dst, res, label);
}

void harness::op_move(FuzzedDataProvider& in) {
    const int src = in.ConsumeIntegralInRange(0, tslots - 1);
    const int dst = in.ConsumeIntegralInRange(0, tslots - 1);
    if (kind_of_slot(src) != kind_of_slot(dst)) return;
    log(fmt("move slot %d -> slot %d", src, dst));
    if (src < 3) *a_[dst] = std::move(*a_[src]);
    else if (src < 6) *b_[dst - 3] = std::move(*b_[src - 3]);
    else *c_[dst - 6] = std::move(*c_[src - 6]);
    if (src == dst) return;
    model_close(m_slots_[dst], true);
    moved_from(m_slots_[src], &m_slots_[dst]);
}

void harness::op_swap(FuzzedDataProvider& in) {
    const int x = in.ConsumeIntegralInRange(0, tslots - 1);
    const int y = in.ConsumeIntegralInRange(0, tslots - 1);
    if (kind_of_slot(x) != kind_of_slot(y)) return;
    const bool member = in.ConsumeBool();
    log(fmt("swap slot %d, slot %d (%s)", x, y, member ? "member" : "free"));
    if (x < 3) member ? a_[x]->swap(*a_[y]) : swap(*a_[x], *a_[y]);
    else if (x < 6) member ? b_[x - 3]->swap(*b_[y - 3]) : swap(*b_[x - 3], *b_[y - 3]);
    else member ? c_[x - 6]->swap(*c_[y - 6]) : swap(*c_[x - 6], *c_[y - 6]);
    std::swap(m_slots_[x], m_slots_[y]);
}

void harness::op_reset(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    log(fmt("reset slot %d", s));
    with(s, [](auto& t) { t.reset(); });
    const mwrap w = m_slots_[s];
    model_close(m_slots_[s], true);
    if (w.valid()) m_slots_[s].tomb = w.rec >= 0 ? 1 : 0; // a tombstone for an enrolled handle
}

void harness::op_reset_fresh(FuzzedDataProvider& in) {
    const fresh f = fresh_for_slot(in);
    const int s = f.slot, k = f.kind, res = f.res, n = f.number;
    const std::string& label = f.label;
    log(fmt("reset slot %d to fresh %s %d '%s' mode %d", s, kind_names[k].data(), n, label.c_str(), int(f.m)));
    // A stale slot (its handle closed through another wrapper) may hold n,
    // the number the fresh resource got: reset(n) takes the new resource.
    with(s, [&](auto& t) { t.reset(n, label); });
    model_close(m_slots_[s], true);
    m_slots_[s] = enroll(k, res, label);
}

void harness::op_reset_same(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    // A stale slot's number is not its handle any more: reset(n) takes n as
    // a new resource (the number's new one, as `op_reset_fresh` does), and
    // passing a number no resource has, or another owner's, is the user's
    // error. Not generated.
    if (stale(m_slots_[s])) return;
    log(fmt("reset slot %d to its own handle", s));
    with(s, [](auto& t) {
        if (t) t.reset(t.get());
    });
}

void harness::op_release(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    log(fmt("release slot %d", s));
    int got = -2;
    with(s, [&](auto& t) { got = t.release(); });
    mwrap& w = m_slots_[s];
    FZ_EXPECT(got == w.number, "release() of slot %d returned %d, model %d", s, got, w.number);
    if (w.valid() && !R(w.res).model_closed) pool_.push_back(w.res);
    const int tomb = w.rec >= 0 ? 1 : 0; // even an empty wrapper forgets its tombstone
    model_release(w);
    w.tomb = tomb;
}

void harness::op_close(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    log(fmt("close() slot %d", s));
    std::error_code ec;
    int threw = 0; // 1 std, 2 other
    with(s, [&](auto& t) {
        try {
            ec = t.close();
        } catch (const injected_error&) {
            threw = 1;
        } catch (const injected_other&) {
            threw = 2;
        }
    });
    const int res = m_slots_[s].res;
    const closed_how how = close_explicit(m_slots_[s]);
    switch (how) {
    case closed_how::none:
    case closed_how::ok: FZ_EXPECT(!ec && !threw, "close() slot %d: %s, threw %d", s, ec.message().c_str(), threw); break;
    case closed_how::failed: FZ_EXPECT(ec == err_io && !threw, "close() slot %d: %s", s, ec.message().c_str()); break;
    case closed_how::threw:
        FZ_EXPECT(threw == (R(res).m == mode::throws_std ? 1 : 2), "close() slot %d should rethrow, threw %d", s, threw);
        break;
    case closed_how::elsewhere:
        FZ_EXPECT(ec == err_elsewhere && !threw, "close() slot %d of a handle closed elsewhere: %s", s,
                  ec.message().c_str());
        break;
    }
}

void harness::op_get(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    log(fmt("get slot %d", s));
    int got = -2;
    bool b = false;
    with(s, [&](auto& t) {
        got = t.get();
        b = static_cast<bool>(t);
    });
    FZ_EXPECT(got == m_slots_[s].number && b == m_slots_[s].valid(), "slot %d get() %d bool %d, model %d", s, got, b,
              m_slots_[s].number);
    if (m_slots_[s].tomb) ++problems_want_[3]; // use_after_close
}

void harness::op_keep_alive(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    log(fmt("keep_alive slot %d", s));
    with(s, [&](auto& t) { lifecycle::keep_alive(t, s % 2 ? "fuzz cache" : "fuzz pool"); });
    if (m_slots_[s].rec >= 0) recs_[static_cast<std::size_t>(m_slots_[s].rec)].kept = true;
}

void harness::op_destroy(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    if (referenced(s)) return; // a closer refers to it: it must outlive the entry
    log(fmt("destroy slot %d", s));
    destroy_real_slot(s);
    model_close(m_slots_[s], true);
    m_slots_[s].tomb = 0;
    emplace_slot(s);
}

void harness::op_adopt(FuzzedDataProvider& in) {
    if (pool_.empty()) return;
    const std::size_t p = in.ConsumeIntegralInRange<std::size_t>(0, pool_.size() - 1);
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    const int res = pool_[p];
    const int k = kind_of_slot(s);
    if (space_of_kind[k] != R(res).sp) return;
    bool untracked = false;
    const int h = holders(res, &untracked);
    if (untracked || (paused() && h != 1)) return; // an owner outside ownership checks
    const int n = R(res).number;
    const std::string label = new_label();
    log(fmt("adopt released %d into slot %d '%s'", n, s, label.c_str()));
    pool_.erase(pool_.begin() + static_cast<std::ptrdiff_t>(p));
    assign_new(s, res, label);
}

// ---- closer entries ----------------------------------------------------------

void harness::op_add_tracked(FuzzedDataProvider& in, bool by_ref) {
    const int c = in.ConsumeIntegralInRange(0, closers - 1);
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    const bool named = in.ConsumeBool();
    log(fmt("closer %d add slot %d by %s%s", c, s, by_ref ? "reference" : "value", named ? " named" : ""));
    lifecycle::closer& cl = closer_at(c);
    mentry e;
    if (by_ref) {
        with(s, [&](auto& t) { named ? cl.add(t, "ref") : cl.add(t); });
        e.k = ekind::ref_t;
        e.slot = s;
    } else {
        with(s, [&](auto& t) { named ? cl.add(std::move(t), "val") : cl.add(std::move(t)); });
        e.k = ekind::val_t;
        e.empty = !m_slots_[s].valid();
        moved_from(m_slots_[s], &e.w);
    }
    push_entry(c, e);
}

void harness::op_add_callable(FuzzedDataProvider& in) {
    const int c = in.ConsumeIntegralInRange(0, closers - 1);
    const bool with_id = in.ConsumeBool();
    const bool noop = pool_.empty() || in.ConsumeIntegralInRange(0, 3) == 0;
    lifecycle::closer& cl = closer_at(c);
    mentry e;
    e.k = ekind::call;
    if (noop) {
        log(fmt("closer %d add a callable that closes nothing", c));
        cl.add([] {}, "noop");
        push_entry(c, e);
        return;
    }
    const std::size_t p = in.ConsumeIntegralInRange<std::size_t>(0, pool_.size() - 1);
    const int res = pool_[p];
    if (holders(res) != 1) return; // another holder may close it: only a sole raw holder hands it to a callable
    pool_.erase(pool_.begin() + static_cast<std::ptrdiff_t>(p));
    const int sp = R(res).sp, n = R(res).number;
    log(fmt("closer %d add a callable closing %s %d%s", c, space_name[sp], n, with_id ? " with its identity" : ""));
    auto fn = [sp, n] { return world.close(sp, n); };
    if (with_id) cl.add(lifecycle::identity(sp == sp_ab ? "fuzz.ab" : "fuzz.c", static_cast<std::uintptr_t>(n)), fn, "call");
    else cl.add(fn, "call");
    e.call_res = res;
    e.call_id = with_id;
    push_entry(c, e);
}

void harness::op_add_callable_pair(FuzzedDataProvider& in) {
    if (pool_.empty()) return;
    const int c = in.ConsumeIntegralInRange(0, closers - 1);
    const std::size_t p = in.ConsumeIntegralInRange<std::size_t>(0, pool_.size() - 1);
    const int res = pool_[p];
    if (holders(res) != 1) return;
    pool_.erase(pool_.begin() + static_cast<std::ptrdiff_t>(p));
    const int sp = R(res).sp, n = R(res).number;
    log(fmt("closer %d add two callables closing %s %d, with its identity", c, space_name[sp], n));
    lifecycle::closer& cl = closer_at(c);
    const lifecycle::identity id(sp == sp_ab ? "fuzz.ab" : "fuzz.c", static_cast<std::uintptr_t>(n));
    for (int i = 0; i < 2; ++i) {
        cl.add(id, [sp, n] { return world.close(sp, n); }, i ? "call2" : "call1");
        mentry e;
        e.k = ekind::call;
        e.call_res = res;
        e.call_id = true;
        push_entry(c, e);
    }
}

void harness::op_add_tracked_and_callable(FuzzedDataProvider& in) {
    const int c = in.ConsumeIntegralInRange(0, closers - 1);
    const int s = in.ConsumeIntegralInRange(0, tslots - 1);
    const bool callable_first = in.ConsumeBool();
    const bool by_ref = in.ConsumeIntegralInRange(0, 3) == 0 && !skip().ref_alias;
    const mwrap w = m_slots_[s];
    if (!w.valid() || R(w.res).model_closed || holders(w.res) != 1) return;
    const int sp = R(w.res).sp, n = w.number;
    log(fmt("closer %d add slot %d by %s and a callable with its identity %s", c, s, by_ref ? "reference" : "value",
            callable_first ? "(callable first)" : "(callable second)"));
    lifecycle::closer& cl = closer_at(c);
    mentry call;
    call.k = ekind::call;
    call.call_res = w.res;
    call.call_id = true;
    auto add_call = [&] {
        cl.add(lifecycle::identity(domain_of_kind[w.kind], static_cast<std::uintptr_t>(n)),
               [sp, n] { return world.close(sp, n); }, "alias call");
        push_entry(c, call);
    };
    if (callable_first) add_call();
    mentry e;
    if (by_ref) {
        with(s, [&](auto& t) { cl.add(t); });
        e.k = ekind::ref_t;
        e.slot = s;
    } else {
        with(s, [&](auto& t) { cl.add(std::move(t)); });
        e.k = ekind::val_t;
        moved_from(m_slots_[s], &e.w);
    }
    push_entry(c, e);
    if (!callable_first) add_call();
    // By reference, the slot still holds the handle the callable closes: a
    // close of the slot before the pass would be the user's double close.
    if (by_ref) close_all_of(c, false);
}

// ---- objects -------------------------------------------------------------------

void harness::op_obj_create(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, oslots - 1);
    const mode m = mode_of(in);
    const int res = allocate(sp_obj, m);
    log(fmt("object slot %d = obj %d mode %d", s, R(res).number, int(m)));
    ov_[s] = fake_obj{R(res).number};
    const int o = new_obj(res);
    obj_drop(m_ov_[s]);
    m_ov_[s] = o;
}

void harness::op_obj_close(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, oslots - 1);
    log(fmt("object slot %d close()", s));
    std::error_code ec;
    bool threw = false;
    try {
        ec = ov_[s].close();
    } catch (...) {
        threw = true;
    }
    if (m_ov_[s] < 0) return;
    bool mthrew = false;
    const std::error_code mec = obj_close_model(m_ov_[s], &mthrew);
    FZ_EXPECT(ec == mec && threw == mthrew, "object close(): %s threw %d", ec.message().c_str(), threw);
}

void harness::op_add_obj(FuzzedDataProvider& in) {
    const int c = in.ConsumeIntegralInRange(0, closers - 1);
    const int s = in.ConsumeIntegralInRange(0, oslots - 1);
    const int how = in.ConsumeIntegralInRange(0, 2); // reference, value, unique_ptr
    lifecycle::closer& cl = closer_at(c);
    mentry e;
    if (how == 0) {
        log(fmt("closer %d add object slot %d by reference", c, s));
        cl.add(ov_[s], "obj ref");
        e.k = ekind::ref_o;
        e.slot = s;
        push_entry(c, e);
        return;
    }
    if (m_ov_[s] < 0 || !objs_[static_cast<std::size_t>(m_ov_[s])].open) return; // nothing to own
    if (obj_referenced(s)) return; // keep references and values apart: one object, one holder kind
    log(fmt("closer %d add object slot %d by %s", c, s, how == 1 ? "value" : "unique_ptr"));
    bool refused = false;
    if (how == 1) {
        try {
            cl.add(std::move(ov_[s]), "obj value");
        } catch (const std::invalid_argument&) {
            refused = true;
            FZ_EXPECT(ov_[s].open, "a refused value was consumed (closer %d, object slot %d)", c, s);
        }
    } else {
        auto u = std::make_unique<fake_obj>(std::move(ov_[s]));
        try {
            cl.add(std::move(u), "obj unique");
        } catch (const std::invalid_argument&) {
            refused = true;
            FZ_EXPECT(u && u->open, "a refused unique_ptr was consumed (closer %d, object slot %d)", c, s);
            ov_[s] = std::move(*u);
        }
    }
    if (refused) return refusal(c, m_ov_[s]);
    e.k = how == 1 ? ekind::val_o : ekind::shared;
    e.obj = m_ov_[s];
    m_ov_[s] = -1;
    push_entry(c, e);
}

void harness::op_shared_create(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, sslots - 1);
    const mode m = mode_of(in);
    const int res = allocate(sp_obj, m);
    log(fmt("shared slot %d = obj %d mode %d", s, R(res).number, int(m)));
    sp_[s] = std::make_shared<fake_obj>(R(res).number);
    const int o = new_obj(res);
    obj_drop(m_sp_[s]);
    m_sp_[s] = o;
}

void harness::op_shared_copy(FuzzedDataProvider& in) {
    const int x = in.ConsumeIntegralInRange(0, sslots - 1);
    const int y = in.ConsumeIntegralInRange(0, sslots - 1);
    if (x == y) return;
    log(fmt("shared slot %d = shared slot %d", y, x));
    sp_[y] = sp_[x];
    if (m_sp_[x] >= 0) ++objs_[static_cast<std::size_t>(m_sp_[x])].refs;
    obj_drop(m_sp_[y]);
    m_sp_[y] = m_sp_[x];
}

void harness::op_shared_drop(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, sslots - 1);
    log(fmt("shared slot %d dropped", s));
    sp_[s].reset();
    obj_drop(m_sp_[s]);
    m_sp_[s] = -1;
}

void harness::op_add_shared(FuzzedDataProvider& in) {
    const int c = in.ConsumeIntegralInRange(0, closers - 1);
    const int s = in.ConsumeIntegralInRange(0, sslots - 1);
    const bool move = in.ConsumeBool();
    log(fmt("closer %d add shared slot %d (%s)", c, s, move ? "moved" : "copied"));
    lifecycle::closer& cl = closer_at(c);
    try {
        if (move) cl.add(std::move(sp_[s]), "shared");
        else cl.add(sp_[s], "shared");
    } catch (const std::invalid_argument&) {
        FZ_EXPECT(sp_[s] != nullptr, "a refused shared_ptr was consumed (closer %d, shared slot %d)", c, s);
        return refusal(c, m_sp_[s]);
    }
    mentry e;
    e.k = ekind::shared;
    e.obj = m_sp_[s];
    e.empty = m_sp_[s] < 0;
    if (move) {
        sp_[s].reset();
        m_sp_[s] = -1;
    } else if (e.obj >= 0) {
        ++objs_[static_cast<std::size_t>(e.obj)].refs;
    }
    push_entry(c, e);
}

void harness::op_shared_close(FuzzedDataProvider& in) {
    const int s = in.ConsumeIntegralInRange(0, sslots - 1);
    if (!sp_[s]) return;
    log(fmt("shared slot %d close()", s));
    std::error_code ec;
    bool threw = false;
    try {
        ec = sp_[s]->close();
    } catch (...) {
        threw = true;
    }
    bool mthrew = false;
    const std::error_code mec = obj_close_model(m_sp_[s], &mthrew);
    FZ_EXPECT(ec == mec && threw == mthrew, "shared close(): %s threw %d", ec.message().c_str(), threw);
}

// A closer refused an owning object (a value, unique_ptr or shared_ptr):
// right only if another owning entry waiting in that closer holds another
// object open over the same resource (two owners that cannot give it up).
void harness::refusal(int c, int o) {
    log("  (refused)");
    const mobj& ob = objs_[static_cast<std::size_t>(o)];
    for (const mentry& e : m_closer_[c])
        if ((e.k == ekind::val_o || e.k == ekind::shared) && e.obj >= 0 && e.obj != o &&
            objs_[static_cast<std::size_t>(e.obj)].open && objs_[static_cast<std::size_t>(e.obj)].res == ob.res)
            return;
    fail("FINDING false-refusal",
         fmt("closer %d refused an owning object over obj %d although no other open object over that resource waits in it "
             "(an entry whose object has closed since it was added still blocks its number)",
             c, R(ob.res).number));
}

// Two owning objects over one resource in one closer: the second is refused
// (an error naming both), or accepted as an alias; closed once either way.
void harness::op_obj_pair(FuzzedDataProvider& in) {
    const int c = in.ConsumeIntegralInRange(0, closers - 1);
    const int how1 = in.ConsumeIntegralInRange(0, 2), how2 = in.ConsumeIntegralInRange(0, 2); // value, unique, shared
    const mode m = mode_of(in);
    if (skip().owned_alias) return; // after reading its arguments: an input means the same with or without skips
    const int res = allocate(sp_obj, m);
    const int n = R(res).number;
    static constexpr const char* names[] = {"value", "unique_ptr", "shared_ptr"};
    log(fmt("closer %d add two owning objects over obj %d: %s then %s, mode %d", c, n, names[how1], names[how2], int(m)));
    lifecycle::closer& cl = closer_at(c);
    // One resource, two objects: the model's first object owns the
    // resource, the second is the alias.
    const int o1 = new_obj(res), o2 = new_obj(res);
    int objs[2] = {o1, o2};
    int how[2] = {how1, how2};
    for (int i = 0; i < 2; ++i) {
        fake_obj v{n};
        auto u = std::make_unique<fake_obj>(n);
        auto sh = std::make_shared<fake_obj>(n);
        bool refused = false;
        try {
            if (how[i] == 0) cl.add(std::move(v), "pair value");
            else if (how[i] == 1) cl.add(std::move(u), "pair unique");
            else cl.add(std::move(sh), "pair shared");
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception&) {
            refused = true;
        }
        // The objects not handed over are disarmed (they never owned it).
        if (how[i] != 0) v.open = false;
        if (how[i] != 1 && u) u->open = false;
        if (how[i] != 2 && sh) sh->open = false;
        if (refused) {
            FZ_EXPECT(i == 1, "closer %d refused the first owner of obj %d", c, n);
            // The caller keeps the refused object and gives it up.
            if (how[i] == 0) v.open = false;
            if (how[i] == 1 && u) u->open = false;
            if (how[i] == 2 && sh) sh->open = false;
            objs_[static_cast<std::size_t>(objs[i])].open = false;
            objs_[static_cast<std::size_t>(objs[i])].refs = 0;
            log("  (the second owner was refused)");
            continue;
        }
        mentry e;
        e.k = how[i] == 0 ? ekind::val_o : ekind::shared;
        e.obj = objs[i];
        push_entry(c, e);
    }
}

// ---- closers -------------------------------------------------------------------

std::pair<int, int> harness::library_identity(const mentry& e) const {
    auto of = [&](const mwrap& w) {
        return w.valid() && !stale(w) ? std::make_pair(w.kind == 2 ? 1 : 0, w.number) : std::make_pair(-1, 0);
    };
    auto obj = [&](int o) {
        return o >= 0 && objs_[static_cast<std::size_t>(o)].open
                   ? std::make_pair(2, R(objs_[static_cast<std::size_t>(o)].res).number)
                   : std::make_pair(-1, 0);
    };
    switch (e.k) {
    case ekind::val_t: return e.empty ? std::make_pair(-1, 0) : of(e.w);
    case ekind::ref_t: return of(m_slots_[e.slot]);
    case ekind::ref_o: return obj(m_ov_[e.slot]);
    case ekind::val_o:
    case ekind::shared: return e.empty ? std::make_pair(-1, 0) : obj(e.obj);
    case ekind::call:
        return e.call_id ? std::make_pair(R(e.call_res).sp == sp_c ? 1 : 0, R(e.call_res).number) : std::make_pair(-1, 0);
    }
    return {-1, 0};
}

int harness::identity_of(const mentry& e) const {
    // A stale wrapper (its handle closed through another one) has no identity.
    auto live = [&](const mwrap& w) { return w.valid() && !stale(w) ? w.res : -1; };
    auto obj_res = [&](int o) { return o >= 0 && objs_[static_cast<std::size_t>(o)].open ? objs_[static_cast<std::size_t>(o)].res : -1; };
    switch (e.k) {
    case ekind::val_t: return live(e.w);
    case ekind::ref_t: return live(m_slots_[e.slot]);
    case ekind::ref_o: return obj_res(m_ov_[e.slot]);
    case ekind::val_o:
    case ekind::shared: return obj_res(e.obj);
    case ekind::call: return e.call_id ? e.call_res : -1;
    }
    return -1;
}

void harness::model_pass(int c, std::map<std::uint64_t, std::pair<expect, std::error_code>>* out) {
    std::vector<mentry> batch = std::move(m_closer_[c]);
    m_closer_[c].clear();
    const std::size_t n = batch.size();
    std::vector<int> id(n), primary(n, -1);
    for (std::size_t i = 0; i < n; ++i) id[i] = batch[i].empty ? -1 : identity_of(batch[i]);
    for (std::size_t i = n; i-- > 0;) {
        if (id[i] < 0) continue;
        for (std::size_t j = n; j-- > i + 1;)
            if (id[j] == id[i] && primary[j] < 0) {
                primary[i] = static_cast<int>(j);
                break;
            }
    }
    // The library's identity is (domain, value); the model's is the resource.
    // They differ only for a wrapper whose handle was closed through another
    // wrapper, its number since reused by a new resource.
    for (std::size_t i = 0; i < n; ++i) {
        const auto li = library_identity(batch[i]);
        for (std::size_t j = i + 1; j < n && li.first >= 0; ++j)
            if (library_identity(batch[j]) == li && id[i] != id[j])
                fail("FINDING stale-alias",
                     fmt("closer %d: entries %llu and %llu have one identity (%s %d) but reach different resources: one "
                         "holds a handle closed through another wrapper, the other the number's new resource; one of them "
                         "is taken for an alias of the other and the new resource is not closed",
                         c, (unsigned long long)batch[i].ordinal, (unsigned long long)batch[j].ordinal,
                         li.first == 0 ? "fuzz.ab" : li.first == 1 ? "fuzz.c" : "fuzz.obj", li.second));
    }
    // Aliases give their handle up before the pass: a tracked handle moved
    // in, or one added by reference that another object closes (a callable,
    // another wrapper); a release that leaves a tombstone in the slot.
    for (std::size_t i = 0; i < n; ++i) {
        if (primary[i] < 0) continue;
        const mentry& p = batch[static_cast<std::size_t>(primary[i])];
        if (batch[i].k == ekind::val_t) model_release(batch[i].w);
        if (batch[i].k == ekind::ref_t && !(p.k == ekind::ref_t && p.slot == batch[i].slot)) {
            mwrap& w = m_slots_[batch[i].slot];
            const int tomb = w.rec >= 0 ? 1 : 0;
            model_release(w);
            w.tomb = tomb;
        }
    }
    auto kind_name = [&](const mentry& e) -> std::string_view {
        switch (e.k) {
        case ekind::val_t: return kind_names[e.w.kind];
        case ekind::ref_t: return kind_names[kind_of_slot(e.slot)];
        case ekind::call: return "callable";
        default: return "fuzz.obj";
        }
    };
    for (std::size_t i = n; i-- > 0;) {
        mentry& e = batch[i];
        expect x = expect::closed;
        std::error_code ec;
        if (e.empty) {
            x = expect::empty;
        } else if (primary[i] >= 0) {
            x = expect::alias;
        } else {
            mwrap* w = e.k == ekind::val_t ? &e.w : e.k == ekind::ref_t ? &m_slots_[e.slot] : nullptr;
            int o = e.k == ekind::ref_o ? m_ov_[e.slot] : (e.k == ekind::val_o || e.k == ekind::shared) ? e.obj : -1;
            if (w && stale(*w)) {
                // Already closed, through another wrapper: not closed again.
                // One moved in ends with its entry (reported then, as a
                // stale owner's end is); one referenced stays as it is.
                x = expect::stale;
                if (e.k == ekind::val_t) model_close(*w, true);
            } else if (w) {
                const mode m = w->valid() ? R(w->res).m : mode::ok;
                switch (close_explicit(*w)) {
                case closed_how::none: x = expect::already_closed; break;
                case closed_how::ok: x = expect::closed; break;
                case closed_how::failed:
                case closed_how::threw:
                    x = expect::failed;
                    ec = error_of(m);
                    break;
                case closed_how::elsewhere: x = expect::stale; break;
                }
            } else if (e.k == ekind::call) {
                if (e.call_res < 0) {
                    x = expect::closed;
                } else {
                    model_close_resource(e.call_res, "a callable");
                    ec = error_of(R(e.call_res).m);
                    x = ec ? expect::failed : expect::closed;
                }
            } else if (o < 0 || !objs_[static_cast<std::size_t>(o)].open) {
                x = expect::already_closed;
            } else {
                bool threw = false;
                ec = obj_close_model(o, &threw);
                if (threw) ec = err_threw;
                x = ec ? expect::failed : expect::closed;
            }
        }
        if (out) (*out)[e.ordinal] = {x, ec};
        else if (x == expect::failed) expected_.push_back({kind_name(e), ec});
    }
    for (std::size_t i = n; i-- > 0;) {
        const mentry& e = batch[i];
        if (e.k == ekind::val_o || e.k == ekind::shared) obj_drop(e.obj);
        if (e.k == ekind::val_t) FZ_EXPECT(!e.w.valid(), "a value entry still holds %d after the pass", e.w.number);
    }
}

void harness::op_close_all(FuzzedDataProvider& in, bool or_throw) {
    close_all_of(in.ConsumeIntegralInRange(0, closers - 1), or_throw);
}

void harness::close_all_of(int c, bool or_throw) {
    log(fmt("closer %d %s (%zu entries)", c, or_throw ? "close_all_or_throw" : "close_all", m_closer_[c].size()));
    lifecycle::closer& cl = closer_at(c);
    FZ_EXPECT(cl.size() == m_closer_[c].size(), "closer %d has %zu entries, model %zu", c, cl.size(), m_closer_[c].size());
    lifecycle::close_result r;
    bool threw = false;
    std::size_t thrown_failures = 0;
    if (or_throw) {
        try {
            r = cl.close_all_or_throw();
        } catch (const lifecycle::close_error& e) {
            threw = true;
            thrown_failures = e.failures().size();
            FZ_EXPECT(!e.failures().empty() && e.code() == e.failures().front().error, "close_error: %zu failures",
                      e.failures().size());
            r = e.result();
        }
    } else {
        r = cl.close_all();
    }
    std::map<std::uint64_t, std::pair<expect, std::error_code>> want;
    model_pass(c, &want);
    FZ_EXPECT(r.entries().size() == want.size(), "close_all handled %zu entries, model %zu", r.entries().size(), want.size());
    std::size_t failed = 0, stale = 0, real_failed = 0;
    std::uint64_t previous = ~std::uint64_t(0);
    for (const lifecycle::close_entry& e : r.entries()) {
        FZ_EXPECT(e.ordinal < previous, "close_all: entry %llu after %llu (not newest first)", (unsigned long long)e.ordinal,
                  (unsigned long long)previous);
        previous = e.ordinal;
        auto it = want.find(e.ordinal);
        FZ_EXPECT(it != want.end(), "close_all: unknown entry %llu", (unsigned long long)e.ordinal);
        const expect x = it->second.first;
        using lifecycle::close_outcome;
        real_failed += e.outcome == close_outcome::failed;
        const std::string got = std::string(to_string(e.outcome)) + " " + e.error.message();
        switch (x) {
        case expect::closed: FZ_EXPECT(e.outcome == close_outcome::closed, "entry %llu '%s': %s, model closed", (unsigned long long)e.ordinal, e.name.c_str(), got.c_str()); break;
        case expect::alias: FZ_EXPECT(e.outcome == close_outcome::alias, "entry %llu '%s': %s, model alias", (unsigned long long)e.ordinal, e.name.c_str(), got.c_str()); break;
        case expect::empty: FZ_EXPECT(e.outcome == close_outcome::empty, "entry %llu '%s': %s, model empty", (unsigned long long)e.ordinal, e.name.c_str(), got.c_str()); break;
        case expect::already_closed: FZ_EXPECT(e.outcome == close_outcome::already_closed, "entry %llu '%s': %s, model already closed", (unsigned long long)e.ordinal, e.name.c_str(), got.c_str()); break;
        case expect::failed:
            ++failed;
            FZ_EXPECT(e.outcome == close_outcome::failed && e.error == it->second.second, "entry %llu '%s': %s, model failed %s",
                      (unsigned long long)e.ordinal, e.name.c_str(), got.c_str(), it->second.second.message().c_str());
            break;
        case expect::stale:
            // Closed through another wrapper: already closed, not a failure.
            ++stale;
            FZ_EXPECT(e.outcome == close_outcome::already_closed, "entry %llu '%s': %s, model closed elsewhere",
                      (unsigned long long)e.ordinal, e.name.c_str(), got.c_str());
            break;
        }
    }
    FZ_EXPECT(r.ok() == (real_failed == 0), "close_result::ok()");
    if (or_throw) {
        FZ_EXPECT(threw == (real_failed > 0), "close_all_or_throw threw %d with %zu failed entries", threw, real_failed);
        if (threw) FZ_EXPECT(thrown_failures == real_failed, "close_error carries %zu of %zu failures", thrown_failures, real_failed);
    }
    FZ_EXPECT(real_failed == failed, "%zu failed entries, model %zu (%zu already closed elsewhere)", real_failed, failed, stale);
    FZ_EXPECT(cl.empty(), "closer %d not empty after close_all", c);
}

void harness::op_destroy_closer(FuzzedDataProvider& in) {
    const int c = in.ConsumeIntegralInRange(0, closers - 1);
    log(fmt("destroy closer %d (%zu entries)", c, m_closer_[c].size()));
    closer_[c].reset();
    model_pass(c, nullptr);
    ordinal_[c] = 0; // a new closer counts from 1
}

// ---- scopes, pauses, capture ------------------------------------------------

std::size_t harness::model_scope_count(std::size_t i, std::size_t* kept, std::size_t* exceeded) const {
    const mscope& sc = m_scopes_[i];
    std::size_t per_kind[kind_count] = {};
    *kept = 0;
    for (const mrec& r : recs_) {
        if (!r.live || r.seq < sc.start) continue;
        if (r.kept) ++*kept;                                       // keep_alive, first
        else if (sc.options == 4 && r.kind == 1) continue;         // allow kind fuzz.b
        else if (sc.options == 5 && r.label.size() == 2) continue; // allow label "w?"
        else ++per_kind[r.kind];
    }
    std::size_t n = 0, over = 0;
    for (int k = 0; k < kind_count; ++k) {
        const bool limited = sc.options == 7 || (sc.options == 6 && k == 2);
        if (limited && per_kind[k] > 0) {
            if (per_kind[k] <= sc.max) continue; // tolerated
            ++over;
        }
        n += per_kind[k];
    }
    if (exceeded) *exceeded = over;
    return n;
}

void harness::scope_count_check(std::size_t i, const lifecycle::leak_report& r, const char* when) {
    std::size_t kept = 0, exceeded = 0;
    const std::size_t want = model_scope_count(i, &kept, &exceeded);
    FZ_EXPECT(r.count() == want, "scope %zu %s: %zu leaks, model %zu", i, when, r.count(), want);
    FZ_EXPECT(r.limits_exceeded().size() == exceeded, "scope %zu %s: %zu limits exceeded, model %zu", i, when,
              r.limits_exceeded().size(), exceeded);
    std::size_t got_kept = 0;
    for (const auto& a : r.allowed())
        if (a.rule == "keep_alive") got_kept += a.count;
    FZ_EXPECT(got_kept == kept, "scope %zu %s: %zu kept alive, model %zu", i, when, got_kept, kept);
}

void harness::op_scope_push(FuzzedDataProvider& in) {
    mscope m;
    m.start = seq_;
    m.options = in.ConsumeIntegralInRange(0, 7);
    if (m.options >= 6) m.max = in.ConsumeIntegralInRange<std::size_t>(0, 2);
    if (scopes_.size() >= max_scopes) return;
    static constexpr const char* what[] = {"", "", "", "", ", allow kind fuzz.b", ", allow label w?", ", limit fuzz.c", ", limit *"};
    log(fmt("scope %zu begins%s%s", scopes_.size(), what[m.options], m.options >= 6 ? fmt(" <= %zu", m.max).c_str() : ""));
    real_scope s;
    s.handled = std::make_unique<std::size_t>(0);
    std::size_t* seen = s.handled.get();
    lifecycle::leak_scope_options o;
    o.policy = lifecycle::leak_policy::call_handler;
    o.handler = [seen](const lifecycle::leak_report& r) { *seen = r.count() + 1; };
    if (m.options == 4) o.allow.push_back(lifecycle::allow_rule::kind("fuzz.b", "fuzz: b is allowed"));
    if (m.options == 5) o.allow.push_back(lifecycle::allow_rule::label("w?", "fuzz: short labels are allowed"));
    if (m.options >= 6) o.limits.push_back(lifecycle::kind_limit{m.options == 6 ? "fuzz.c" : "*", m.max});
    s.scope = std::make_unique<lifecycle::leak_scope>("fuzz scope " + std::to_string(scopes_.size()), std::move(o));
    scopes_.push_back(std::move(s));
    m_scopes_.push_back(m);
}

void harness::pop_scope_real_and_check() {
    const std::size_t i = scopes_.size() - 1;
    std::size_t kept = 0;
    const std::size_t want = model_scope_count(i, &kept);
    std::size_t* seen = scopes_.back().handled.get();
    scopes_.back().scope.reset(); // the destructor applies the policy: the handler, if leaks
    FZ_EXPECT(*seen == (want ? want + 1 : 0), "scope %zu's destructor handed %zu (count+1), model %zu leaks", i, *seen, want);
    scopes_.pop_back();
    m_scopes_.pop_back();
}

void harness::op_scope_pop() {
    if (scopes_.empty()) return;
    log(fmt("scope %zu ends", scopes_.size() - 1));
    pop_scope_real_and_check();
}

void harness::op_scope_check(FuzzedDataProvider& in) {
    if (scopes_.empty()) return;
    const std::size_t i = in.ConsumeIntegralInRange<std::size_t>(0, scopes_.size() - 1);
    const int render = in.ConsumeIntegralInRange(0, 3);
    log(fmt("scope %zu check%s", i, render == 1 ? " + to_text" : render == 2 ? " + to_json" : ""));
    const lifecycle::leak_report r = scopes_[i].scope->check();
    scope_count_check(i, r, "check");
    if (render == 1) {
        const std::string t = r.to_text();
        FZ_EXPECT(t.empty() == r.empty(), "to_text() of %zu leaks is %zu bytes", r.count(), t.size());
    } else if (render == 2) {
        const std::string j = r.to_json();
        FZ_EXPECT(!j.empty() && j.front() == '{' && j.back() != ',', "to_json(): %s", j.substr(0, 80).c_str());
    }
}

void harness::op_pause(FuzzedDataProvider& in) {
    if (in.ConsumeBool() && pauses_.size() < max_pauses) {
        log("pause_tracking begins");
        pauses_.push_back(std::make_unique<lifecycle::pause_tracking>());
    } else if (!pauses_.empty()) {
        log("pause_tracking ends");
        pauses_.pop_back();
    }
}

void harness::op_capture(FuzzedDataProvider& in) {
    const int t = in.ConsumeIntegralInRange(0, 7);
    const lifecycle::capture c = t == 0 ? lifecycle::capture::off : t == 7 ? lifecycle::capture::stack : lifecycle::capture::site;
    log(fmt("capture %d", int(c)));
    lifecycle::set_capture(c);
}

// ---- the step and the checks ---------------------------------------------------

void harness::step(FuzzedDataProvider& in) {
    const int op = in.ConsumeIntegralInRange(0, 38);
    switch (op) {
    case 0: case 1: op_create(in); break;
    case 2: op_second_owner(in); break;
    case 3: op_move(in); break;
    case 4: op_swap(in); break;
    case 5: op_reset(in); break;
    case 6: op_reset_fresh(in); break;
    case 7: op_reset_same(in); break;
    case 8: op_release(in); break;
    case 9: op_close(in); break;
    case 10: op_get(in); break;
    case 11: op_keep_alive(in); break;
    case 12: op_destroy(in); break;
    case 13: op_adopt(in); break;
    case 14: op_add_tracked(in, false); break;
    case 15: op_add_tracked(in, true); break;
    case 16: op_add_callable(in); break;
    case 17: op_add_callable_pair(in); break;
    case 18: op_add_tracked_and_callable(in); break;
    case 19: op_obj_create(in); break;
    case 20: op_obj_close(in); break;
    case 21: op_add_obj(in); break;
    case 22: op_shared_create(in); break;
    case 23: op_shared_copy(in); break;
    case 24: op_shared_drop(in); break;
    case 25: op_add_shared(in); break;
    case 26: op_shared_close(in); break;
    case 27: op_obj_pair(in); break;
    case 28: case 29: op_close_all(in, false); break;
    case 30: op_close_all(in, true); break;
    case 31: op_destroy_closer(in); break;
    case 32: op_scope_push(in); break;
    case 33: op_scope_pop(); break;
    case 34: op_scope_check(in); break;
    case 35: op_pause(in); break;
    case 36: op_capture(in); break;
    case 37: op_second_owner(in); break;
    case 38: op_close(in); break;
    }
    check("step");
}

void harness::check(const char*) {
    // Closes: at most once, and exactly those of the model.
    for (const resource& r : world.res) {
        if (r.actual > 1) fail("DOUBLE CLOSE", fmt("%s %d was closed %d times", space_name[r.sp], r.number, r.actual));
        if (r.actual == 1 && !r.model_closed)
            fail("DOUBLE CLOSE", fmt("%s %d was closed while the model says it is still owned (a close through a stale or reused number)",
                                     space_name[r.sp], r.number));
        if (r.actual == 0 && r.model_closed) fail("MISSED CLOSE", fmt("%s %d should have been closed", space_name[r.sp], r.number));
    }
    // Wrappers: handle, emptiness, live record.
    for (int s = 0; s < tslots; ++s) {
        const mwrap& w = m_slots_[s];
        with(s, [&](auto& t) {
            FZ_EXPECT(static_cast<bool>(t) == w.valid(), "slot %d bool %d, model number %d", s, static_cast<bool>(t), w.number);
            const std::string want = w.rec >= 0 ? recs_[static_cast<std::size_t>(w.rec)].label : std::string();
            FZ_EXPECT(t.label() == want, "slot %d label '%s', model '%s'", s, std::string(t.label()).c_str(), want.c_str());
        });
    }
    // Ownership problems, by issue.
    for (int i = 0; i < issue_count; ++i)
        FZ_EXPECT(ownership_problems()[i] - problems_base_[i] == problems_want_[i], "%zu %s problems, model %zu",
                  ownership_problems()[i] - problems_base_[i], issue_names[i], problems_want_[i]);
    // Counters.
    for (int k = 0; k < kind_count; ++k) {
        const lifecycle::kind_stats st = read_stats(k);
        const kcounts& m = counts_[k];
        const lifecycle::kind_stats& b = base_[k];
        FZ_EXPECT(st.live == m.live && st.created - b.created == m.created && st.closed - b.closed == m.closed &&
                      st.released - b.released == m.released && st.close_failures - b.close_failures == m.failures,
                  "stats of %s: live %llu created %llu closed %llu released %llu failures %llu; model %llu %llu %llu %llu %llu",
                  kind_names[k].data(), (unsigned long long)st.live, (unsigned long long)(st.created - b.created),
                  (unsigned long long)(st.closed - b.closed), (unsigned long long)(st.released - b.released),
                  (unsigned long long)(st.close_failures - b.close_failures), (unsigned long long)m.live,
                  (unsigned long long)m.created, (unsigned long long)m.closed, (unsigned long long)m.released,
                  (unsigned long long)m.failures);
    }
    // The close-error handler: what the model expects, no more, no less.
    std::vector<failure_seen>& seen = handler_failures();
    std::vector<bool> used(seen.size() - handler_seen_, false);
    for (const expected_failure& x : expected_) {
        bool found = false;
        for (std::size_t i = handler_seen_; i < seen.size() && !found; ++i)
            if (!used[i - handler_seen_] && seen[i].kind == x.kind && seen[i].error == x.error) found = used[i - handler_seen_] = true;
        FZ_EXPECT(found, "the close-error handler missed a %s failure (%s)", std::string(x.kind).c_str(),
                  x.error.message().c_str());
    }
    for (std::size_t i = handler_seen_; i < seen.size(); ++i)
        FZ_EXPECT(used[i - handler_seen_], "the close-error handler got an unexpected %s failure (%s)", seen[i].kind.c_str(),
                  seen[i].error.message().c_str());
    expected_.clear();
    handler_seen_ = seen.size();
}

void harness::teardown() {
    log("teardown");
    while (!scopes_.empty()) pop_scope_real_and_check();
    pauses_.clear();
    check("scopes");
    for (int c = 0; c < closers; ++c) {
        closer_[c].reset();
        model_pass(c, nullptr);
        ordinal_[c] = 0;
        check("closer destroyed");
    }
    for (int s = 0; s < tslots; ++s) {
        destroy_real_slot(s);
        model_close(m_slots_[s], true);
        emplace_slot(s);
    }
    check("slots destroyed");
    for (int s = 0; s < oslots; ++s) {
        ov_[s] = fake_obj{};
        obj_drop(m_ov_[s]);
        m_ov_[s] = -1;
    }
    for (int s = 0; s < sslots; ++s) {
        sp_[s].reset();
        obj_drop(m_sp_[s]);
        m_sp_[s] = -1;
    }
    check("objects destroyed");
    // What the user still holds raw, closed by the user.
    std::vector<int> raw = pool_;
    std::sort(raw.begin(), raw.end());
    raw.erase(std::unique(raw.begin(), raw.end()), raw.end());
    for (int res : raw) {
        if (R(res).model_closed) continue;
        try {
            (void)world.close(R(res).sp, R(res).number);
        } catch (...) {
        }
        model_close_resource(res, "the user");
    }
    check("raw handles closed");
    for (const resource& r : world.res)
        if (r.actual != 1)
            fail(r.actual ? "DOUBLE CLOSE" : "LEAK", fmt("%s %d was closed %d times by the end", space_name[r.sp], r.number, r.actual));
    for (int k = 0; k < kind_count; ++k)
        FZ_EXPECT(read_stats(k).live == 0, "%s: %llu live at the end", kind_names[k].data(), (unsigned long long)read_stats(k).live);
}

} // namespace fz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (const char* s = std::getenv("LIFECYCLE_FUZZ_SKIP")) {
        const std::string v = s;
        fz::skip().stale_reuse = v.find("stale-reuse") != std::string::npos;
        fz::skip().owned_alias = v.find("owned-alias") != std::string::npos;
        fz::skip().ref_alias = v.find("ref-alias") != std::string::npos;
        fz::skip().obj_reuse = v.find("obj-reuse") != std::string::npos;
    }
    if (const char* t = std::getenv("LIFECYCLE_FUZZ_TRACE")) fz::trace() = *t == '1';
    lifecycle::set_ownership_level(lifecycle::ownership_level::warn);
    lifecycle::set_ownership_handler([](const lifecycle::ownership_problem& p) {
        ++fz::ownership_problems()[static_cast<int>(p.issue)];
        if (p.message().empty()) fz::fail("MISMATCH", "an ownership problem without a message");
    });
    lifecycle::set_close_error_handler([](const lifecycle::close_failure& f) {
        fz::handler_failures().push_back(fz::failure_seen{std::string(f.kind), f.error});
    });
    lifecycle::set_capture(lifecycle::capture::site);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The committed seeds carry a license line, which is not part of the input.
    static constexpr std::string_view spdx = "# SPDX-License-Identifier: BSL-1.0\n";
    if (size >= spdx.size() && std::memcmp(data, spdx.data(), spdx.size()) == 0) {
        data += spdx.size();
        size -= spdx.size();
    }
    FuzzedDataProvider in(data, size);
    fz::world.clear();
    fz::oplog().clear();
    fz::handler_failures().clear();
    {
        const int tier = in.ConsumeIntegralInRange(0, 15);
        lifecycle::set_capture(tier == 0 ? lifecycle::capture::off : tier == 15 ? lifecycle::capture::stack : lifecycle::capture::site);
        fz::harness h;
        for (int steps = 0; in.remaining_bytes() > 0 && steps < 300; ++steps) h.step(in);
        h.teardown();
    }
    if (fz::trace()) {
        std::fprintf(stderr, "lifecycle fuzz: %zu operations:\n", fz::oplog().size());
        for (std::size_t i = 0; i < fz::oplog().size(); ++i) std::fprintf(stderr, "  %3zu %s\n", i, fz::oplog()[i].c_str());
    }
    return 0;
}
