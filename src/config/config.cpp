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
