#include "net/ws_test_server.hpp"

// Same GCC 12 diagnostics in Asio code as in src/net/ws_session.cpp (tsan preset only): a
// -Wnull-dereference false positive in io_context's executor operator== and -Wtsan for Asio's
// fences. Third-party code; silenced for this translation unit only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#pragma GCC diagnostic ignored "-Wtsan"
#endif

#include <cstdlib>
#include <netinet/in.h>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "tickpath/net/tls_cert.hpp"

namespace tickpath::net::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WsTestServer::Impl {
  WsTestServer& owner;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> tls;
  std::thread accept_thread;
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;  // guards everything below
  Script script;
  std::vector<std::thread> workers;
  std::vector<int> live_fds;
  std::vector<std::string> received;

  explicit Impl(WsTestServer& o) : owner(o) {}

  void accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket(io);
      acceptor.accept(socket, ec);
      if (stopping.load()) {
        return;
      }
      if (ec) {
        continue;
      }
      owner.accepts_.fetch_add(1);
      std::lock_guard lock(mutex);
      workers.emplace_back([this, s = std::move(socket), sc = script]() mutable { serve(std::move(s), sc); });
    }
  }

  // Makes the descriptor visible to stop() while it is open: registered after the stream took
  // the socket, unregistered before the stream closes it (so stop() never shuts down a
  // descriptor number that was closed and reused, e.g. by the client under test).
  struct LiveFd {
    Impl& impl;
    int fd;
    LiveFd(Impl& i, int f) : impl(i), fd(f) {
      std::lock_guard lock(impl.mutex);
      if (impl.stopping.load()) {
        (void)::shutdown(fd, SHUT_RDWR);
      }
      impl.live_fds.push_back(fd);
    }
    ~LiveFd() {
      std::lock_guard lock(impl.mutex);
      std::erase(impl.live_fds, fd);
    }
    LiveFd(const LiveFd&) = delete;
    LiveFd& operator=(const LiveFd&) = delete;
  };

  void serve(tcp::socket socket, const Script& sc) {
    const int fd = socket.native_handle();
    try {
      if (tls) {
        websocket::stream<asio::ssl::stream<tcp::socket>> ws(std::move(socket), *tls);
        const LiveFd live(*this, fd);
        ws.next_layer().handshake(asio::ssl::stream_base::server);
        run(ws, sc);
      } else {
        websocket::stream<tcp::socket> ws(std::move(socket));
        const LiveFd live(*this, fd);
        run(ws, sc);
      }
    } catch (const std::exception&) {
      // the client went away or the test is stopping
    }
  }

  template <typename Ws>
  void run(Ws& ws, const Script& sc) {
    ws.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::ping) {
        owner.pings_.fetch_add(1);
      }
    });
    ws.accept();
    owner.handshakes_.fetch_add(1);
    ws.text(true);
    if (sc.fragment_bytes > 0) {
      ws.auto_fragment(true);
      ws.write_buffer_bytes(sc.fragment_bytes);
    }
    for (const auto& m : sc.on_open) {
      ws.write(asio::buffer(m));
    }
    std::string frame;
    for (std::size_t i = 0; i < sc.stream_count && !stopping.load(); ++i) {
      frame = std::to_string(i) + ":";
      frame.resize(std::max(sc.stream_bytes, frame.size()), 'x');
      ws.write(asio::buffer(frame));
      if (sc.stream_gap.count() > 0) {
        std::this_thread::sleep_for(sc.stream_gap);
      }
    }
    switch (sc.after) {
      case Script::After::Echo:
        for (;;) {
          beast::flat_buffer buffer;
          ws.read(buffer);
          std::string text = beast::buffers_to_string(buffer.data());
          {
            std::lock_guard lock(mutex);
            received.push_back(text);
          }
          if (sc.echo) {
            ws.write(asio::buffer(text));
          }
        }
      case Script::After::Silent:
        while (!stopping.load()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return;
      case Script::After::Close: {
        ws.close(websocket::close_code::going_away);
        beast::flat_buffer buffer;
        for (;;) {
          ws.read(buffer);  // until the client's close reply ends the connection
          buffer.clear();
        }
      }
    }
  }
};

WsTestServer::WsTestServer(const PemCertificate* cert) : impl_(std::make_unique<Impl>(*this)) {
  if (cert != nullptr) {
    impl_->tls.emplace(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain(asio::buffer(cert->certificate_pem));
    impl_->tls->use_private_key(asio::buffer(cert->private_key_pem), asio::ssl::context::pem);
  }
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] { impl_->accept_loop(); });
}

WsTestServer::~WsTestServer() {
  stop();
}

std::string WsTestServer::url(const std::string& host, const std::string& path) const {
  return std::string(impl_->tls ? "wss://" : "ws://") + host + ":" + std::to_string(port_) + path;
}

void WsTestServer::set_script(Script script) {
  std::lock_guard lock(impl_->mutex);
  impl_->script = std::move(script);
}

std::vector<std::string> WsTestServer::received() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->received;
}

void WsTestServer::stop() {
  if (impl_->stopping.exchange(true)) {
    return;
  }
  // Wake the blocking accept() with a connection of our own.
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    ::close(fd);
  }
  impl_->accept_thread.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(impl_->mutex);
    for (const int fd : impl_->live_fds) {
      (void)::shutdown(fd, SHUT_RDWR);  // unblocks reads; the worker closes its socket
    }
    workers.swap(impl_->workers);
  }
  for (auto& t : workers) {
    t.join();
  }
}

SilentListener::SilentListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("SilentListener: cannot listen");
  }
  port_ = ntohs(addr.sin_port);
}

SilentListener::~SilentListener() {
  ::close(fd_);
}

std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  (void)::bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TempFile::TempFile(const std::string& contents) {
  char name[] = "/tmp/tickpath-net-XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0) {
    throw std::runtime_error("mkstemp failed");
  }
  ::close(fd);
  path_ = name;
  write_pem_file(path_, contents);
}

TempFile::~TempFile() {
  ::unlink(path_.c_str());
}

}  // namespace tickpath::net::test

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
