#include "tickpath/config/secrets.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace tickpath::config {
namespace {

constexpr std::size_t kMaxSecretFileBytes = 4096;

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

// Standard base64 alphabet, padded to a multiple of four (how Kraken issues secrets, §4.2).
bool is_base64(std::string_view text) noexcept {
  if (text.empty() || text.size() % 4 != 0) {
    return false;
  }
  std::size_t padding = 0;
  for (const char c : text) {
    const bool alphabet =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (c == '=') {
      ++padding;
    } else if (!alphabet || padding != 0) {
      return false;
    }
  }
  return padding <= 2;
}

// A heap buffer that is wiped when it goes away, for the raw bytes read from a secret file.
class WipedBuffer {
 public:
  explicit WipedBuffer(std::size_t size) : data_(std::make_unique_for_overwrite<char[]>(size)), size_(size) {}
  WipedBuffer(const WipedBuffer&) = delete;
  WipedBuffer& operator=(const WipedBuffer&) = delete;
  ~WipedBuffer() { explicit_bzero(data_.get(), size_); }

  [[nodiscard]] char* data() noexcept { return data_.get(); }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_;
};

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  [[nodiscard]] int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// The trimmed value of an environment variable; "" when unset. getenv races only with setenv,
// which nothing in tickpath calls once threads start; credentials are read before that.
std::string_view environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
  return value == nullptr ? std::string_view{} : trim(value);
}

ConfigIssue file_issue(std::string_view key, const std::string& path, std::string message) {
  return ConfigIssue{.source = path, .key = std::string(key), .message = std::move(message)};
}

// Opens first and checks the opened file (fstat), so the checks and the read see the same file.
// O_NONBLOCK keeps a FIFO from blocking the open; it is then rejected as not a regular file.
SecretString read_secret_file(std::string_view key, const std::string& path,
                              std::vector<ConfigIssue>& issues) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    const int err = errno;
    issues.push_back(file_issue(
        key, path, fmt::format("cannot open the API secret file: {}", std::generic_category().message(err))));
    return {};
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    issues.push_back(file_issue(
        key, path, fmt::format("cannot stat the API secret file: {}", std::generic_category().message(err))));
    return {};
  }
  const auto mode = static_cast<unsigned>(st.st_mode & 07777);
  if (!S_ISREG(st.st_mode)) {
    issues.push_back(file_issue(key, path, "the API secret file is not a regular file"));
    return {};
  }
  if (st.st_uid != ::geteuid()) {
    issues.push_back(file_issue(key, path,
                                fmt::format("the API secret file is owned by uid {}, not by the user "
                                            "running tickpath (uid {})",
                                            st.st_uid, ::geteuid())));
    return {};
  }
  if ((mode & 077U) != 0) {
    issues.push_back(file_issue(key, path,
                                fmt::format("the API secret file has mode {:04o}; it must not be accessible "
                                            "to group or others (chmod 600 or chmod 400)",
                                            mode)));
    return {};
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxSecretFileBytes) {
    issues.push_back(file_issue(key, path,
                                fmt::format("the API secret file is larger than {} bytes; it should hold "
                                            "only the secret",
                                            kMaxSecretFileBytes)));
    return {};
  }
  // One byte more than allowed, to notice a file that grew after fstat.
  WipedBuffer buffer(kMaxSecretFileBytes + 1);
  std::size_t size = 0;
  while (size <= kMaxSecretFileBytes) {
    const ssize_t n = ::read(fd.get(), buffer.data() + size, kMaxSecretFileBytes + 1 - size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int err = errno;
      issues.push_back(file_issue(
          key, path,
          fmt::format("cannot read the API secret file: {}", std::generic_category().message(err))));
      return {};
    }
    if (n == 0) {
      break;
    }
    size += static_cast<std::size_t>(n);
  }
  if (size > kMaxSecretFileBytes) {
    issues.push_back(file_issue(
        key, path, fmt::format("the API secret file is larger than {} bytes", kMaxSecretFileBytes)));
    return {};
  }
  const std::string_view secret = trim(std::string_view(buffer.data(), size));
  if (secret.empty()) {
    issues.push_back(file_issue(key, path, "the API secret file is empty"));
    return {};
  }
  return SecretString(secret);
}

// The API secret of `section` (e.g. "venue", "sim.accounts[0]"): the file `file` if set, else the
// environment variable `env`. Issues name <section>.api_secret_file / <section>.api_secret_env and
// never contain the secret.
SecretString read_api_secret(std::string_view section, const std::string& env, const std::string& file,
                             bool base64, std::vector<ConfigIssue>& issues) {
  const std::string file_key = fmt::format("{}.api_secret_file", section);
  const std::string env_key = fmt::format("{}.api_secret_env", section);
  SecretString secret;
  std::string where;
  if (!file.empty()) {
    where = "the file " + file;
    secret = read_secret_file(file_key, file, issues);
  } else if (const std::string_view value = env.empty() ? std::string_view{} : environment(env);
             !value.empty()) {
    where = "the environment variable " + env;
    secret = SecretString(value);
  } else {
    issues.push_back(ConfigIssue{
        .key = env_key,
        .message = env.empty()
                       ? fmt::format("no API secret: set {} or {}", env_key, file_key)
                       : fmt::format("no API secret: set the environment variable {} or {}", env, file_key)});
  }
  if (base64 && !secret.empty() && !is_base64(secret.reveal())) {
    issues.push_back(
        ConfigIssue{.key = file.empty() ? env_key : file_key,
                    .message = fmt::format("the API secret in {} is not base64 text; Kraken Futures "
                                           "secrets are base64, as issued with the key",
                                           where)});
  }
  return secret;
}

}  // namespace

SecretString::SecretString(std::string_view text) : size_(text.size()) {
  if (!text.empty()) {
    data_ = std::make_unique_for_overwrite<char[]>(text.size());
    std::memcpy(data_.get(), text.data(), text.size());
  }
}

SecretString::SecretString(SecretString&& other) noexcept
    : data_(std::move(other.data_)), size_(std::exchange(other.size_, 0)) {}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretString::~SecretString() {
  wipe();
}

std::string_view SecretString::redacted() const noexcept {
  return empty() ? "<empty>" : kRedacted;
}

void SecretString::wipe() noexcept {
  if (data_ != nullptr) {
    explicit_bzero(data_.get(), size_);
    data_.reset();
  }
  size_ = 0;
}

SecretString load_api_secret(std::string_view section, const std::string& env, const std::string& file) {
  std::vector<ConfigIssue> issues;
  SecretString secret = read_api_secret(section, env, file, true, issues);
  if (!issues.empty()) {
    throw ConfigError(std::move(issues));
  }
  return secret;
}

Credentials load_credentials(const VenueConfig& venue) {
  std::vector<ConfigIssue> issues;
  Credentials credentials;

  if (!venue.api_key.empty()) {
    credentials.api_key = std::string(trim(venue.api_key));
  } else if (const std::string_view env = environment(venue.api_key_env); !env.empty()) {
    credentials.api_key = std::string(env);
  } else {
    issues.push_back(ConfigIssue{
        .key = "venue.api_key_env",
        .message =
            fmt::format("no API key: set the environment variable {} or venue.api_key", venue.api_key_env)});
  }

  credentials.api_secret = read_api_secret("venue", venue.api_secret_env, venue.api_secret_file,
                                           venue.kind == VenueKind::KrakenFutures, issues);
  if (!issues.empty()) {
    throw ConfigError(std::move(issues));
  }
  return credentials;
}

}  // namespace tickpath::config
