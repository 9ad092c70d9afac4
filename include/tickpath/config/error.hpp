#pragma once
// Start-up errors of the config component (STYLE B1.6a): thrown by the loader and by
// load_credentials, caught once in main, printed, exit non-zero.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tickpath::config {

// One problem, located: "config/sim.toml:12:7: threads.hot.cpu: expected an integer, got a string".
// Parts that are unknown are left out of the text (line 0 = no position, empty key = no key).
// Messages never contain the value of a credential.
struct ConfigIssue {
  std::string source{};     // file name, or the name given to load_config_string
  std::uint32_t line{0};    // 1-based
  std::uint32_t column{0};  // 1-based, in Unicode code points (as toml++ counts)
  std::string key{};        // full dotted key, e.g. "instruments[1].tick_size"
  std::string message{};

  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const ConfigIssue&, const ConfigIssue&) = default;
};

// Every problem found in one pass, in file order. what() is one issue per line.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigIssue> issues);
  explicit ConfigError(ConfigIssue issue);

  [[nodiscard]] const std::vector<ConfigIssue>& issues() const noexcept { return issues_; }

 private:
  std::vector<ConfigIssue> issues_;
};

}  // namespace tickpath::config
