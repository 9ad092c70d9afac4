#pragma once
// Non-blocking socket plumbing for the polled transports (private to net): resolution that never
// blocks the calling thread, non-blocking connect, and an owning file descriptor.

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/socket.h>
#include <vector>

#include <boost/system/error_code.hpp>

namespace tickpath::net::detail {

static_assert(EAGAIN == EWOULDBLOCK, "Linux: one 'would block' errno");
// The errno of a non-blocking call that should simply be retried on a later poll.
[[nodiscard]] inline bool retry_later(int err) noexcept {
  return err == EAGAIN || err == EINTR;
}

class Fd {
 public:
  Fd() noexcept = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset(o.release());
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) noexcept;

 private:
  int fd_{-1};
};

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len{0};
};

// Resolves host:port without blocking the caller. IP literals are converted inline by start();
// names are resolved by getaddrinfo() on a short-lived detached helper thread that owns its job
// through a shared_ptr, so abandoning a slow lookup (timeout, session destroyed) is safe: the
// thread finishes on its own and frees the job. poll() is one acquire load.
class Resolver {
 public:
  enum class Status : std::uint8_t { Idle, Pending, Done, Failed };

  Resolver() = default;
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;
  ~Resolver() { cancel(); }

  // Cold: may allocate and start a thread. Returns the status after starting (Done for literals).
  Status start(const std::string& host, std::uint16_t port);
  [[nodiscard]] Status poll() noexcept;
  void cancel() noexcept;

  [[nodiscard]] const std::vector<Endpoint>& endpoints() const noexcept { return endpoints_; }
  [[nodiscard]] boost::system::error_code error() const noexcept { return error_; }
  // True when the last start() used the helper thread (a name, not a literal).
  [[nodiscard]] bool used_thread() const noexcept { return used_thread_; }

  struct Job;  // shared with the helper thread (socket_ops.cpp)

 private:
  std::shared_ptr<Job> job_;
  std::vector<Endpoint> endpoints_;
  boost::system::error_code error_;
  Status status_{Status::Idle};
  bool used_thread_{false};
};

// Creates a non-blocking TCP socket (TCP_NODELAY, close-on-exec) and starts connecting. Returns
// an invalid Fd and sets ec on immediate failure; otherwise the connection is in progress (or
// already established) and poll_connect() tells the outcome.
[[nodiscard]] Fd start_connect(const Endpoint& endpoint, boost::system::error_code& ec) noexcept;

enum class ConnectStatus : std::uint8_t { Pending, Connected, Failed };
// Zero-timeout poll(2) for writability, then SO_ERROR. Two syscalls per call while connecting
// (not the steady state).
[[nodiscard]] ConnectStatus poll_connect(int fd, boost::system::error_code& ec) noexcept;

}  // namespace tickpath::net::detail
