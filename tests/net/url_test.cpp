#include "tickpath/net/url.hpp"

#include <catch2/catch.hpp>

namespace net = tickpath::net;

TEST_CASE("parses a wss url with port and path", "[net][url]") {
  const auto u = net::parse_ws_url("wss://futures.kraken.com:8443/ws/v1?x=1");
  REQUIRE(u);
  CHECK(u->tls);
  CHECK(u->host == "futures.kraken.com");
  CHECK(u->port == 8443);
  CHECK(u->target == "/ws/v1?x=1");
  CHECK(u->host_header() == "futures.kraken.com:8443");
  CHECK_FALSE(u->host_is_ip_literal());
}

TEST_CASE("fills in default ports and the root path", "[net][url]") {
  const auto s = net::parse_ws_url("WSS://Futures.Kraken.COM");
  REQUIRE(s);
  CHECK(s->port == 443);
  CHECK(s->target == "/");
  CHECK(s->host == "futures.kraken.com");
  CHECK(s->host_header() == "futures.kraken.com");
  const auto p = net::parse_ws_url("ws://127.0.0.1?q");
  REQUIRE(p);
  CHECK_FALSE(p->tls);
  CHECK(p->port == 80);
  CHECK(p->target == "/?q");
  CHECK(p->host_is_ip_literal());
}

TEST_CASE("parses bracketed IPv6 literals", "[net][url]") {
  const auto u = net::parse_ws_url("ws://[::1]:9000/feed");
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 9000);
  CHECK(u->host_is_ip_literal());
  CHECK(u->host_header() == "[::1]:9000");
}

TEST_CASE("rejects anything that is not a plain ws or wss url", "[net][url]") {
  const char* bad[] = {
      "",
      "https://x/",
      "wss//x",
      "wss://",
      "wss://:443/",
      "wss://host:/",
      "wss://host:0/",
      "wss://host:65536/",
      "wss://host:123456/",
      "wss://host:12a/",
      "wss://user@host/",
      "wss://host/#frag",
      "wss://ho st/",
      "wss://host/\npath",
      "wss://[::1/",
      "wss://[::1]x/",
      "wss://[zz::1]/",
      "wss://ho_st/",
      "wss://-host/",
  };
  for (const char* text : bad) {
    INFO(text);
    std::string why;
    CHECK_FALSE(net::parse_ws_url(text, &why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("accepts the edge ports", "[net][url]") {
  CHECK(net::parse_ws_url("ws://h:1/")->port == 1);
  CHECK(net::parse_ws_url("ws://h:65535/")->port == 65535);
}
