// tests/config/secrets_test.cpp: include/tickpath/config/secrets.hpp.

#include "tickpath/config/secrets.hpp"

#include <cstdlib>  // setenv, unsetenv, mkdtemp (POSIX, declared by glibc)
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <catch2/catch.hpp>

#include "tickpath/config/load.hpp"

namespace tickpath::config {
namespace {

namespace fs = std::filesystem;

// A Kraken-shaped secret (base64 of 64 bytes, from the protocol reference's WebSocket example).
constexpr std::string_view kSecret =
    "7zxMEF5p/Z8l2p2U7Ghv6x14Af+Fx+92tPgUdVQ748FOIrEoT9bgT+bTRfXc5pz8na+hL/QdrCVG7bh9KpT0eMTm";

// A private directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tickpath-config-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }

  // Writes a file with the given permission bits and returns its path.
  [[nodiscard]] std::string write(std::string_view name, std::string_view content, fs::perms mode) const {
    const fs::path file = path_ / name;
    {
      std::ofstream out(file, std::ios::binary);
      out << content;
    }
    fs::permissions(file, mode, fs::perm_options::replace);
    return file.string();
  }

  [[nodiscard]] const fs::path& path() const noexcept { return path_; }

 private:
  fs::path path_;
};

// Sets an environment variable for the duration of a test.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    REQUIRE(::setenv(name_.c_str(), value.c_str(), 1) == 0);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }

 private:
  std::string name_;
};

constexpr fs::perms kOwnerRead = fs::perms::owner_read;
constexpr fs::perms kOwnerReadWrite = fs::perms::owner_read | fs::perms::owner_write;
constexpr fs::perms kWorldReadable = kOwnerReadWrite | fs::perms::group_read | fs::perms::others_read;

VenueConfig venue_with_env(std::string key_env, std::string secret_env) {
  return VenueConfig{.api_key_env = std::move(key_env), .api_secret_env = std::move(secret_env)};
}

// The message of the ConfigError load_credentials throws, or a test failure if it does not.
std::string credentials_error(const VenueConfig& venue) {
  try {
    (void)load_credentials(venue);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("expected a ConfigError");
  return {};
}

TEST_CASE("a SecretString shows its text only through reveal", "[config][secrets]") {
  static_assert(!std::is_copy_constructible_v<SecretString>);
  static_assert(!std::is_copy_assignable_v<SecretString>);
  static_assert(!std::is_convertible_v<SecretString, std::string_view>);
  const SecretString secret(kSecret);
  CHECK(secret.reveal() == kSecret);
  CHECK(secret.size() == kSecret.size());
  CHECK(secret.redacted() == "<redacted>");
  CHECK(SecretString().redacted() == "<empty>");
  CHECK(SecretString().reveal().empty());
}

TEST_CASE("moving a SecretString hands over the secret and empties the source", "[config][secrets]") {
  SecretString a(kSecret);
  SecretString b(std::move(a));
  CHECK(b.reveal() == kSecret);
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is the contract
  SecretString c("old");
  c = std::move(b);
  CHECK(c.reveal() == kSecret);
  CHECK(b.empty());  // NOLINT(bugprone-use-after-move)
}

TEST_CASE("credentials come from the environment variables the config names", "[config][secrets]") {
  const ScopedEnv key("TICKPATH_TEST_KEY_A", "  public-key-a\n");
  const ScopedEnv secret("TICKPATH_TEST_SECRET_A", std::string(kSecret) + "\n");
  const Credentials credentials =
      load_credentials(venue_with_env("TICKPATH_TEST_KEY_A", "TICKPATH_TEST_SECRET_A"));
  CHECK(credentials.api_key == "public-key-a");
  CHECK(credentials.api_secret.reveal() == kSecret);
}

TEST_CASE("an inline api_key takes precedence over the environment", "[config][secrets]") {
  const ScopedEnv key("TICKPATH_TEST_KEY_B", "from-env");
  const ScopedEnv secret("TICKPATH_TEST_SECRET_B", std::string(kSecret));
  VenueConfig venue = venue_with_env("TICKPATH_TEST_KEY_B", "TICKPATH_TEST_SECRET_B");
  venue.api_key = "inline-key";
  CHECK(load_credentials(venue).api_key == "inline-key");
}

TEST_CASE("a secret file with mode 0600 or 0400 is read and trimmed", "[config][secrets]") {
  const TempDir dir;
  const ScopedEnv key("TICKPATH_TEST_KEY_C", "key-c");
  VenueConfig venue = venue_with_env("TICKPATH_TEST_KEY_C", "TICKPATH_TEST_UNSET_C");

  venue.api_secret_file = dir.write("secret-0600", std::string(kSecret) + "\n", kOwnerReadWrite);
  CHECK(load_credentials(venue).api_secret.reveal() == kSecret);

  venue.api_secret_file = dir.write("secret-0400", kSecret, kOwnerRead);
  CHECK(load_credentials(venue).api_secret.reveal() == kSecret);
}

TEST_CASE("a secret file takes precedence over the secret environment variable", "[config][secrets]") {
  const TempDir dir;
  const ScopedEnv key("TICKPATH_TEST_KEY_D", "key-d");
  const ScopedEnv secret("TICKPATH_TEST_SECRET_D", "ZW52LXNlY3JldA==");
  VenueConfig venue = venue_with_env("TICKPATH_TEST_KEY_D", "TICKPATH_TEST_SECRET_D");
  venue.api_secret_file = dir.write("secret", kSecret, kOwnerReadWrite);
  CHECK(load_credentials(venue).api_secret.reveal() == kSecret);
}

TEST_CASE(
    "a secret file readable by group or others is rejected, naming the file and mode but not the content",
    "[config][secrets]") {
  const TempDir dir;
  const ScopedEnv key("TICKPATH_TEST_KEY_E", "key-e");
  VenueConfig venue = venue_with_env("TICKPATH_TEST_KEY_E", "TICKPATH_TEST_UNSET_E");
  venue.api_secret_file = dir.write("secret", kSecret, kWorldReadable);
  const std::string message = credentials_error(venue);
  CHECK(message ==
        venue.api_secret_file +
            ": venue.api_secret_file: the API secret file has mode 0644; it must not be accessible to "
            "group or others (chmod 600 or chmod 400)");
  CHECK(message.find(kSecret.substr(0, 8)) == std::string::npos);

  venue.api_secret_file = dir.write("secret-0640", kSecret, kOwnerReadWrite | fs::perms::group_read);
  CHECK_THAT(credentials_error(venue), Catch::Contains("has mode 0640"));
}

TEST_CASE("a missing, empty or non-regular secret file is an error naming the file", "[config][secrets]") {
  const TempDir dir;
  const ScopedEnv key("TICKPATH_TEST_KEY_F", "key-f");
  VenueConfig venue = venue_with_env("TICKPATH_TEST_KEY_F", "TICKPATH_TEST_UNSET_F");

  venue.api_secret_file = (dir.path() / "absent").string();
  CHECK(credentials_error(venue) ==
        venue.api_secret_file +
            ": venue.api_secret_file: cannot open the API secret file: No such file or "
            "directory");

  venue.api_secret_file = dir.write("empty", "\n", kOwnerReadWrite);
  CHECK(credentials_error(venue) ==
        venue.api_secret_file + ": venue.api_secret_file: the API secret file is empty");

  venue.api_secret_file = dir.path().string();
  CHECK(credentials_error(venue) ==
        venue.api_secret_file + ": venue.api_secret_file: the API secret file is not a regular file");
}

TEST_CASE("missing credentials are an error only when they are asked for", "[config][secrets]") {
  const EngineConfig config = load_config_string(
      "[venue]\napi_key_env = \"TICKPATH_TEST_UNSET_KEY_G\"\napi_secret_env = "
      "\"TICKPATH_TEST_UNSET_SECRET_G\"\n",
      "md-only.toml");
  CHECK(credentials_error(config.venue) ==
        "venue.api_key_env: no API key: set the environment variable TICKPATH_TEST_UNSET_KEY_G or "
        "venue.api_key\n"
        "venue.api_secret_env: no API secret: set the environment variable TICKPATH_TEST_UNSET_SECRET_G or "
        "venue.api_secret_file");
}

TEST_CASE("a secret that is not base64 is rejected without being quoted", "[config][secrets]") {
  const ScopedEnv key("TICKPATH_TEST_KEY_H", "key-h");
  const ScopedEnv secret("TICKPATH_TEST_SECRET_H", "not base64 at all!");
  const std::string message =
      credentials_error(venue_with_env("TICKPATH_TEST_KEY_H", "TICKPATH_TEST_SECRET_H"));
  CHECK(
      message ==
      "venue.api_secret_env: the API secret in the environment variable TICKPATH_TEST_SECRET_H is not base64 "
      "text; Kraken Futures secrets are base64, as issued with the key");
  CHECK(message.find("at all") == std::string::npos);
}

TEST_CASE("load_api_secret reads a secret by the same rules and names the section's own keys",
          "[config][secrets]") {
  const auto error = [](const std::string& env, const std::string& file) {
    try {
      (void)load_api_secret("sim.accounts[1]", env, file);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const ScopedEnv secret("TICKPATH_TEST_SECRET_S", std::string(kSecret));
  CHECK(load_api_secret("sim.accounts[0]", "TICKPATH_TEST_SECRET_S", "").reveal() == kSecret);
  const TempDir dir;
  const std::string file = dir.write("sim-secret", kSecret, kOwnerReadWrite);
  CHECK(load_api_secret("sim.accounts[0]", "", file).reveal() == kSecret);

  CHECK(
      error("TICKPATH_TEST_UNSET_S", "") ==
      "sim.accounts[1].api_secret_env: no API secret: set the environment variable TICKPATH_TEST_UNSET_S or "
      "sim.accounts[1].api_secret_file");
  CHECK(error("", "") ==
        "sim.accounts[1].api_secret_env: no API secret: set sim.accounts[1].api_secret_env or "
        "sim.accounts[1].api_secret_file");
  const std::string open_file = dir.write("sim-open", kSecret, kWorldReadable);
  CHECK_THAT(error("", open_file),
             Catch::Contains("sim.accounts[1].api_secret_file: the API secret file has mode"));
  const ScopedEnv bad("TICKPATH_TEST_SECRET_T", "not base64 at all!");
  CHECK_THAT(error("TICKPATH_TEST_SECRET_T", ""),
             Catch::StartsWith("sim.accounts[1].api_secret_env: the API secret in the environment variable "
                               "TICKPATH_TEST_SECRET_T is not base64"));
}

TEST_CASE("no error message ever contains the secret", "[config][secrets]") {
  const std::string secret = "U2VjcmV0U2VjcmV0U2VjcmV0";  // distinctive base64
  const TempDir dir;
  std::string all;
  const auto collect = [&all](const auto& load) {
    try {
      load();
    } catch (const ConfigError& e) {
      all += e.what();
      all += '\n';
      return;
    }
    FAIL("expected a ConfigError");
  };

  collect([&] { (void)load_config_string("[venue]\napi_secret = \"" + secret + "\"\n", "a.toml"); });
  collect([&] { (void)load_config_string("api_secret = \"" + secret + "\"\n", "b.toml"); });
  collect([&] { (void)load_config_string("[venue]\napi_secret = \"" + secret + "\n", "c.toml"); });
  collect([&] { (void)load_config_string("[venue]\napi_secret = " + secret + "\n", "d.toml"); });
  collect([&] { (void)load_config_string("[venue]\napi_key = \"" + secret + "\" x\n", "e.toml"); });
  collect([&] { (void)load_config_string("[venue.api_secret]\nvalue = \"" + secret + "\"\n", "f.toml"); });
  collect([&] {
    VenueConfig venue = venue_with_env("TICKPATH_TEST_UNSET_KEY_I", "TICKPATH_TEST_UNSET_SECRET_I");
    venue.api_secret_file = dir.write("open", secret, kWorldReadable);
    (void)load_credentials(venue);
  });
  collect([&] {
    const ScopedEnv bad("TICKPATH_TEST_SECRET_I", secret + "!");
    (void)load_credentials(venue_with_env("TICKPATH_TEST_UNSET_KEY_I", "TICKPATH_TEST_SECRET_I"));
  });
  INFO(all);
  CHECK(all.find(secret.substr(0, 12)) == std::string::npos);
  CHECK(all.find("api_secret") != std::string::npos);
}

TEST_CASE("the printed config never contains the api_key", "[config][secrets]") {
  EngineConfig config{.source = "p.toml"};
  config.venue.api_key = "AKIA-PUBLIC-7";
  config.venue.api_secret_file = "/run/secrets/kraken";
  const std::string printed = format_config(config);
  CHECK(printed.find("AKIA-PUBLIC-7") == std::string::npos);
  CHECK_THAT(printed, Catch::Contains("api_key = \"<redacted>\""));
  CHECK_THAT(printed, Catch::Contains("api_secret_file = \"/run/secrets/kraken\""));
  CHECK(printed.find("api_secret =") == std::string::npos);
}

}  // namespace
}  // namespace tickpath::config
