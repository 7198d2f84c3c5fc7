// SPDX-License-Identifier: BSL-1.0
// lifecycle/close_error.hpp — what a closer (lifecycle/closer.hpp) returns
// and throws: `close_result`, one `close_entry` per entry with its outcome,
// and `close_error`, the exception of `close_all_or_throw()` that carries
// every failure.
//
//   try {
//       c.close_all_or_throw();
//   } catch (const lifecycle::close_error& e) {
//       for (const lifecycle::close_entry& f : e.failures()) log(f.describe(), f.error.message());
//   }
//
// Values: safe to keep, copy and pass between threads. (The close-error
// handler, for failures nobody can be told about, is in close_failure.hpp,
// which this header includes.)
#ifndef LIFECYCLE_CLOSE_ERROR_HPP
#define LIFECYCLE_CLOSE_ERROR_HPP

#include <lifecycle/config.hpp>
#include <lifecycle/close_failure.hpp>
#include <lifecycle/detail/site_text.hpp>
#include <lifecycle/detail/text_escape.hpp>
#include <lifecycle/identity.hpp>
#include <lifecycle/source_site.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

LIFECYCLE_BEGIN_NAMESPACE

class closer;

/// What a closer did with one entry.
enum class close_outcome {
    closed,         ///< closed successfully by this entry
    failed,         ///< this entry's close failed (error code, false, non-zero, or an exception)
    alias,          ///< the same object as an entry closed earlier in the same pass; not closed again
    already_closed, ///< the object said it was closed already (a tracked handle closed by its owner, is_open() false)
    empty,          ///< nothing to close: a null shared_ptr, an empty tracked handle
};

/// Returns: "closed", "failed", "alias", "already closed" or "empty".
constexpr std::string_view to_string(close_outcome o) noexcept {
    switch (o) {
    case close_outcome::closed: return "closed";
    case close_outcome::failed: return "failed";
    case close_outcome::alias: return "alias";
    case close_outcome::already_closed: return "already closed";
    case close_outcome::empty: return "empty";
    }
    return "?";
}

namespace detail {

/// close_entry::describe() of an entry with these fields, built in place
/// with one allocation: a closer describes every alias of a pass.
inline std::string describe_entry(std::string_view name, std::string_view kind, const identity& id, std::uint64_t ordinal) {
    std::string s;
    s.reserve(name.size() + kind.size() + id.domain().size() + 48);
    if (name.empty()) {
        char buf[24];
        const char* end = std::to_chars(buf, buf + sizeof buf, ordinal).ptr;
        append_text_word(s, kind); // a kind name may hold any byte, as a name may
        s.append(" #").append(buf, static_cast<std::size_t>(end - buf));
        if (id) id.append_to(s.append(" ("));
    } else {
        s += '\'';
        append_text_word(s, name); // the text shows labels escaped and cut: a name's "\n" starts no line
        s.append("' (");
        append_text_word(s, kind);
        if (id) id.append_to(s.append(", "));
    }
    if (!name.empty() || id) s += ')';
    return s;
}

} // namespace detail

/// One entry of a close_result.
struct close_entry {
    std::string name;          ///< the name given to add(); a tracked handle's label if none was given; may be empty
    std::string_view kind;     ///< "fd", the object's type or close_traits<T>::kind_name(), "callable" (static storage)
    identity id;               ///< empty for callables added without one and for handle types without identity
    /// What became of the entry: closed, failed, alias, already_closed, empty.
    close_outcome outcome = close_outcome::closed;
    std::error_code error;     ///< failed: the close's error; lifecycle_errc::close_threw for an exception
    std::string what;          ///< failed by an exception: its what(), or a note for non-std exceptions
    source_site added_at;      ///< where add() was called
    source_site created_at;    ///< a tracked handle's creation site (tracking builds, capture on); else unknown
    std::uint64_t ordinal = 0; ///< the entry's position in the closer's add order, from 1
    std::string alias_of;      ///< alias: the description (describe()) of the entry that closed the object
    std::uint64_t alias_of_ordinal = 0; ///< alias: that entry's ordinal

    /// Returns: "'name' (kind identity)", or "kind #ordinal (identity)" for an
    /// unnamed entry; the name as text reports show labels (control
    /// characters and bytes that are not UTF-8 escaped, cut at 200 bytes).
    std::string describe() const { return detail::describe_entry(name, kind, id, ordinal); }
};


/// What one `closer::close_all()` did, entry by entry, in close order
/// (last added first). A value: safe to keep, copy and pass between threads.
class close_result {
public:
    close_result() = default;

    /// Returns: every entry of the pass, in the order they were handled.
    const std::vector<close_entry>& entries() const noexcept { return entries_; }
    /// Returns: true when the pass handled no entry.
    bool empty() const noexcept { return entries_.empty(); }
    /// Returns: the number of entries with outcome `o`.
    std::size_t count(close_outcome o) const noexcept {
        std::size_t n = 0;
        for (const auto& e : entries_) n += e.outcome == o;
        return n;
    }
    /// Returns: true when no close failed.
    bool ok() const noexcept { return count(close_outcome::failed) == 0; }
    /// Returns: the failed entries, in close order.
    std::vector<close_entry> failures() const { return select(close_outcome::failed); }
    /// Returns: the entries skipped as aliases, in close order.
    std::vector<close_entry> aliases() const { return select(close_outcome::alias); }
    /// Returns: the first entry named `name`, or nullptr.
    const close_entry* find(std::string_view name) const noexcept {
        for (const auto& e : entries_)
            if (e.name == name) return &e;
        return nullptr;
    }

    /// Returns: a summary line and one line per entry (wrapped here), in
    /// close order; "" when empty. Names, error messages and exceptions'
    /// what() are escaped as text reports escape labels (control characters
    /// and bytes that are not UTF-8 written as escapes; a message or a what()
    /// is never cut), so that none starts a line of its own. From examples/aliased_close.cpp:
    ///
    ///   lifecycle: closer handled 3 entries: 1 closed, 1 failed, 1 alias
    ///     failed          'ensemble_trans' (weather::dataset, object 0x5562...): the close function threw an
    ///                     exception (closing dataset 'ensemble_trans': Input/output error), added at main (aliased_close.cpp:194)
    ///     closed          'ensemble_daily' (weather::dataset, object 0x5562...), added at main (aliased_close.cpp:193)
    ///     alias           'ensemble' (weather::dataset, object 0x5562...): same object as 'ensemble_daily'
    ///                     (weather::dataset, object 0x5562...), not closed again, added at main (aliased_close.cpp:192)
    std::string to_text() const;

    /// Effects: writes to_text() to `os` (a std::ostream; a template, so that
    /// this header needs no `<ostream>`).
    template <class OStream, class = decltype(std::declval<OStream&>() << std::declval<const std::string&>())>
    friend OStream& operator<<(OStream& os, const close_result& r) {
        os << r.to_text();
        return os;
    }

private:
    friend class closer;
    std::vector<close_entry> select(close_outcome o) const;
    std::vector<close_entry> entries_;
};

/// Thrown by `closer::close_all_or_throw()` when at least one close failed.
/// `code()` is the first failure's error; `failures()` holds all of them, in
/// close order; `result()` the whole pass (aliases included). Copying is
/// noexcept (the data is shared).
class close_error : public std::system_error {
public:
    /// Requires: `result` has at least one failure.
    explicit close_error(close_result result);

    /// Returns: the first failure in close order (the most recently added entry that failed).
    const close_entry& primary() const noexcept { return data_->failures.front(); }
    /// Returns: every failure, the primary first.
    const std::vector<close_entry>& failures() const noexcept { return data_->failures; }
    /// Returns: the whole pass.
    const close_result& result() const noexcept { return data_->result; }

private:
    friend class closer;
    struct data {
        close_result result;
        std::vector<close_entry> failures;
    };
    // Moves `r` in only when nothing can throw any more: out of memory, `r` is intact.
    static std::shared_ptr<const data> share(close_result& r);
    static std::string message(const data& d);
    explicit close_error(std::shared_ptr<const data> d)
        : std::system_error(d->failures.front().error, message(*d)), data_(std::move(d)) {}

    std::shared_ptr<const data> data_;
};

LIFECYCLE_END_NAMESPACE


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD
#    include <algorithm>

LIFECYCLE_BEGIN_NAMESPACE

LIFECYCLE_DETAIL_COLD std::string close_result::to_text() const {
    if (entries_.empty()) return {};
    std::string out = "lifecycle: closer handled " + std::to_string(entries_.size()) +
                      (entries_.size() == 1 ? " entry:" : " entries:");
    bool first = true;
    for (close_outcome o : {close_outcome::closed, close_outcome::failed, close_outcome::alias,
                            close_outcome::already_closed, close_outcome::empty}) {
        if (const std::size_t n = count(o)) {
            out += (first ? " " : ", ") + std::to_string(n) + " " + std::string(to_string(o));
            first = false;
        }
    }
    out += '\n';
    for (const auto& e : entries_) {
        std::string word(to_string(e.outcome));
        word.resize(std::max<std::size_t>(word.size(), 15), ' ');
        out += "  " + word + ' ' + e.describe();
        switch (e.outcome) {
        case close_outcome::failed:
            out += ": ";
            detail::append_text_word(out, e.error.message(), static_cast<std::size_t>(-1)); // escaped, never cut
            if (!e.what.empty()) {
                out += " (";
                detail::append_text_word(out, e.what, static_cast<std::size_t>(-1)); // escaped, never cut: the error's words
                out += ')';
            }
            break;
        case close_outcome::alias: out += ": same object as " + e.alias_of + ", not closed again"; break;
        case close_outcome::closed:
        case close_outcome::already_closed:
        case close_outcome::empty: break;
        }
        out += ", added at " + detail::site_text(e.added_at);
        if (e.created_at.known()) out += ", created at " + detail::site_text(e.created_at);
        out += '\n';
    }
    return out;
}

LIFECYCLE_DETAIL_COLD close_error::close_error(close_result result) : close_error(share(result)) {}

LIFECYCLE_DETAIL_COLD std::shared_ptr<const close_error::data> close_error::share(close_result& r) {
    auto d = std::make_shared<data>();
    d->failures = r.failures();
    if (d->failures.empty()) { // contract violated: keep primary() valid
        close_entry none;
        none.kind = "none";
        none.outcome = close_outcome::failed;
        d->failures.push_back(std::move(none));
    }
    d->result = std::move(r);
    return d;
}

LIFECYCLE_DETAIL_COLD std::string close_error::message(const data& d) {
    const close_entry& p = d.failures.front();
    std::string m = "lifecycle: closer: " + std::to_string(d.failures.size()) + " of " +
                    std::to_string(d.result.entries().size()) + " entries failed to close; first " + p.describe() +
                    ", added at " + detail::site_text(p.added_at);
    if (!p.what.empty()) {
        m += ", threw '";
        detail::append_text_word(m, p.what, static_cast<std::size_t>(-1)); // escaped, never cut: the error's words
        m += '\'';
    }
    if (d.failures.size() > 1) m += " (and " + std::to_string(d.failures.size() - 1) + " more in failures())";
    return m;
}

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD


// ---- definitions of the cold paths (header-only, or the compiled library) ----
#if LIFECYCLE_DETAIL_DEFINE_COLD

LIFECYCLE_BEGIN_NAMESPACE

LIFECYCLE_DETAIL_COLD std::vector<close_entry> close_result::select(close_outcome o) const {
    std::vector<close_entry> out;
    for (const auto& e : entries_)
        if (e.outcome == o) out.push_back(e);
    return out;
}

LIFECYCLE_END_NAMESPACE
#endif // LIFECYCLE_DETAIL_DEFINE_COLD

#endif // LIFECYCLE_CLOSE_ERROR_HPP
