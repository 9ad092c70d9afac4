#pragma once
// The plain-TCP polled transport (private to net): an Asio AsyncReadStream + AsyncWriteStream over
// a non-blocking socket, driven by poll() instead of a reactor.
//
// async_read_some()/async_write_some() only record the buffers and store the handler (no
// syscall, no completion inside the initiating function). poll() then makes at most one
// sendmsg() for a pending write and at most one recv() for a pending read, straight into the
// caller's buffer, and runs the handler when bytes moved (or on error/EOF). It stamps the TSC
// when recv() returned bytes: that is the arrival time handed up with every websocket frame.
// One thread (the session's) only.

#include <cstddef>
#include <cstdint>
#include <sys/uio.h>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/role.hpp>

#include "net/detail/handler_slot.hpp"
#include "net/detail/polled_executor.hpp"
#include "net/detail/socket_ops.hpp"

namespace tickpath::net::detail {

using PolledExecutor = BasicPolledExecutor<boost::asio::io_context::executor_type>;

class PolledSocket {
 public:
  using executor_type = PolledExecutor;
  static constexpr std::size_t kMaxIov = 16;

  PolledSocket(const executor_type& ex, Fd fd) noexcept : ex_(ex), fd_(std::move(fd)) {}
  PolledSocket(const PolledSocket&) = delete;
  PolledSocket& operator=(const PolledSocket&) = delete;

  [[nodiscard]] executor_type get_executor() const noexcept { return ex_; }

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

  template <typename ConstBuffers, typename Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    wr_iovcnt_ = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && wr_iovcnt_ < kMaxIov; ++it) {
      const boost::asio::const_buffer b(*it);
      if (b.size() != 0) {
        wr_iov_[wr_iovcnt_++] = iovec{const_cast<void*>(b.data()), b.size()};
      }
    }
    wr_.emplace(std::forward<Handler>(handler));
  }

  // One sendmsg() if a write is pending, one recv() if a read is pending, then a pending
  // teardown completes. Returns the number of handlers run.
  int poll() noexcept;

  // The TSC when the last recv() returned bytes.
  [[nodiscard]] std::uint64_t last_recv_tsc() const noexcept { return last_recv_tsc_; }
  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }

  // Websocket teardown (found by Beast through ADL): half-close our side and complete on the
  // next poll(). The session destroys the stream right after, which closes the descriptor.
  template <typename Handler>
  void async_teardown(Handler&& handler) {
    shutdown_send();
    down_.emplace([h = std::forward<Handler>(handler)](boost::system::error_code ec, std::size_t) mutable {
      std::move(h)(ec);
    });
  }
  void shutdown_send() noexcept;
  // Both directions: pending and later reads see EOF. The descriptor stays open (and its number
  // reserved) until the stream is destroyed.
  void shutdown_both() noexcept;

 private:
  executor_type ex_;
  Fd fd_;
  HandlerSlot rd_;
  HandlerSlot wr_;
  HandlerSlot down_;
  void* rd_data_{nullptr};
  std::size_t rd_size_{0};
  iovec wr_iov_[kMaxIov]{};
  std::size_t wr_iovcnt_{0};
  std::uint64_t last_recv_tsc_{0};
};

template <typename Handler>
void async_teardown(boost::beast::role_type /*role*/, PolledSocket& socket, Handler&& handler) {
  socket.async_teardown(std::forward<Handler>(handler));
}

// Beast's "close the socket now" customization point (used when a close handshake fails).
inline void beast_close_socket(PolledSocket& socket) noexcept {
  socket.shutdown_both();
}

inline void teardown(boost::beast::role_type /*role*/, PolledSocket& socket, boost::system::error_code& ec) {
  socket.shutdown_send();
  ec = {};
}

}  // namespace tickpath::net::detail
