#include "net/detail/socket_ops.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <thread>
#include <unistd.h>

#include <boost/asio/error.hpp>

namespace tickpath::net::detail {

namespace asio = boost::asio;
using boost::system::error_code;

void Fd::reset(int fd) noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
  }
  fd_ = fd;
}

struct Resolver::Job {
  std::string host;
  std::uint16_t port{0};
  std::vector<Endpoint> result;  // written by the helper before `done`
  int gai_error{0};
  std::atomic<bool> done{false};
};

namespace {

bool literal_endpoint(const std::string& host, std::uint16_t port, Endpoint& out) noexcept {
  sockaddr_in v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    std::memcpy(&out.addr, &v4, sizeof(v4));
    out.len = sizeof(v4);
    return true;
  }
  sockaddr_in6 v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    std::memcpy(&out.addr, &v6, sizeof(v6));
    out.len = sizeof(v6);
    return true;
  }
  return false;
}

error_code gai_error_code(int gai) noexcept {
  switch (gai) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
      return asio::error::host_not_found;
    case EAI_AGAIN:
      return asio::error::host_not_found_try_again;
    case EAI_SERVICE:
      return asio::error::service_not_found;
    default:
      return asio::error::no_recovery;
  }
}

void run_job(const std::shared_ptr<Resolver::Job>& job);

}  // namespace

Resolver::Status Resolver::start(const std::string& host, std::uint16_t port) {
  cancel();
  endpoints_.clear();
  error_ = {};
  used_thread_ = false;
  Endpoint ep;
  if (literal_endpoint(host, port, ep)) {
    endpoints_.push_back(ep);
    return status_ = Status::Done;
  }
  auto job = std::make_shared<Job>();
  job->host = host;
  job->port = port;
  try {
    std::thread([job] { run_job(job); }).detach();
  } catch (const std::system_error& e) {
    error_ = e.code();
    return status_ = Status::Failed;
  }
  job_ = std::move(job);
  used_thread_ = true;
  return status_ = Status::Pending;
}

Resolver::Status Resolver::poll() noexcept {
  if (status_ != Status::Pending || !job_->done.load(std::memory_order_acquire)) {
    return status_;
  }
  if (job_->gai_error != 0) {
    error_ = gai_error_code(job_->gai_error);
    status_ = Status::Failed;
  } else if (job_->result.empty()) {
    error_ = asio::error::host_not_found;
    status_ = Status::Failed;
  } else {
    endpoints_.swap(job_->result);
    status_ = Status::Done;
  }
  job_.reset();
  return status_;
}

void Resolver::cancel() noexcept {
  job_.reset();  // the helper thread keeps its own reference and drops it when done
  status_ = Status::Idle;
}

namespace {

void run_job(const std::shared_ptr<Resolver::Job>& job) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(job->port);
  job->gai_error = ::getaddrinfo(job->host.c_str(), service.c_str(), &hints, &list);
  if (job->gai_error == 0) {
    for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
      if (ai->ai_addrlen <= sizeof(sockaddr_storage)) {
        Endpoint ep;
        std::memcpy(&ep.addr, ai->ai_addr, ai->ai_addrlen);
        ep.len = ai->ai_addrlen;
        job->result.push_back(ep);
      }
    }
    ::freeaddrinfo(list);
  }
  job->done.store(true, std::memory_order_release);
}

}  // namespace

Fd start_connect(const Endpoint& endpoint, error_code& ec) noexcept {
  ec = {};
  Fd fd(::socket(endpoint.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (!fd.valid()) {
    ec = error_code(errno, boost::system::system_category());
    return fd;
  }
  const int one = 1;
  // Latency over throughput: frames and orders go out as soon as they are written.
  (void)::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&endpoint.addr), endpoint.len) != 0 &&
      errno != EINPROGRESS) {
    ec = error_code(errno, boost::system::system_category());
    fd.reset();
  }
  return fd;
}

ConnectStatus poll_connect(int fd, error_code& ec) noexcept {
  pollfd p{fd, POLLOUT, 0};
  const int r = ::poll(&p, 1, 0);
  if (r == 0) {
    return ConnectStatus::Pending;
  }
  if (r < 0) {
    if (errno == EINTR) {
      return ConnectStatus::Pending;
    }
    ec = error_code(errno, boost::system::system_category());
    return ConnectStatus::Failed;
  }
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
    err = errno;
  }
  if (err != 0) {
    ec = error_code(err, boost::system::system_category());
    return ConnectStatus::Failed;
  }
  return ConnectStatus::Connected;
}

}  // namespace tickpath::net::detail
