// The simulator's own websocket framing (server.cpp frames the connection itself after Beast's
// handshake), checked byte by byte over a plain loopback socket: fragmented messages, pings,
// close handshake, protocol violations and coalesced writes.

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "tickpath/sim/server.hpp"

#include "sim/server_test_support.hpp"

namespace tickpath::sim {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Frame {
  bool fin{false};
  unsigned opcode{0};
  std::string payload;
};

// A websocket client written out by hand, so the test controls every byte it sends.
class RawWs {
 public:
  explicit RawWs(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const std::string request =
        "GET /ws/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    asio::write(socket_, asio::buffer(request));
    // Response headers end with an empty line.
    while (buffer_.find("\r\n\r\n") == std::string::npos) {
      fill();
    }
    const std::size_t end = buffer_.find("\r\n\r\n") + 4;
    status_line_ = buffer_.substr(0, buffer_.find("\r\n"));
    buffer_.erase(0, end);
  }

  [[nodiscard]] const std::string& status_line() const { return status_line_; }

  // Sends one frame, masked unless told otherwise.
  void send(unsigned opcode, std::string_view payload, bool fin = true, bool mask = true) {
    std::string f;
    f.push_back(static_cast<char>((fin ? 0x80U : 0U) | opcode));
    const std::size_t n = payload.size();
    const unsigned mask_bit = mask ? 0x80U : 0U;
    if (n < 126) {
      f.push_back(static_cast<char>(mask_bit | n));
    } else {
      f.push_back(static_cast<char>(mask_bit | 126U));
      f.push_back(static_cast<char>((n >> 8) & 0xFFU));
      f.push_back(static_cast<char>(n & 0xFFU));
    }
    const std::array<unsigned char, 4> key{0x12, 0x34, 0x56, 0x78};
    if (mask) {
      f.append(reinterpret_cast<const char*>(key.data()), key.size());
    }
    for (std::size_t i = 0; i < n; ++i) {
      f.push_back(mask ? static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i & 3U])
                       : payload[i]);
    }
    asio::write(socket_, asio::buffer(f));
  }

  // The next frame from the server; nullopt when the connection ended first.
  std::optional<Frame> read() {
    for (;;) {
      if (buffer_.size() >= 2) {
        const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data());
        REQUIRE((p[1] & 0x80U) == 0);  // server frames are never masked
        std::size_t header = 2;
        std::uint64_t n = p[1] & 0x7FU;
        if (n == 126 && buffer_.size() >= 4) {
          n = (static_cast<std::uint64_t>(p[2]) << 8) | p[3];
          header = 4;
        } else if (n == 127 && buffer_.size() >= 10) {
          n = 0;
          for (std::size_t i = 0; i < 8; ++i) {
            n = (n << 8) | p[2 + i];
          }
          header = 10;
        }
        if (n < 126 || header > 2) {
          if (buffer_.size() >= header + n) {
            Frame f{.fin = (p[0] & 0x80U) != 0, .opcode = p[0] & 0x0FU, .payload = buffer_.substr(header, n)};
            buffer_.erase(0, header + static_cast<std::size_t>(n));
            return f;
          }
        }
      }
      if (!fill()) {
        return std::nullopt;
      }
    }
  }

  // Frames until one whose payload contains needle (nullopt if the connection ends).
  std::optional<Frame> read_until(std::string_view needle) {
    for (int i = 0; i < 10'000; ++i) {
      auto f = read();
      if (!f || f->payload.find(needle) != std::string::npos || f->opcode >= 0x8) {
        return f;
      }
    }
    return std::nullopt;
  }

 private:
  bool fill() {
    std::array<char, 65536> chunk{};
    boost::system::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
    if (ec) {
      return false;
    }
    buffer_.append(chunk.data(), n);
    return true;
  }

  asio::io_context io_;
  tcp::socket socket_;
  std::string buffer_;
  std::string status_line_;
};

TEST_CASE("framing: the upgrade succeeds and the first frame is the info message", "[sim][server][ws]") {
  Server server(test::quiet_config(false), test::trader_accounts());
  server.start();
  RawWs ws(server.endpoints().port);
  CHECK(ws.status_line() == "HTTP/1.1 101 Switching Protocols");
  const auto info = ws.read();
  REQUIRE(info);
  CHECK(info->fin);
  CHECK(info->opcode == 0x1);
  CHECK(info->payload == R"({"event":"info","version":1})");
}

TEST_CASE("framing: a request split over a text frame and continuations is reassembled",
          "[sim][server][ws]") {
  config::SimConfig c = test::quiet_config(false);
  c.market.kind = config::SimActivityKind::Random;  // a populated book: a snapshot of many KB
  c.market.deltas_per_second = 10;
  Server server(c, test::trader_accounts());
  server.start();
  RawWs ws(server.endpoints().port);
  REQUIRE(ws.read());
  ws.send(0x1, R"({"event":"subscribe",)", false);
  ws.send(0x9, "between fragments");  // a control frame may sit between fragments
  ws.send(0x0, R"("feed":"book","product_ids")", false);
  ws.send(0x0, R"(:["PI_XBTUSD"]})", true);
  const auto pong = ws.read();
  REQUIRE(pong);
  CHECK(pong->opcode == 0xA);
  CHECK(pong->payload == "between fragments");
  const auto ack = ws.read_until(R"("event":"subscribed")");
  REQUIRE(ack);
  CHECK(ack->payload == R"({"event":"subscribed","feed":"book","product_ids":["PI_XBTUSD"]})");
  const auto snapshot = ws.read_until(R"("feed":"book_snapshot")");
  REQUIRE(snapshot);
  CHECK(snapshot->payload.size() > 0xFFFF / 16);  // a length in the extended form was framed right
  CHECK(snapshot->payload.back() == '}');
}

TEST_CASE("framing: a close frame is answered with the same code and the connection ends",
          "[sim][server][ws]") {
  Server server(test::quiet_config(false), test::trader_accounts());
  server.start();
  RawWs ws(server.endpoints().port);
  REQUIRE(ws.read());
  ws.send(0x8, std::string("\x03\xE8", 2));  // 1000
  const auto close = ws.read();
  REQUIRE(close);
  CHECK(close->opcode == 0x8);
  CHECK(close->payload == std::string("\x03\xE8", 2));
  CHECK_FALSE(ws.read());
  CHECK(server.call([](Venue& v) { return v.stats().ws_connections; }) == 1);
}

TEST_CASE("framing: an unmasked client frame or an unknown opcode closes with 1002", "[sim][server][ws]") {
  Server server(test::quiet_config(false), test::trader_accounts());
  server.start();
  for (const bool unmasked : {true, false}) {
    RawWs ws(server.endpoints().port);
    REQUIRE(ws.read());
    if (unmasked) {
      ws.send(0x1, R"({"event":"subscribe","feed":"heartbeat"})", true, false);
    } else {
      ws.send(0x3, "reserved opcode");
    }
    const auto close = ws.read_until("never");
    REQUIRE(close);
    CHECK(close->opcode == 0x8);
    CHECK(close->payload.substr(0, 2) == std::string("\x03\xEA", 2));  // 1002
    CHECK_FALSE(ws.read());
  }
  // The simulator itself is unaffected.
  RawWs after(server.endpoints().port);
  CHECK(after.read());
}

TEST_CASE("framing: a message above ws_max_message_bytes closes with 1009 before it is buffered",
          "[sim][server][ws]") {
  config::SimConfig c = test::quiet_config(false);
  c.ws_max_message_bytes = 256;
  Server server(c, test::trader_accounts());
  server.start();
  RawWs ws(server.endpoints().port);
  REQUIRE(ws.read());
  ws.send(0x1, std::string(200, ' '), false);
  ws.send(0x0, std::string(100, ' '), true);  // 300 bytes in all
  const auto close = ws.read_until("never");
  REQUIRE(close);
  CHECK(close->opcode == 0x8);
  CHECK(close->payload.substr(0, 2) == std::string("\x03\xF1", 2));  // 1009
  CHECK(server.stats().ws_oversized_frames == 1);
}

}  // namespace
}  // namespace tickpath::sim
