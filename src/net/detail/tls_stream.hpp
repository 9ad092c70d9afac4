#pragma once
// The TLS polled transport (private to net): OpenSSL over a BIO pair, on a non-blocking socket,
// driven by poll(). Asio's ssl::stream is not used because its stream_core owns two steady_timers
// (pending_read_/pending_write_) that serialise concurrent reads and writes with async_wait():
// they would install a reactor into the polled io_context (an epoll_wait per poll) or, moved to
// a never-run context, could hang an operation. Driving OpenSSL directly is ~200 lines and gives
// exact control of the syscalls:
//
//   poll(): [flush ciphertext: send() only if OpenSSL produced output]
//           handshake / write / read step: SSL_* on the pair; when OpenSSL wants input, at most
//           ONE recv() per poll() straight into the pair's input ring (BIO_nwrite0), stamped
//           with the TSC when it returned bytes.
//
// In the steady state (frames arriving, nothing to send) a poll() is exactly one recv().
// The handshake verifies the peer (TlsContext: always on); verify_result() says why it failed.
// One thread (the session's) only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/role.hpp>

#include "net/detail/handler_slot.hpp"
#include "net/detail/polled_socket.hpp"
#include "net/detail/socket_ops.hpp"

using SSL = struct ssl_st;
using BIO = struct bio_st;

namespace tickpath::net::detail {

class TlsStream {
 public:
  using executor_type = PolledExecutor;
  static constexpr std::size_t kMaxWrite = 16 * 1024;  // one TLS record of plaintext
  static constexpr std::size_t kBioBytes = 64 * 1024;  // each direction of the BIO pair

  // Adopts fd and ssl (from TlsContext::new_client_session). Throws std::runtime_error when
  // the BIO pair cannot be created (ssl is freed then too).
  TlsStream(const executor_type& ex, Fd fd, SSL* ssl);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  [[nodiscard]] executor_type get_executor() const noexcept { return ex_; }

  // Handler: void(error_code). Verification failures complete with the ssl category's
  // "certificate verify failed"; verify_result() holds the X509_V_ERR_* reason.
  template <typename Handler>
  void async_handshake(Handler&& handler) {
    hs_.emplace([h = std::forward<Handler>(handler)](boost::system::error_code ec, std::size_t) mutable {
      std::move(h)(ec);
    });
  }

  template <typename MutableBuffers, typename Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    rd_data_ = nullptr;
    rd_size_ = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::mutable_buffer b(*it);
      if (b.size() != 0) {
        rd_data_ = b.data();
        rd_size_ = b.size();
        break;
      }
    }
    rd_.emplace(std::forward<Handler>(handler));
  }

  // Stages up to kMaxWrite bytes of the sequence (one SSL_write, so a websocket frame header and
  // its payload share a TLS record).
  template <typename ConstBuffers, typename Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    wr_size_ = boost::asio::buffer_copy(boost::asio::buffer(wr_buf_.get(), kMaxWrite), buffers);
    wr_.emplace(std::forward<Handler>(handler));
  }

  template <typename Handler>
  void async_teardown(Handler&& handler) {
    down_.emplace([h = std::forward<Handler>(handler)](boost::system::error_code ec, std::size_t) mutable {
      std::move(h)(ec);
    });
  }

  // Returns the number of handlers run.
  int poll() noexcept;

  [[nodiscard]] std::uint64_t last_recv_tsc() const noexcept { return last_recv_tsc_; }
  [[nodiscard]] long verify_result() const noexcept { return verify_result_; }
  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }
  // Queues close_notify, flushes what the socket takes, half-closes. No waiting.
  void shutdown_now() noexcept;
  // Both directions, without close_notify (Beast's close_socket): reads see EOF.
  void shutdown_both() noexcept;

 private:
  enum class Op : std::uint8_t { Handshake, Read, Write };
  enum class Io : std::uint8_t { Done, Pending, Failed };

  Io step(Op op, std::size_t& n, boost::system::error_code& ec) noexcept;
  int fill(boost::system::error_code& ec) noexcept;  // one recv(): >0 bytes, 0 would block, <0 error
  void flush() noexcept;                             // send() pending ciphertext, if any

  executor_type ex_;
  Fd fd_;
  SSL* ssl_{nullptr};
  BIO* ext_bio_{nullptr};  // our end of the pair; OpenSSL owns the other end
  HandlerSlot hs_;
  HandlerSlot rd_;
  HandlerSlot wr_;
  HandlerSlot down_;
  void* rd_data_{nullptr};
  std::size_t rd_size_{0};
  std::unique_ptr<char[]> wr_buf_;
  std::size_t wr_size_{0};
  int recv_budget_{0};
  boost::system::error_code send_error_;
  std::uint64_t last_recv_tsc_{0};
  long verify_result_{0};
};

template <typename Handler>
void async_teardown(boost::beast::role_type /*role*/, TlsStream& stream, Handler&& handler) {
  stream.async_teardown(std::forward<Handler>(handler));
}

inline void beast_close_socket(TlsStream& stream) noexcept {
  stream.shutdown_both();
}

inline void teardown(boost::beast::role_type /*role*/, TlsStream& stream, boost::system::error_code& ec) {
  stream.shutdown_now();
  ec = {};
}

}  // namespace tickpath::net::detail
