#include "tickpath/venue/kraken_futures/form.hpp"

#include <random>
#include <string>

#include <catch2/catch.hpp>

using namespace tickpath::venue::kraken_futures;

namespace {

std::string encode(std::string_view text) {
  std::string out;
  percent_encode(text, out);
  return out;
}

}  // namespace

TEST_CASE("percent_encode keeps unreserved characters and escapes the rest in uppercase hex") {
  // The cliOrdId of the §4.2 signing vector: what is signed is this encoded form.
  CHECK(encode("123+/=") == "123%2B%2F%3D");
  CHECK(encode("AZaz09-._~") == "AZaz09-._~");
  CHECK(encode("a b") == "a%20b");
  CHECK(encode("2024-02-06T22:24:34.849Z") == "2024-02-06T22%3A24%3A34.849Z");
  CHECK(encode(R"({"batchOrder":[]})") == "%7B%22batchOrder%22%3A%5B%5D%7D");
  CHECK(encode("&=?#%!*'()") == "%26%3D%3F%23%25%21%2A%27%28%29");
  CHECK(encode(std::string_view("\0\xff\x7f", 3)) == "%00%FF%7F");
  CHECK(encode("\xc3\xa9") == "%C3%A9");  // UTF-8 bytes one by one
  CHECK(encode("").empty());
}

TEST_CASE("percent_encode appends to the output and the raw overload reports its length") {
  std::string out = "json=";
  percent_encode("{\"a\":1}", out);
  CHECK(out == "json=%7B%22a%22%3A1%7D");

  char buf[3 * 6 + 1];
  buf[18] = '#';
  const std::size_t n = percent_encode("a+b c~", buf);
  CHECK(std::string_view(buf, n) == "a%2Bb%20c~");
  CHECK(percent_encode(std::string_view("\x01\x02\x03\x04\x05\x06", 6), buf) == 18);  // worst case 3x
  CHECK(buf[18] == '#');
}

TEST_CASE("percent_decode reads escapes in either case and '+' as space") {
  CHECK(percent_decode("123%2B%2F%3D") == "123+/=");
  CHECK(percent_decode("%c3%A9") == "\xc3\xa9");
  CHECK(percent_decode("a+b%20c") == "a b c");
  CHECK(percent_decode("%2B") == "+");
  CHECK(percent_decode("%00") == std::string(1, '\0'));
  CHECK(percent_decode("plain-text_~.") == "plain-text_~.");
  CHECK(percent_decode("") == "");
}

TEST_CASE("percent_decode rejects malformed escapes") {
  CHECK_FALSE(percent_decode("%").has_value());
  CHECK_FALSE(percent_decode("a%").has_value());
  CHECK_FALSE(percent_decode("%4").has_value());
  CHECK_FALSE(percent_decode("ab%4").has_value());
  CHECK_FALSE(percent_decode("%G0").has_value());
  CHECK_FALSE(percent_decode("%0g").has_value());
  CHECK_FALSE(percent_decode("%%41").has_value());
  CHECK_FALSE(percent_decode("% 41").has_value());
}

TEST_CASE("percent encoding round-trips random bytes") {
  std::mt19937_64 rng(3);
  for (std::size_t n = 0; n < 500; ++n) {
    std::string data(n % 97, '\0');
    for (char& c : data) {
      c = static_cast<char>(rng() & 0xffU);
    }
    const std::string text = encode(data);
    // Only unreserved characters and '%' escapes survive, so the text is safe in a form body.
    for (const char c : text) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
      CHECK(ok);
    }
    const std::optional<std::string> back = percent_decode(text);
    REQUIRE(back.has_value());
    CHECK(*back == data);
  }
}

TEST_CASE("parse_form splits and decodes fields in order") {
  const auto fields = parse_form(
      "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=44587.5&cliOrdId=123%2B%2F%3D&reduceOnly="
      "false");
  REQUIRE(fields.has_value());
  REQUIRE(fields->size() == 7);
  CHECK((*fields)[0].key == "orderType");
  CHECK((*fields)[0].value == "lmt");
  CHECK((*fields)[5].key == "cliOrdId");
  CHECK((*fields)[5].value == "123+/=");
  CHECK((*fields)[6].key == "reduceOnly");
  CHECK((*fields)[6].value == "false");
}

TEST_CASE("parse_form edge cases: empty, bare key, empty key or value, empty pairs, repeats") {
  const auto empty = parse_form("");
  REQUIRE(empty.has_value());
  CHECK(empty->empty());

  const auto bare = parse_form("a");
  REQUIRE(bare.has_value());
  REQUIRE(bare->size() == 1);
  CHECK((*bare)[0].key == "a");
  CHECK((*bare)[0].value == "");

  const auto no_value = parse_form("a=");
  REQUIRE(no_value.has_value());
  REQUIRE(no_value->size() == 1);
  CHECK((*no_value)[0].key == "a");
  CHECK((*no_value)[0].value == "");

  const auto no_key = parse_form("=b");
  REQUIRE(no_key.has_value());
  REQUIRE(no_key->size() == 1);
  CHECK((*no_key)[0].key == "");
  CHECK((*no_key)[0].value == "b");

  const auto ampersands = parse_form("&&");
  REQUIRE(ampersands.has_value());
  CHECK(ampersands->empty());

  const auto gaps = parse_form("&a=1&&b=2&");
  REQUIRE(gaps.has_value());
  REQUIRE(gaps->size() == 2);
  CHECK((*gaps)[0].key == "a");
  CHECK((*gaps)[1].value == "2");

  const auto repeated = parse_form("a=1&a=2&b=3&a=");
  REQUIRE(repeated.has_value());
  REQUIRE(repeated->size() == 4);
  CHECK((*repeated)[0].value == "1");
  CHECK((*repeated)[1].value == "2");
  CHECK((*repeated)[3].key == "a");
  CHECK((*repeated)[3].value == "");

  // Only the first '=' separates; later ones belong to the value.
  const auto equals = parse_form("a=b=c");
  REQUIRE(equals.has_value());
  REQUIRE(equals->size() == 1);
  CHECK((*equals)[0].value == "b=c");

  // Encoded separators do not split.
  const auto encoded = parse_form("k%3Dx=v%26w");
  REQUIRE(encoded.has_value());
  REQUIRE(encoded->size() == 1);
  CHECK((*encoded)[0].key == "k=x");
  CHECK((*encoded)[0].value == "v&w");
}

TEST_CASE("parse_form rejects a malformed escape in a key or a value") {
  CHECK_FALSE(parse_form("a=%").has_value());
  CHECK_FALSE(parse_form("a=1&b=%zz").has_value());
  CHECK_FALSE(parse_form("%4=1").has_value());
  CHECK_FALSE(parse_form("a=1&%").has_value());
}

TEST_CASE("a batchorder json field survives encode then parse (§5.10)") {
  const std::string json =
      R"({"batchOrder":[{"order":"send","order_tag":"1","orderType":"lmt","symbol":"PI_XBTUSD",)"
      R"("side":"buy","size":1000,"limitPrice":9400,"cliOrdId":"my 1+/="},)"
      R"({"order":"cancel","order_id":"566942c8-a3b5-4184-a451-622b09493129"}]})";
  std::string body = "json=";
  percent_encode(json, body);
  CHECK(body.find_first_of("{}\":,[] +/") == std::string::npos);
  const auto fields = parse_form(body);
  REQUIRE(fields.has_value());
  REQUIRE(fields->size() == 1);
  CHECK((*fields)[0].key == "json");
  CHECK((*fields)[0].value == json);
}
