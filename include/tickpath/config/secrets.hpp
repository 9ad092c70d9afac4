#pragma once
// Venue credentials, kept out of the config file (STYLE B1.12). Start-up only.

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "tickpath/config/config.hpp"
#include "tickpath/config/error.hpp"

namespace tickpath::config {

// A secret held in one heap buffer that is wiped (explicit_bzero) when it is destroyed or
// assigned over. Move-only, so the text is never copied behind your back; moving hands over the
// buffer. There is no stream or fmt formatter: printing one must be a deliberate reveal().
// Not wiped: copies the caller makes of reveal(), and the process environment a secret was read
// from (the environment cannot be scrubbed safely once other threads may exist).
class SecretString {
 public:
  SecretString() noexcept = default;
  explicit SecretString(std::string_view text);
  SecretString(SecretString&& other) noexcept;
  SecretString& operator=(SecretString&& other) noexcept;
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  ~SecretString();

  // The secret itself; valid until this object is destroyed or assigned to.
  [[nodiscard]] std::string_view reveal() const noexcept { return {data_.get(), size_}; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  // Safe to log: "<redacted>", or "<empty>" when there is no secret.
  [[nodiscard]] std::string_view redacted() const noexcept;

  friend std::ostream& operator<<(std::ostream&, const SecretString&) = delete;

 private:
  void wipe() noexcept;

  std::unique_ptr<char[]> data_{};
  std::size_t size_{0};
};

struct Credentials {
  std::string api_key{};      // public key id, sent as the APIKey header; not a secret, not logged
  SecretString api_secret{};  // base64 text as issued by Kraken
};

// Reads the credentials for venue; leading and trailing ASCII whitespace is trimmed from both.
//   API key:    venue.api_key if set, else the environment variable named by venue.api_key_env.
//   API secret: the file venue.api_secret_file if set (then the environment is not consulted),
//               else the environment variable named by venue.api_secret_env.
// The secret file must be a regular file owned by the effective user with no group or other
// permission bits (mode 0600 or 0400), at most 4 KiB. For Kraken Futures the secret must be
// base64 text. Throws ConfigError when anything is missing or wrong; messages name the variable or
// file (and the file's mode) but never contain the secret. Market-data-only runs never call this.
[[nodiscard]] Credentials load_credentials(const VenueConfig& venue);

// A base64 API secret by the same rules, for a section other than [venue] (the simulator's
// [[sim.accounts]]): the file `file` if set, else the environment variable `env`. Errors name
// <section>.api_secret_file / <section>.api_secret_env, e.g. "sim.accounts[0].api_secret_env".
[[nodiscard]] SecretString load_api_secret(std::string_view section, const std::string& env,
                                           const std::string& file);

}  // namespace tickpath::config
