// TOML -> EngineConfig. The only translation unit that reads TOML (with format.cpp writing it);
// the schema itself is in detail/schema.hpp.

#include "tickpath/config/load.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "tickpath/core/assert.hpp"
#include "tickpath/core/decimal.hpp"
#include "tickpath/core/instrument.hpp"

#include "config/detail/schema.hpp"

namespace tickpath::config {
namespace {

using detail::EnumName;
using detail::FieldFlags;
using detail::IntRange;
using detail::RealRange;
using detail::TextCheck;

char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return to_lower(x) == to_lower(y); });
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive:
// "cpus" -> "cpu" and "nmae" -> "name" are both 1.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::size_t> d((n + 1) * (m + 1));
  const auto at = [m, &d](std::size_t i, std::size_t j) -> std::size_t& { return d[i * (m + 1) + j]; };
  for (std::size_t i = 0; i <= n; ++i) {
    at(i, 0) = i;
  }
  for (std::size_t j = 0; j <= m; ++j) {
    at(0, j) = j;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = to_lower(a[i - 1]) == to_lower(b[j - 1]) ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && to_lower(a[i - 1]) == to_lower(b[j - 2]) &&
          to_lower(a[i - 2]) == to_lower(b[j - 1])) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(n, m);
}

// The closest known key, if it is close enough to be a typo: one edit for short keys, two else.
std::string_view suggest(std::string_view unknown, const std::vector<std::string_view>& known) {
  std::string_view best;
  std::size_t best_distance = 0;
  for (const std::string_view candidate : known) {
    const std::size_t distance = edit_distance(unknown, candidate);
    const std::size_t limit = candidate.size() <= 4 ? 1 : 2;
    if (distance <= limit && (best.empty() || distance < best_distance)) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string_view describe_type(toml::node_type type) noexcept {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "an unknown type";
}

// TOML basic-string escaping, for keys in messages that are not bare keys.
std::string quote_key(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (bare) {
    return std::string(key);
  }
  std::string out = "\"";
  for (const char c : key) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

bool has_position(const toml::source_position& pos) noexcept {
  return pos.line != 0;
}

// State shared by the readers of one load: where problems go, and where each key was.
class LoadContext {
 public:
  LoadContext(std::string_view source, std::string_view document) : source_(source), document_(document) {}

  void error(toml::source_position pos, std::string key, std::string message) {
    issues_.push_back(ConfigIssue{.source = source_,
                                  .line = pos.line,
                                  .column = pos.column,
                                  .key = std::move(key),
                                  .message = std::move(message)});
  }

  // Where a key's value is, or (for a key that is absent) its table, for rules that span keys.
  void note(const std::string& key, toml::source_position pos) { positions_[key] = pos; }

  [[nodiscard]] toml::source_position position_of(const std::string& key) const {
    const auto it = positions_.find(key);
    return it == positions_.end() ? toml::source_position{} : it->second;
  }

  // The exact source text of a value. toml++ counts columns in code points and ends are
  // exclusive; this walks UTF-8 to turn them into byte offsets. "" if the region is unusable.
  [[nodiscard]] std::string_view text_of(const toml::source_region& region) const {
    if (region.begin.line == 0 || region.begin.line != region.end.line ||
        region.end.column <= region.begin.column) {
      return {};
    }
    std::size_t line_start = 0;
    for (std::uint32_t line = 1; line < region.begin.line; ++line) {
      line_start = document_.find('\n', line_start);
      if (line_start == std::string_view::npos) {
        return {};
      }
      ++line_start;
    }
    const auto byte_at = [&](std::uint32_t column) -> std::size_t {
      std::size_t offset = line_start;
      for (std::uint32_t c = 1; c < column; ++c) {
        if (offset >= document_.size()) {
          return std::string_view::npos;
        }
        ++offset;
        while (offset < document_.size() && (static_cast<unsigned char>(document_[offset]) & 0xC0) == 0x80) {
          ++offset;
        }
      }
      return offset;
    };
    const std::size_t begin = byte_at(region.begin.column);
    const std::size_t end = byte_at(region.end.column);
    if (begin == std::string_view::npos || end == std::string_view::npos || end > document_.size()) {
      return {};
    }
    return document_.substr(begin, end - begin);
  }

  [[nodiscard]] const std::string& source() const noexcept { return source_; }

  [[nodiscard]] std::vector<ConfigIssue> take_issues() {
    std::stable_sort(issues_.begin(), issues_.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    return std::move(issues_);
  }

 private:
  std::string source_;
  std::string_view document_;
  std::map<std::string, toml::source_position> positions_;
  std::vector<ConfigIssue> issues_;
};

class Loader;

// Rules that involve more than one key of a section, checked once its keys have been read.
template <class T>
void cross_check(Loader& /*loader*/, const T& /*section*/) {}
void cross_check(Loader& loader, const ThreadConfig& thread);
void cross_check(Loader& loader, const ThreadsConfig& threads);
void cross_check(Loader& loader, const MarketDataConfig& market_data);
void cross_check(Loader& loader, const GatewayConfig& gateway);
void cross_check(Loader& loader, const SimConfig& sim);
void cross_check(Loader& loader, const EngineConfig& config);

// Reads one TOML table through the schema. Every key the schema asks for is recorded, so finish()
// can report the file's other keys as unknown, with the nearest known key as a suggestion.
// table may be null (the section is absent): then every key keeps its default, and a missing
// required key is reported at pos, the position of the nearest enclosing table in the file.
class Loader {
 public:
  Loader(LoadContext& ctx, const toml::table* table, std::string path, toml::source_position pos)
      : ctx_(ctx), table_(table), path_(std::move(path)), pos_(pos) {}

  void text(std::string_view key, std::string& out, TextCheck check, FieldFlags flags) {
    const toml::node* node = take(key, flags);
    if (node == nullptr) {
      return;
    }
    const auto* value = node->as_string();
    if (value == nullptr) {
      wrong_type(key, *node, "a string");
      return;
    }
    const std::string& text = value->get();
    if (std::any_of(text.begin(), text.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      invalid(key, *node, "must not contain control characters");
      return;
    }
    if (check != nullptr) {
      if (std::string reason = check(text); !reason.empty()) {
        invalid(key, *node, std::move(reason));
        return;
      }
    }
    out = text;
  }

  void boolean(std::string_view key, bool& out, FieldFlags flags) {
    const toml::node* node = take(key, flags);
    if (node == nullptr) {
      return;
    }
    if (const auto* value = node->as_boolean(); value != nullptr) {
      out = value->get();
    } else {
      wrong_type(key, *node, "a boolean (true or false)");
    }
  }

  template <class Int>
  void integer(std::string_view key, Int& out, IntRange range, FieldFlags flags) {
    TICKPATH_ASSERT(std::in_range<Int>(range.min) && std::in_range<Int>(range.max),
                    "schema range does not fit the member's type");
    const toml::node* node = take(key, flags);
    if (node == nullptr) {
      return;
    }
    const auto* value = node->as_integer();
    if (value == nullptr) {
      wrong_type(key, *node, "an integer");
      return;
    }
    const std::int64_t v = value->get();
    const bool pow2_ok = !range.power_of_two || (v > 0 && (v & (v - 1)) == 0);
    if (v < range.min || v > range.max || !pow2_ok) {
      std::string what = range.power_of_two ? "must be a power of two" : "must be";
      if (range.max == std::numeric_limits<std::int64_t>::max()) {
        what += fmt::format(" at least {}", range.min);
      } else {
        what += fmt::format(" between {} and {}", range.min, range.max);
      }
      invalid(key, *node, fmt::format("out of range: {}, got {}", what, v));
      return;
    }
    out = static_cast<Int>(v);
  }

  template <class E, std::size_t N>
  void choice(std::string_view key, E& out, const std::array<EnumName<E>, N>& names, FieldFlags flags) {
    const toml::node* node = take(key, flags);
    if (node == nullptr) {
      return;
    }
    const auto* value = node->as_string();
    if (value == nullptr) {
      wrong_type(key, *node, "a string");
      return;
    }
    for (const auto& entry : names) {
      if (entry.name == value->get()) {
        out = entry.value;
        return;
      }
    }
    std::string accepted;
    for (const auto& entry : names) {
      accepted += (accepted.empty() ? "'" : ", '") + std::string(entry.name) + "'";
    }
    invalid(key, *node, fmt::format("unknown value '{}'; accepted values: {}", value->get(), accepted));
  }

  // A float, or an integer (TOML has no "2" vs "2.0" distinction a person would expect).
  void real(std::string_view key, double& out, RealRange range, FieldFlags flags) {
    const toml::node* node = take(key, flags);
    if (node == nullptr) {
      return;
    }
    double v = 0;
    if (const auto* f = node->as_floating_point(); f != nullptr) {
      v = f->get();
    } else if (const auto* i = node->as_integer(); i != nullptr) {
      v = static_cast<double>(i->get());
    } else {
      wrong_type(key, *node, "a number");
      return;
    }
    if (!(v >= range.min && v <= range.max)) {  // also rejects nan
      invalid(key, *node,
              fmt::format("out of range: must be between {} and {}, got {}", range.min, range.max, v));
      return;
    }
    out = v;
  }

  // An array of strings, each checked like text(); the path of a bad element is key[i].
  void text_list(std::string_view key, std::vector<std::string>& out, TextCheck check, FieldFlags flags) {
    const toml::array* array = take_array(key, flags, "an array of strings");
    if (array == nullptr) {
      return;
    }
    std::vector<std::string> values;
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const std::string path = fmt::format("{}[{}]", child_path(key), i);
      ctx_.note(path, position(element));
      const auto* value = element.as_string();
      if (value == nullptr) {
        ctx_.error(position(element), path,
                   fmt::format("expected a string, got {}", describe_type(element.type())));
        ok = false;
        continue;
      }
      const std::string& text = value->get();
      std::string reason;
      if (std::any_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        reason = "must not contain control characters";
      } else if (check != nullptr) {
        reason = check(text);
      }
      if (!reason.empty()) {
        ctx_.error(position(element), path, std::move(reason));
        ok = false;
        continue;
      }
      values.push_back(text);
    }
    if (ok) {
      out = std::move(values);
    }
  }

  // An array of enumerator names.
  template <class E, std::size_t N>
  void choice_list(std::string_view key, std::vector<E>& out, const std::array<EnumName<E>, N>& names,
                   FieldFlags flags) {
    const toml::array* array = take_array(key, flags, "an array of strings");
    if (array == nullptr) {
      return;
    }
    std::vector<E> values;
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const std::string path = fmt::format("{}[{}]", child_path(key), i);
      ctx_.note(path, position(element));
      const auto* value = element.as_string();
      if (value == nullptr) {
        ctx_.error(position(element), path,
                   fmt::format("expected a string, got {}", describe_type(element.type())));
        ok = false;
        continue;
      }
      const auto it = std::find_if(names.begin(), names.end(),
                                   [&](const EnumName<E>& entry) { return entry.name == value->get(); });
      if (it == names.end()) {
        std::string accepted;
        for (const auto& entry : names) {
          accepted += (accepted.empty() ? "'" : ", '") + std::string(entry.name) + "'";
        }
        ctx_.error(position(element), path,
                   fmt::format("unknown value '{}'; accepted values: {}", value->get(), accepted));
        ok = false;
        continue;
      }
      values.push_back(it->value);
    }
    if (ok) {
      out = std::move(values);
    }
  }

  // A string is taken as written. An integer is printed in decimal (exact). A float is taken from
  // the file's own text (underscores and a leading '+' removed) and kept only if it reads back as
  // the same double; otherwise, and for a float whose text cannot be located, the shortest text
  // that round-trips the double is used, which equals the written number whenever the number has
  // at most 15 significant digits. Quoting the value in the file always avoids the question.
  void increment(std::string_view key, IncrementConfig& out, FieldFlags flags) {
    const toml::node* node = take(key, flags);
    if (node == nullptr) {
      return;
    }
    std::string text;
    if (const auto* s = node->as_string(); s != nullptr) {
      text = s->get();
    } else if (const auto* i = node->as_integer(); i != nullptr) {
      text = std::to_string(i->get());
    } else if (const auto* f = node->as_floating_point(); f != nullptr) {
      text = float_text(*f);
    } else {
      wrong_type(key, *node, "a decimal string such as \"0.5\" or a number");
      return;
    }
    Increment value{};
    if (std::string reason = detail::parse_increment_text(text, value); !reason.empty()) {
      invalid(key, *node, std::move(reason));
      return;
    }
    out = IncrementConfig{.text = std::move(text), .value = value};
  }

  // The key must not appear; advice says what to do instead and never quotes the value.
  void forbidden(std::string_view key, std::string_view advice) {
    forbidden_.push_back(key);
    if (table_ == nullptr) {
      return;
    }
    if (const auto it = table_->find(key); it != table_->end()) {
      ctx_.error(key_position(it->first, it->second), child_path(key), std::string(advice));
    }
  }

  template <class T>
  void section(std::string_view key, T& out) {
    const toml::node* node = take(key, {});
    const toml::table* table = nullptr;
    toml::source_position pos = pos_;
    if (node != nullptr) {
      table = node->as_table();
      if (table == nullptr) {
        wrong_type(key, *node, "a table");
      } else if (has_position(node->source().begin)) {
        pos = node->source().begin;
      }
    }
    Loader child(ctx_, table, child_path(key), pos);
    detail::describe(child, out);
    child.finish();
    cross_check(child, std::as_const(out));
  }

  template <class T>
  void table_array(std::string_view key, std::vector<T>& out) {
    const toml::node* node = take(key, {});
    if (node == nullptr) {
      return;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
      wrong_type(key, *node, fmt::format("an array of tables ([[{}]])", key));
      return;
    }
    out.clear();
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& element = *array->get(i);
      const std::string path = fmt::format("{}[{}]", child_path(key), i);
      const auto* table = element.as_table();
      if (table == nullptr) {
        ctx_.error(position(element), path,
                   fmt::format("expected a table, got {}", describe_type(element.type())));
        continue;
      }
      T& item = out.emplace_back();
      Loader child(ctx_, table, path, has_position(element.source().begin) ? element.source().begin : pos_);
      detail::describe(child, item);
      child.finish();
      cross_check(child, std::as_const(item));
    }
  }

  // Reports the table's keys that the schema did not ask for.
  void finish() {
    if (table_ == nullptr) {
      return;
    }
    for (const auto& [k, v] : *table_) {
      const std::string_view name = k.str();
      if (std::find(known_.begin(), known_.end(), name) != known_.end() ||
          std::find(forbidden_.begin(), forbidden_.end(), name) != forbidden_.end()) {
        continue;
      }
      std::string message = "unknown key";
      if (const std::string_view near = suggest(name, known_); !near.empty()) {
        message += fmt::format(" (did you mean '{}'?)", near);
      } else {
        message += fmt::format(" (known keys here: {})", fmt::join(known_, ", "));
      }
      ctx_.error(key_position(k, v), child_path(name), std::move(message));
    }
  }

  // For cross_check: an error about a key given by its full dotted path, at the key's value (or,
  // if it is absent, at its table).
  void error_at(const std::string& path, std::string message) {
    const toml::source_position pos = ctx_.position_of(path);
    ctx_.error(has_position(pos) ? pos : pos_, path, std::move(message));
  }

  [[nodiscard]] std::string child_path(std::string_view key) const {
    return path_.empty() ? quote_key(key) : path_ + "." + quote_key(key);
  }

  [[nodiscard]] LoadContext& context() noexcept { return ctx_; }

 private:
  // Records key as known and returns its node, or nullptr when it is absent (reporting it if it
  // is required).
  const toml::node* take(std::string_view key, FieldFlags flags) {
    known_.push_back(key);
    const toml::node* node = table_ == nullptr ? nullptr : table_->get(key);
    const std::string path = child_path(key);
    ctx_.note(path, node == nullptr ? pos_ : position(*node));
    if (node == nullptr && flags.required) {
      ctx_.error(pos_, path, "missing required key");
    }
    return node;
  }

  const toml::array* take_array(std::string_view key, FieldFlags flags, std::string_view expected) {
    const toml::node* node = take(key, flags);
    if (node == nullptr) {
      return nullptr;
    }
    const auto* array = node->as_array();
    if (array == nullptr) {
      wrong_type(key, *node, expected);
    }
    return array;
  }

  void wrong_type(std::string_view key, const toml::node& node, std::string_view expected) {
    ctx_.error(position(node), child_path(key),
               fmt::format("expected {}, got {}", expected, describe_type(node.type())));
  }

  void invalid(std::string_view key, const toml::node& node, std::string message) {
    ctx_.error(position(node), child_path(key), std::move(message));
  }

  [[nodiscard]] toml::source_position position(const toml::node& node) const noexcept {
    return has_position(node.source().begin) ? node.source().begin : pos_;
  }

  [[nodiscard]] toml::source_position key_position(const toml::key& k, const toml::node& v) const noexcept {
    return has_position(k.source().begin) ? k.source().begin : position(v);
  }

  [[nodiscard]] std::string float_text(const toml::value<double>& f) const {
    std::string written;
    for (const char c : ctx_.text_of(f.source())) {
      if (c != '_') {
        written += c;
      }
    }
    if (!written.empty() && written.front() == '+') {
      written.erase(0, 1);
    }
    double reread = 0;
    const auto [end, ec] = std::from_chars(written.data(), written.data() + written.size(), reread);
    if (!written.empty() && ec == std::errc{} && end == written.data() + written.size() &&
        reread == f.get()) {
      return written;
    }
    char buffer[64];
    const auto result = std::to_chars(std::begin(buffer), std::end(buffer), f.get());
    return {std::begin(buffer), result.ptr};
  }

  LoadContext& ctx_;
  const toml::table* table_;
  std::string path_;
  toml::source_position pos_;
  std::vector<std::string_view> known_;  // schema keys are string literals
  std::vector<std::string_view> forbidden_;
};

void cross_check(Loader& loader, const ThreadConfig& thread) {
  if (thread.min_sleep_ns > thread.max_sleep_ns) {
    loader.error_at(
        loader.child_path("max_sleep_ns"),
        fmt::format("must be at least min_sleep_ns ({}), got {}", thread.min_sleep_ns, thread.max_sleep_ns));
  }
}

// A busy-spinning thread owns its CPU: anything pinned beside it only runs when the scheduler
// preempts the spinner, which wrecks the latency of both.
void cross_check(Loader& loader, const ThreadsConfig& threads) {
  const std::array<std::pair<std::string_view, const ThreadConfig*>, 3> all{{
      {"hot", &threads.hot},
      {"cold", &threads.cold},
      {"journal", &threads.journal},
  }};
  for (std::size_t j = 1; j < all.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      const ThreadConfig& a = *all[i].second;
      const ThreadConfig& b = *all[j].second;
      if (a.cpu < 0 || a.cpu != b.cpu) {
        continue;
      }
      if (a.idle == IdleKind::BusySpin || b.idle == IdleKind::BusySpin) {
        loader.error_at(
            loader.child_path(all[j].first) + ".cpu",
            fmt::format("CPU {} is also given to {}; a busy-spinning thread needs a CPU to itself", b.cpu,
                        loader.child_path(all[i].first)));
        break;
      }
    }
  }
}

void cross_check(Loader& loader, const MarketDataConfig& m) {
  for (std::size_t j = 1; j < m.feeds.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      if (m.feeds[i] == m.feeds[j]) {
        loader.error_at(fmt::format("{}[{}]", loader.child_path("feeds"), j),
                        fmt::format("'{}' is listed twice", to_string(m.feeds[j])));
      }
    }
  }
  if (m.feeds.empty()) {
    loader.error_at(loader.child_path("feeds"),
                    "must name at least one of 'book', 'trade', 'ticker', 'ticker_lite'");
  }
  const bool ticker = std::find(m.feeds.begin(), m.feeds.end(), MarketDataFeed::Ticker) != m.feeds.end();
  const bool lite = std::find(m.feeds.begin(), m.feeds.end(), MarketDataFeed::TickerLite) != m.feeds.end();
  if (ticker && lite) {
    loader.error_at(loader.child_path("feeds"),
                    "'ticker' and 'ticker_lite' carry the same prices; subscribe one of them");
  }
  if (m.backoff_max_ms < m.backoff_initial_ms) {
    loader.error_at(loader.child_path("backoff_max_ms"),
                    fmt::format("must be at least backoff_initial_ms ({}), got {}", m.backoff_initial_ms,
                                m.backoff_max_ms));
  }
}

// The switch must be re-armed before it fires, or every order would be cancelled each period; the
// cancel reserve must leave something for new orders.
void cross_check(Loader& loader, const GatewayConfig& g) {
  if (g.dms_timeout_s > 0 && g.dms_refresh_s >= g.dms_timeout_s) {
    loader.error_at(loader.child_path("dms_refresh_s"),
                    fmt::format("must be less than dms_timeout_s ({}) so that the dead man's switch is "
                                "re-armed before it fires, got {}",
                                g.dms_timeout_s, g.dms_refresh_s));
  }
  if (g.cancel_reserve >= g.rate_budget) {
    loader.error_at(loader.child_path("cancel_reserve"),
                    fmt::format("must be less than rate_budget ({}) so that new orders get some of the "
                                "budget, got {}",
                                g.rate_budget, g.cancel_reserve));
  }
}

// A quantity limit must be a whole number of lots: the risk check compares integer lots, and a
// limit between two lots would silently round one way or the other.
void check_on_size_grid(Loader& loader, const std::string& path, const std::string& text,
                        const InstrumentConfig& instrument) {
  if (text.empty()) {
    return;
  }
  const UnitsResult units = to_units(text, instrument.size_step.value);
  if (units.error == DecimalError::OffGrid) {
    loader.error_at(path, fmt::format("{} is not a multiple of size_step {} of {}", text,
                                      instrument.size_step.text, instrument.symbol));
  } else if (units.error != DecimalError::Ok) {
    loader.error_at(path, fmt::format("{} is too large: as lots of size_step {} of {} it does not fit "
                                      "in 64 bits",
                                      text, instrument.size_step.text, instrument.symbol));
  }
}

// [[risk]] against [[instruments]]: a known symbol, one entry per symbol, quantities on the grid.
void check_risk(Loader& loader, const EngineConfig& config) {
  for (std::size_t j = 0; j < config.risk.size(); ++j) {
    const RiskConfig& risk = config.risk[j];
    const std::string base = fmt::format("risk[{}]", j);
    if (risk.symbol.empty()) {
      continue;  // missing or invalid: already reported
    }
    const auto instrument =
        std::find_if(config.instruments.begin(), config.instruments.end(),
                     [&](const InstrumentConfig& i) { return iequals(i.symbol, risk.symbol); });
    if (instrument == config.instruments.end()) {
      loader.error_at(base + ".symbol", fmt::format("'{}' is not one of the [[instruments]]", risk.symbol));
      continue;
    }
    bool duplicate = false;
    for (std::size_t i = 0; i < j && !duplicate; ++i) {
      if (iequals(config.risk[i].symbol, risk.symbol)) {
        loader.error_at(base + ".symbol",
                        fmt::format("'{}' already has limits in risk[{}]; one [[risk]] per instrument "
                                    "(symbols are compared case-insensitively)",
                                    risk.symbol, i));
        duplicate = true;
      }
    }
    if (duplicate) {
      continue;
    }
    check_on_size_grid(loader, base + ".max_order_qty", risk.max_order_qty, *instrument);
    check_on_size_grid(loader, base + ".max_position", risk.max_position, *instrument);
  }
}

// Simulator rules that span keys: unique symbols and keys, a secret source per account, a
// reference price on each instrument's tick grid, a certificate with its key, a replay file.
void cross_check(Loader& loader, const SimConfig& sim) {
  for (std::size_t j = 0; j < sim.instruments.size(); ++j) {
    const SimInstrumentConfig& instrument = sim.instruments[j];
    const std::string base = fmt::format("{}[{}]", loader.child_path("instruments"), j);
    if (instrument.symbol.empty()) {
      continue;
    }
    try {
      (void)kind_from_symbol(instrument.symbol);
    } catch (const std::invalid_argument&) {
      loader.error_at(base + ".symbol",
                      "the simulator trades futures only: the symbol must start with PI_, FI_, PF_ or FF_");
    }
    for (std::size_t i = 0; i < j; ++i) {
      if (iequals(sim.instruments[i].symbol, instrument.symbol)) {
        loader.error_at(base + ".symbol", fmt::format("duplicate symbol '{}' (symbols are compared "
                                                      "case-insensitively)",
                                                      instrument.symbol));
        break;
      }
    }
    if (!instrument.reference_price.empty()) {
      const UnitsResult units = to_units(instrument.reference_price, instrument.tick_size.value);
      if (units.error != DecimalError::Ok || units.units <= 0) {
        loader.error_at(base + ".reference_price",
                        fmt::format("must be a positive price on the tick grid ({}), got '{}'",
                                    instrument.tick_size.text, instrument.reference_price));
      }
    }
  }
  for (std::size_t j = 0; j < sim.accounts.size(); ++j) {
    const SimAccountConfig& account = sim.accounts[j];
    const std::string base = fmt::format("{}[{}]", loader.child_path("accounts"), j);
    if (account.api_secret_env.empty() == account.api_secret_file.empty()) {
      loader.error_at(base + ".api_secret_env",
                      "set exactly one of api_secret_env and api_secret_file: the account's secret "
                      "comes from there");
    }
    for (std::size_t i = 0; i < j; ++i) {
      if (sim.accounts[i].api_key == account.api_key && !account.api_key.empty()) {
        loader.error_at(base + ".api_key",
                        fmt::format("the same API key as {}[{}]", loader.child_path("accounts"), i));
        break;
      }
      if (sim.accounts[i].name == account.name && !account.name.empty()) {
        loader.error_at(base + ".name", fmt::format("'{}' is already {}[{}].name", account.name,
                                                    loader.child_path("accounts"), i));
        break;
      }
    }
  }
  if (sim.cert_file.empty() != sim.key_file.empty()) {
    loader.error_at(loader.child_path(sim.cert_file.empty() ? "cert_file" : "key_file"),
                    "cert_file and key_file go together: give both, or neither to generate a certificate");
  }
  if (sim.market.kind == SimActivityKind::Replay && sim.market.replay_file.empty()) {
    loader.error_at(loader.child_path("market") + ".replay_file", "kind = \"replay\" needs a replay_file");
  }
}

void cross_check(Loader& loader, const EngineConfig& config) {
  const std::vector<std::string>& products = config.market_data.products;
  for (std::size_t j = 0; j < products.size(); ++j) {
    const std::string path = fmt::format("market_data.products[{}]", j);
    const bool known = std::any_of(config.instruments.begin(), config.instruments.end(),
                                   [&](const InstrumentConfig& i) { return iequals(i.symbol, products[j]); });
    if (!known) {
      loader.error_at(path, fmt::format("'{}' is not one of the [[instruments]]", products[j]));
      continue;
    }
    for (std::size_t i = 0; i < j; ++i) {
      if (iequals(products[i], products[j])) {
        loader.error_at(path, fmt::format("'{}' is already market_data.products[{}]; symbols are compared "
                                          "case-insensitively",
                                          products[j], i));
        break;
      }
    }
  }
  for (std::size_t j = 1; j < config.instruments.size(); ++j) {
    const std::string& symbol = config.instruments[j].symbol;
    for (std::size_t i = 0; i < j && !symbol.empty(); ++i) {
      if (!iequals(config.instruments[i].symbol, symbol)) {
        continue;
      }
      const std::string first = fmt::format("instruments[{}].symbol", i);
      const std::string dup = fmt::format("instruments[{}].symbol", j);
      loader.error_at(
          dup,
          fmt::format("duplicate symbol '{}': {} (line {}) is already '{}'; symbols are compared "
                      "case-insensitively",
                      symbol, first, loader.context().position_of(first).line, config.instruments[i].symbol));
      break;
    }
  }
  check_risk(loader, config);
}

// toml++ quotes some offending text in its messages. When the failing line assigns a credential,
// that text may be the credential, so only the position is reported.
bool assigns_credential(std::string_view document, std::uint32_t line_number) {
  std::size_t start = 0;
  for (std::uint32_t line = 1; line < line_number && start != std::string_view::npos; ++line) {
    start = document.find('\n', start);
    if (start != std::string_view::npos) {
      ++start;
    }
  }
  if (start == std::string_view::npos) {
    return false;
  }
  std::string_view line = document.substr(start, document.find('\n', start) - start);
  line = line.substr(0, line.find('='));
  std::string key;
  for (const char c : line) {
    if (c != ' ' && c != '\t' && c != '"' && c != '\'') {
      key += c;
    }
  }
  key = key.substr(key.rfind('.') == std::string::npos ? 0 : key.rfind('.') + 1);
  return key == "api_secret" || key == "api_key";
}

}  // namespace

EngineConfig load_config_string(std::string_view toml_text, std::string_view source_name) {
  LoadContext ctx(source_name, toml_text);
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& e) {
    const toml::source_position pos = e.source().begin;
    std::string message = assigns_credential(toml_text, pos.line)
                              ? "TOML syntax error in a line that sets a credential (details withheld so "
                                "that the value is not printed)"
                              : fmt::format("TOML syntax error: {}", e.description());
    ctx.error(pos, {}, std::move(message));
    throw ConfigError(ctx.take_issues());
  }

  EngineConfig config{.source = std::string(source_name)};
  Loader reader(ctx, &root, {},
                has_position(root.source().begin) ? root.source().begin : toml::source_position{1, 1});
  detail::describe(reader, config);
  reader.finish();
  cross_check(reader, std::as_const(config));

  if (std::vector<ConfigIssue> issues = ctx.take_issues(); !issues.empty()) {
    throw ConfigError(std::move(issues));
  }
  return config;
}

EngineConfig load_config_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError(
        ConfigIssue{.source = name, .message = "cannot read the config file: it is a directory"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    throw ConfigError(ConfigIssue{
        .source = name,
        .message = fmt::format("cannot open the config file: {}", std::generic_category().message(err))});
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    throw ConfigError(ConfigIssue{.source = name, .message = "cannot read the config file"});
  }
  return load_config_string(buffer.str(), name);
}

}  // namespace tickpath::config
