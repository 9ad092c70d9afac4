#include "tickpath/venue/kraken_futures/instruments.hpp"

#include <catch2/catch.hpp>

#include "tickpath/venue/kraken_futures/capture.hpp"

using namespace tickpath;
using namespace tickpath::venue::kraken_futures;

TEST_CASE("parses an /instruments answer exactly, with number or string fields") {
  const InstrumentList list = parse_instruments(R"({"result":"success","instruments":[
    {"symbol":"pi_xbtusd","type":"futures_inverse","tickSize":0.5,"contractSize":1,"tradeable":true},
    {"symbol":"PF_PEPEUSD","type":"flexible_futures","tickSize":1e-10,"contractValueTradePrecision":-3,"tradeable":true},
    {"symbol":"PF_XBTUSD","type":"flexible_futures","tickSize":"1","contractValueTradePrecision":"4","tradeable":true},
    {"symbol":"in_xbtusd","type":"spot index","tradeable":false},
    {"symbol":"rr_xbtusd","type":"spot index","tradeable":true},
    {"symbol":"PF_OLDUSD","type":"flexible_futures","tickSize":0.1,"tradeable":true}
  ],"serverTime":"2021-07-22T22:22:07.137Z"})");
  REQUIRE(list.specs.size() == 3);
  CHECK(list.specs[0].symbol == "pi_xbtusd");
  CHECK(list.specs[0].tick_size == Increment{5, -1});
  CHECK(list.specs[0].size_step == Increment{1, 0});
  CHECK(list.specs[0].kind == ContractKind::Inverse);
  CHECK(list.specs[1].tick_size == Increment{1, -10});
  CHECK(list.specs[1].size_step == Increment{1, 3});
  CHECK(list.specs[1].kind == ContractKind::Linear);
  CHECK(list.specs[2].tick_size == Increment{1, 0});
  CHECK(list.specs[2].size_step == Increment{1, -4});
  CHECK(list.skipped.size() == 3);
  const InstrumentRegistry registry = make_registry(list.specs);
  CHECK(registry.find("PI_XBTUSD").valid());
}

TEST_CASE("throws on a document that is not an instruments answer") {
  CHECK_THROWS(parse_instruments(R"({"result":"error","error":"apiLimitExceeded"})"));
  CHECK_THROWS(parse_instruments(R"({"result":"success"})"));
  CHECK_THROWS(
      parse_instruments(R"({"result":"success","instruments":[{"symbol":"PI_X","tickSize":"abc"}]})"));
  CHECK_THROWS(parse_instruments("not json"));
}

TEST_CASE("the built-in 2021 table covers the capture's products") {
  const InstrumentRegistry registry = make_registry(builtin_2021_instruments().specs);
  CHECK(registry.get(registry.find("FI_ETHUSD_211231")).tick_size() == Increment{5, -2});
  CHECK(registry.get(registry.find("PI_XRPUSD")).tick_size() == Increment{1, -4});
}

TEST_CASE("reads both capture line formats") {
  CapturedFrame f;
  REQUIRE(parse_capture_line(R"({"feed":"heartbeat","time":1})", f));
  CHECK(f.event == CaptureEvent::Received);
  CHECK(f.time_ns == 0);
  REQUIRE(parse_capture_line(R"(1626994927.583642: {"event":"info","version":1})", f));
  CHECK(f.event == CaptureEvent::Received);
  CHECK(f.time_ns == 1626994927583642000);
  CHECK(f.text == R"({"event":"info","version":1})");
  REQUIRE(
      parse_capture_line(R"(wss://futures.kraken.com/ws/v1 <- 1626994927.582819: {"event":"subscribe"})", f));
  CHECK(f.event == CaptureEvent::Sent);
  REQUIRE(parse_capture_line("wss://futures.kraken.com/ws/v1 <-> 1626994927.139662", f));
  CHECK(f.event == CaptureEvent::Connect);
  CHECK(f.time_ns == 1626994927139662000);
  CHECK_FALSE(parse_capture_line("garbage", f));
}
