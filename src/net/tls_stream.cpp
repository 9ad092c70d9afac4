#include "net/detail/tls_stream.hpp"

#include <cerrno>
#include <climits>
#include <stdexcept>
#include <sys/socket.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tickpath/core/clock.hpp"
#include "tickpath/net/tls_context.hpp"

namespace tickpath::net::detail {

using boost::system::error_code;

TlsStream::TlsStream(const executor_type& ex, Fd fd, SSL* ssl)
    : ex_(ex), fd_(std::move(fd)), ssl_(ssl), wr_buf_(new char[kMaxWrite]) {
  BIO* int_bio = nullptr;
  if (BIO_new_bio_pair(&int_bio, kBioBytes, &ext_bio_, kBioBytes) != 1) {
    SSL_free(ssl_);
    throw std::runtime_error("BIO_new_bio_pair: " + openssl_error_string());
  }
  SSL_set_bio(ssl_, int_bio, int_bio);  // one reference, owned by ssl_
}

TlsStream::~TlsStream() {
  // Pending handlers die before the SSL object they may refer to.
  hs_.reset();
  rd_.reset();
  wr_.reset();
  down_.reset();
  SSL_free(ssl_);
  BIO_free(ext_bio_);
}

void TlsStream::flush() noexcept {
  for (;;) {
    char* p = nullptr;
    const int avail = BIO_nread0(ext_bio_, &p);
    if (avail <= 0) {
      return;
    }
    const ssize_t sent = ::send(fd_.get(), p, static_cast<std::size_t>(avail), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent <= 0) {
      if (sent < 0 && !retry_later(errno) && !send_error_) {
        send_error_ = error_code(errno, boost::system::system_category());
      }
      return;
    }
    (void)BIO_nread(ext_bio_, &p, static_cast<int>(sent));
    if (sent < avail) {
      return;
    }
  }
}

int TlsStream::fill(error_code& ec) noexcept {
  char* p = nullptr;
  const int space = BIO_nwrite0(ext_bio_, &p);
  if (space <= 0) {
    return 0;  // OpenSSL has not consumed what it has; it will on the next step
  }
  const ssize_t got = ::recv(fd_.get(), p, static_cast<std::size_t>(space), MSG_DONTWAIT);
  if (got > 0) {
    last_recv_tsc_ = rdtsc();
    (void)BIO_nwrite(ext_bio_, &p, static_cast<int>(got));
    return static_cast<int>(got);
  }
  if (got == 0) {
    ec = boost::asio::error::eof;
    return -1;
  }
  if (retry_later(errno)) {
    return 0;
  }
  ec = error_code(errno, boost::system::system_category());
  return -1;
}

TlsStream::Io TlsStream::step(Op op, std::size_t& n, error_code& ec) noexcept {
  // Bounded: each turn either makes progress (bytes in or out) or returns.
  for (int turn = 0; turn < 8; ++turn) {
    ERR_clear_error();
    std::size_t done = 0;
    int r = 0;
    switch (op) {
      case Op::Handshake:
        r = SSL_do_handshake(ssl_);
        break;
      case Op::Read:
        r = SSL_read_ex(ssl_, rd_data_, rd_size_, &done);
        break;
      case Op::Write:
        r = SSL_write_ex(ssl_, wr_buf_.get(), wr_size_, &done);
        break;
    }
    if (r == 1) {
      n = done;
      flush();
      return Io::Done;
    }
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_WRITE:
        flush();
        if (BIO_ctrl_pending(ext_bio_) != 0) {
          return Io::Pending;  // the socket is full; retry on a later poll
        }
        continue;
      case SSL_ERROR_WANT_READ: {
        flush();
        if (recv_budget_ == 0) {
          return Io::Pending;
        }
        --recv_budget_;
        const int got = fill(ec);
        if (got > 0) {
          continue;
        }
        return got == 0 ? Io::Pending : Io::Failed;
      }
      case SSL_ERROR_ZERO_RETURN:
        ec = boost::asio::error::eof;  // close_notify
        return Io::Failed;
      case SSL_ERROR_SYSCALL:
      case SSL_ERROR_SSL:
      default: {
        flush();  // a fatal alert for the peer, if OpenSSL queued one
        const unsigned long e = ERR_get_error();
        ec = e != 0 ? error_code(static_cast<int>(e), boost::asio::error::get_ssl_category())
                    : error_code(boost::asio::error::connection_aborted);
        return Io::Failed;
      }
    }
  }
  return Io::Pending;
}

int TlsStream::poll() noexcept {
  recv_budget_ = 1;
  int work = 0;
  std::size_t n = 0;
  error_code ec;
  if (send_error_) {
    // A failed send() of queued ciphertext fails whatever is pending.
    for (HandlerSlot* slot : {&hs_, &wr_, &rd_, &down_}) {
      if (slot->armed()) {
        ++work;
        slot->complete(send_error_, 0);
      }
    }
    return work;
  }
  if (hs_.armed()) {
    const Io io = step(Op::Handshake, n, ec);
    if (io != Io::Pending) {
      verify_result_ = SSL_get_verify_result(ssl_);
      ++work;
      hs_.complete(io == Io::Done ? error_code{} : ec, 0);
    }
  }
  if (wr_.armed()) {
    const Io io = wr_size_ == 0 ? Io::Done : step(Op::Write, n, ec);
    if (io != Io::Pending) {
      ++work;
      wr_.complete(io == Io::Done ? error_code{} : ec, io == Io::Done ? n : 0);
    }
  }
  if (rd_.armed()) {
    n = 0;
    const Io io = rd_size_ == 0 ? Io::Done : step(Op::Read, n, ec);
    if (io != Io::Pending) {
      ++work;
      rd_.complete(io == Io::Done ? error_code{} : ec, io == Io::Done ? n : 0);
    }
  }
  if (down_.armed()) {
    shutdown_now();
    ++work;
    down_.complete({}, 0);
  }
  return work;
}

void TlsStream::shutdown_now() noexcept {
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);  // queues close_notify; we do not wait for the peer's
  flush();
  if (fd_.valid()) {
    (void)::shutdown(fd_.get(), SHUT_WR);
  }
}

void TlsStream::shutdown_both() noexcept {
  if (fd_.valid()) {
    (void)::shutdown(fd_.get(), SHUT_RDWR);
  }
}

}  // namespace tickpath::net::detail
