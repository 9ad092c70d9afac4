// EngineConfig -> TOML text, through the same schema the loader reads (detail/schema.hpp).

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "tickpath/config/load.hpp"
#include "tickpath/core/assert.hpp"

#include "config/detail/schema.hpp"

namespace tickpath::config {
namespace {

using detail::EnumName;
using detail::FieldFlags;
using detail::IntRange;
using detail::RealRange;
using detail::TextCheck;

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

// Writes one key per line. A table header is written before the first key of its section, so
// sections without keys of their own (threads) produce no header of their own.
class Printer {
 public:
  Printer() { levels_.push_back(Level{.header_written = true}); }

  void text(std::string_view key, const std::string& value, TextCheck /*check*/, FieldFlags flags) {
    line(key, toml_string(flags.redact && !value.empty() ? kRedacted : std::string_view(value)));
  }

  void boolean(std::string_view key, bool value, FieldFlags /*flags*/) {
    line(key, value ? "true" : "false");
  }

  template <class Int>
  void integer(std::string_view key, Int value, IntRange /*range*/, FieldFlags /*flags*/) {
    line(key, fmt::format("{}", value));
  }

  template <class E, std::size_t N>
  void choice(std::string_view key, E value, const std::array<EnumName<E>, N>& names, FieldFlags /*flags*/) {
    for (const auto& entry : names) {
      if (entry.value == value) {
        line(key, toml_string(entry.name));
        return;
      }
    }
    TICKPATH_ASSERT(false, "enumerator missing from the schema's name table");
  }

  // The shortest text that reads back as the same double, always with a '.' or an exponent so
  // that TOML reads it as a float.
  void real(std::string_view key, double value, RealRange /*range*/, FieldFlags /*flags*/) {
    std::string text = fmt::format("{}", value);
    if (text.find_first_of(".eEn") == std::string::npos) {
      text += ".0";
    }
    line(key, text);
  }

  void text_list(std::string_view key, const std::vector<std::string>& values, TextCheck /*check*/,
                 FieldFlags /*flags*/) {
    std::string text = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
      text += (i == 0 ? "" : ", ") + toml_string(values[i]);
    }
    line(key, text + "]");
  }

  template <class E, std::size_t N>
  void choice_list(std::string_view key, const std::vector<E>& values,
                   const std::array<EnumName<E>, N>& names, FieldFlags /*flags*/) {
    std::string text = "[";
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto it = std::find_if(names.begin(), names.end(),
                                   [&](const EnumName<E>& entry) { return entry.value == values[i]; });
      TICKPATH_ASSERT(it != names.end(), "enumerator missing from the schema's name table");
      text += (i == 0 ? "" : ", ") + toml_string(it == names.end() ? std::string_view("?") : it->name);
    }
    line(key, text + "]");
  }

  // Always quoted: the text is exact, and a string stays exact on the way back in.
  void increment(std::string_view key, const IncrementConfig& value, FieldFlags /*flags*/) {
    line(key, toml_string(value.text));
  }

  void forbidden(std::string_view /*key*/, std::string_view /*advice*/) {}

  template <class T>
  void section(std::string_view key, const T& value) {
    levels_.back().sealed = true;
    path_.push_back(key);
    levels_.push_back(Level{});
    detail::describe(*this, value);
    levels_.pop_back();
    path_.pop_back();
  }

  template <class T>
  void table_array(std::string_view key, const std::vector<T>& items) {
    levels_.back().sealed = true;
    path_.push_back(key);
    if (items.empty()) {
      out_ += fmt::format("\n# no [[{}]]\n", dotted());
    }
    for (const T& item : items) {
      out_ += fmt::format("\n[[{}]]\n", dotted());
      levels_.push_back(Level{.header_written = true});
      detail::describe(*this, item);
      levels_.pop_back();
    }
    path_.pop_back();
  }

  [[nodiscard]] std::string take() { return std::move(out_); }
  void comment(std::string_view text) { out_ += fmt::format("# {}\n", text); }

 private:
  struct Level {
    bool header_written{false};
    bool sealed{false};  // a sub-table was written: a key now would land inside it
  };

  void line(std::string_view key, std::string_view value) {
    Level& level = levels_.back();
    TICKPATH_ASSERT(!level.sealed, "schema lists a key after a sub-table of the same section");
    if (!level.header_written) {
      out_ += fmt::format("\n[{}]\n", dotted());
      level.header_written = true;
    }
    out_ += fmt::format("{} = {}\n", key, value);
  }

  [[nodiscard]] std::string dotted() const { return fmt::format("{}", fmt::join(path_, ".")); }

  std::string out_;
  std::vector<std::string_view> path_;
  std::vector<Level> levels_;
};

}  // namespace

std::string format_config(const EngineConfig& config) {
  Printer printer;
  std::string source;
  for (const char c : config.source) {
    source += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  printer.comment(fmt::format("Effective tickpath configuration, loaded from {}.",
                              source.empty() ? "<unnamed>" : source));
  printer.comment("Every key is shown, defaults included; venue.api_key is redacted when set.");
  detail::describe(printer, config);
  return printer.take();
}

}  // namespace tickpath::config
