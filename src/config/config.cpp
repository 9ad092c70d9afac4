#include "tickpath/config/config.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tickpath/config/error.hpp"

#include "config/detail/schema.hpp"

namespace tickpath::config {
namespace {

template <class E, std::size_t N>
std::string_view name_of(E value, const std::array<detail::EnumName<E>, N>& names) noexcept {
  for (const auto& entry : names) {
    if (entry.value == value) {
      return entry.name;
    }
  }
  return "unknown";
}

std::string join(const std::vector<ConfigIssue>& issues) {
  if (issues.empty()) {
    return "invalid configuration";
  }
  std::string text;
  for (const ConfigIssue& issue : issues) {
    if (!text.empty()) {
      text += '\n';
    }
    text += issue.to_string();
  }
  return text;
}

}  // namespace

std::string_view to_string(IdleKind kind) noexcept {
  return name_of(kind, detail::kIdleKindNames);
}

std::string_view to_string(VenueKind kind) noexcept {
  return name_of(kind, detail::kVenueKindNames);
}

std::string_view to_string(MarketDataFeed feed) noexcept {
  return name_of(feed, detail::kMarketDataFeedNames);
}

std::string_view to_string(UnknownOrdersPolicy policy) noexcept {
  return name_of(policy, detail::kUnknownOrdersPolicyNames);
}

std::string_view to_string(SimInvalidProductReply v) noexcept {
  return name_of(v, detail::kSimInvalidProductReplyNames);
}

std::string_view to_string(SimPrivateOrder v) noexcept {
  return name_of(v, detail::kSimPrivateOrderNames);
}

std::string_view to_string(SimNonceCheck v) noexcept {
  return name_of(v, detail::kSimNonceCheckNames);
}

std::string_view to_string(SimActivityKind v) noexcept {
  return name_of(v, detail::kSimActivityKindNames);
}

std::vector<SimInstrumentConfig> default_sim_instruments() {
  // Tick sizes and size steps as observed on production (protocol reference §3.2); reference
  // prices are round numbers of the right magnitude, not quotes.
  return {
      {.symbol = "PI_XBTUSD",
       .tick_size = make_increment("0.5"),
       .size_step = make_increment("1"),
       .reference_price = "65000"},
      {.symbol = "PF_XBTUSD",
       .tick_size = make_increment("1"),
       .size_step = make_increment("0.0001"),
       .reference_price = "65000"},
      {.symbol = "PI_ETHUSD",
       .tick_size = make_increment("0.05"),
       .size_step = make_increment("1"),
       .reference_price = "3200"},
      {.symbol = "PF_ETHUSD",
       .tick_size = make_increment("0.1"),
       .size_step = make_increment("0.001"),
       .reference_price = "3200"},
  };
}

IncrementConfig make_increment(std::string_view text) {
  IncrementConfig result{.text = std::string(text)};
  if (std::string reason = detail::parse_increment_text(text, result.value); !reason.empty()) {
    throw ConfigError(ConfigIssue{.message = "increment " + reason});
  }
  return result;
}

std::string ConfigIssue::to_string() const {
  std::string text;
  if (!source.empty()) {
    text += source;
    if (line != 0) {
      text += ':' + std::to_string(line) + ':' + std::to_string(column);
    }
    text += ": ";
  }
  if (!key.empty()) {
    text += key + ": ";
  }
  text += message;
  return text;
}

ConfigError::ConfigError(std::vector<ConfigIssue> issues)
    : std::runtime_error(join(issues)), issues_(std::move(issues)) {}

ConfigError::ConfigError(ConfigIssue issue) : ConfigError(std::vector<ConfigIssue>{std::move(issue)}) {}

}  // namespace tickpath::config
