#include "net/detail/polled_socket.hpp"

#include <cerrno>
#include <sys/socket.h>

#include <boost/asio/error.hpp>

#include "tickpath/core/clock.hpp"

namespace tickpath::net::detail {

using boost::system::error_code;

int PolledSocket::poll() noexcept {
  int work = 0;
  if (wr_.armed()) {
    msghdr msg{};
    msg.msg_iov = wr_iov_;
    msg.msg_iovlen = wr_iovcnt_;
    const ssize_t n = wr_iovcnt_ == 0 ? 0 : ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      ++work;
      wr_.complete({}, static_cast<std::size_t>(n));
    } else if (!retry_later(errno)) {
      ++work;
      wr_.complete(error_code(errno, boost::system::system_category()), 0);
    }
  }
  if (rd_.armed()) {
    const ssize_t n = rd_size_ == 0 ? 0 : ::recv(fd_.get(), rd_data_, rd_size_, MSG_DONTWAIT);
    if (n > 0) {
      last_recv_tsc_ = rdtsc();
      ++work;
      rd_.complete({}, static_cast<std::size_t>(n));
    } else if (n == 0) {
      ++work;
      rd_.complete(rd_size_ == 0 ? error_code{} : error_code(boost::asio::error::eof), 0);
    } else if (!retry_later(errno)) {
      ++work;
      rd_.complete(error_code(errno, boost::system::system_category()), 0);
    }
  }
  if (down_.armed()) {
    ++work;
    down_.complete({}, 0);
  }
  return work;
}

void PolledSocket::shutdown_send() noexcept {
  if (fd_.valid()) {
    (void)::shutdown(fd_.get(), SHUT_WR);
  }
}

}  // namespace tickpath::net::detail

namespace tickpath::net::detail {

void PolledSocket::shutdown_both() noexcept {
  if (fd_.valid()) {
    (void)::shutdown(fd_.get(), SHUT_RDWR);
  }
}

}  // namespace tickpath::net::detail
