#include "tickpath/venue/kraken_futures/auth.hpp"

#include <atomic>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "support/samples.hpp"

using namespace tickpath::venue::kraken_futures;

namespace {

std::string str(const Signature& s) {
  return std::string(s.data(), s.size());
}

Signer signer(std::string_view secret) {
  std::optional<Signer> s = Signer::from_base64_secret(secret);
  REQUIRE(s.has_value());
  return *s;
}

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The independent reference: OpenSSL's own HMAC over SHA-256(message), computed the slow way.
std::string reference_signature(std::string_view key, std::string_view message) {
  unsigned char digest[32];
  REQUIRE(EVP_Digest(message.data(), message.size(), digest, nullptr, EVP_sha256(), nullptr) == 1);
  unsigned char mac[64];
  unsigned int mac_len = 0;
  REQUIRE(HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()), digest, sizeof digest, mac,
               &mac_len) != nullptr);
  REQUIRE(mac_len == 64);
  return base64_encode(std::span<const std::uint8_t>(mac, mac_len));
}

// Test vectors, copied as plain facts (key, message, expected signature) from
// ../shared/kraken-samples/auth_test_vectors.json: the first REST vector is roq-kraken-futures'
// crypto_test_url_encoded (also kraken-futures-protocol.md §4.2); the others were computed there with
// Python hashlib/hmac; the challenge vector is Kraken's documented one (§4.3).
constexpr std::string_view kRestSecret =
    "DuWQ3317vPm8tlOoylWmhfQJwGkKiR+ABuNNocaPxU2DA5H9aZAKkGO0sYBSGKirtdlkm8dL9DAp6husEABgWyOr";

struct RestVector {
  std::string_view http_path;
  std::string_view post_data;
  std::string_view nonce;
  std::string_view expected;
};

constexpr RestVector kRestVectors[] = {
    {"/derivatives/api/v3/sendorder",
     "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=44587.5&cliOrdId=123%2B%2F%3D&reduceOnly="
     "false",
     "1629361663947",
     "YU08zbwSTBmsVOSQQh8EPPW6eAZUmqgpRy6t5EmO2j/5aEyX3LTw1G2H+CP0dqUWOhLIFoQAXuZQcK5vU/B/qQ=="},
    {"/derivatives/api/v3/openpositions", "", "",
     "oZx/5AxW+Q5F81zVLL4Shqm5MQVFj31TemyM9CbSrAqmG1YlCWLMFrF+VIzQ1KXFFq1dE4ys17ibWeP5I7XICA=="},
    {"/derivatives/api/v3/fills", "lastFillTime=2024-02-06T22%3A24%3A34.849Z", "1700000000000",
     "pSaurOiHTjiPJJEHdi3RbiwdRR0uTI1UfH0b+MAkKntHZVHzSpCeZ91mLR6qzH1E/eJBZ8xGl4YvSorHdnjrng=="},
    {"/api/history/v2/orders", "count=1", "1700000000001",
     "wk2dnUqIP3e8DYocImAlpMPmB55znZ0USDJE+IcXIxTXZuTbOwx/SrqGc9sfwTsF5G6Sel+9cezTsErsZg3M1g=="},
};

constexpr std::string_view kChallengeSecret =
    "7zxMEF5p/Z8l2p2U7Ghv6x14Af+Fx+92tPgUdVQ748FOIrEoT9bgT+bTRfXc5pz8na+hL/QdrCVG7bh9KpT0eMTm";
constexpr std::string_view kChallenge = "c100b894-1729-464d-ace1-52dbce11db42";
constexpr std::string_view kSignedChallenge =
    "4JEpF3ix66GA2B+ooK128Ift4XQVtc137N9yeg4Kqsn9PI0Kpzbysl9M1IeCEdjg0zl00wkVqcsnG4bmnlMb3A==";

}  // namespace

TEST_CASE("signs the protocol reference's sendorder vector (§4.2, with nonce)") {
  const Signer s = signer(kRestSecret);
  const RestVector& v = kRestVectors[0];
  CHECK(str(s.sign_rest(v.post_data, v.nonce, endpoint_path(v.http_path))) == v.expected);
  // Signing the decoded form or leaving out the nonce gives a different Authent.
  CHECK(str(s.sign_rest("orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=44587.5&cliOrdId=123+/"
                        "=&reduceOnly=false",
                        v.nonce, "/api/v3/sendorder")) != v.expected);
  CHECK(str(s.sign_rest(v.post_data, "", "/api/v3/sendorder")) != v.expected);
}

TEST_CASE("signs every REST vector of auth_test_vectors.json, with and without nonce") {
  const Signer s = signer(kRestSecret);
  for (const RestVector& v : kRestVectors) {
    INFO(v.http_path);
    CHECK(str(s.sign_rest(v.post_data, v.nonce, endpoint_path(v.http_path))) == v.expected);
  }
}

TEST_CASE("REST signature equals HMAC over SHA-256 of postData + nonce + path") {
  const Signer s = signer(kRestSecret);
  const std::string key = *base64_decode(kRestSecret);
  CHECK(str(s.sign_rest("a=1", "42", "/api/v3/x")) == reference_signature(key, "a=142/api/v3/x"));
  CHECK(str(s.sign_rest("", "", "/api/v3/x")) == reference_signature(key, "/api/v3/x"));
  // Only the concatenation counts, not where the boundaries fall.
  CHECK(str(s.sign_rest("a=14", "2", "/api/v3/x")) == str(s.sign_rest("a=1", "42", "/api/v3/x")));
}

TEST_CASE("signs the websocket challenge vector (§4.3)") {
  const Signer s = signer(kChallengeSecret);
  const Signature sig = s.sign_challenge(kChallenge);
  CHECK(str(sig) == kSignedChallenge);
  CHECK(signature_equals(kSignedChallenge, sig));
  CHECK(str(s.sign_challenge("c100b894-1729-464d-ace1-52dbce11db43")) != kSignedChallenge);
}

TEST_CASE("sign_digest is the shared HMAC tail of both signatures") {
  const Signer s = signer(kChallengeSecret);
  std::array<std::uint8_t, 32> digest{};
  REQUIRE(EVP_Digest(kChallenge.data(), kChallenge.size(), digest.data(), nullptr, EVP_sha256(), nullptr) ==
          1);
  CHECK(str(s.sign_digest(digest)) == kSignedChallenge);
  digest[31] ^= 1U;
  CHECK(str(s.sign_digest(digest)) != kSignedChallenge);
}

TEST_CASE("matches OpenSSL HMAC for keys shorter than, equal to and longer than the block") {
  std::mt19937_64 rng(7);
  // 128 is the SHA-512 block: longer keys are hashed first, shorter ones zero-padded.
  for (const std::size_t key_len : {1U, 20U, 64U, 66U, 127U, 128U, 129U, 200U, 500U}) {
    std::string key(key_len, '\0');
    for (char& c : key) {
      c = static_cast<char>(rng() & 0xffU);
    }
    const std::string secret = base64_encode(bytes(key));
    const Signer s = signer(secret);
    for (const std::size_t msg_len : {0U, 1U, 55U, 56U, 64U, 119U, 1000U}) {
      std::string msg(msg_len, '\0');
      for (char& c : msg) {
        c = static_cast<char>(rng() & 0xffU);
      }
      INFO("key " << key_len << " message " << msg_len);
      CHECK(str(s.sign_challenge(msg)) == reference_signature(key, msg));
    }
  }
}

TEST_CASE("a 200-byte key is hashed first (value from Python hmac)") {
  std::string key(200, '\0');
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<char>(i);
  }
  const Signer s = signer(base64_encode(bytes(key)));
  CHECK(str(s.sign_challenge("hello")) ==
        "CC1Zt5IZXFRaQSLJrAAEZpsweP4GBhxR3ExVAmm4vUyLl2sSTM0S5RXHiuMCJfyfXvAFXNwoJ2tE8dGxDyRdVw==");
  CHECK(str(signer("a2V5").sign_challenge("hello")) ==  // key "key"
        "wN6BvBfaoi+uIDkg5EDpr7Ngh2j/6rNueKo01B7VvlpT7eCeEvhZqSF+SMEapSTMVy9xHcySjCTStrhsI2l7vQ==");
}

TEST_CASE("a copied or assigned Signer signs identically") {
  const Signer original = signer(kRestSecret);
  const Signer copy = original;  // NOLINT(performance-unnecessary-copy-initialization): the point
  Signer assigned = signer(kChallengeSecret);
  const RestVector& v = kRestVectors[0];
  CHECK(str(assigned.sign_rest(v.post_data, v.nonce, "/api/v3/sendorder")) != v.expected);
  assigned = original;
  CHECK(str(copy.sign_rest(v.post_data, v.nonce, "/api/v3/sendorder")) == v.expected);
  CHECK(str(assigned.sign_rest(v.post_data, v.nonce, "/api/v3/sendorder")) == v.expected);
  CHECK(str(copy.sign_challenge(kChallenge)) == str(original.sign_challenge(kChallenge)));
}

TEST_CASE("a different secret gives a different signature") {
  const Signer right = signer(kRestSecret);
  std::string key = *base64_decode(kRestSecret);
  key[0] = static_cast<char>(key[0] ^ 1);
  const Signer wrong = signer(base64_encode(bytes(key)));
  const RestVector& v = kRestVectors[0];
  const Signature expected = right.sign_rest(v.post_data, v.nonce, "/api/v3/sendorder");
  const Signature other = wrong.sign_rest(v.post_data, v.nonce, "/api/v3/sendorder");
  CHECK(str(other) != str(expected));
  CHECK_FALSE(signature_equals(str(other), expected));
  CHECK(signature_equals(v.expected, expected));
}

TEST_CASE("rejects a secret that is not base64 or is empty") {
  CHECK_FALSE(Signer::from_base64_secret("").has_value());
  CHECK_FALSE(Signer::from_base64_secret("not base64!").has_value());
  CHECK_FALSE(Signer::from_base64_secret(std::string(kRestSecret) + " ").has_value());
  CHECK_FALSE(Signer::from_base64_secret(kRestSecret.substr(1)).has_value());
  CHECK(Signer::from_base64_secret(kRestSecret).has_value());
}

TEST_CASE("signature_equals compares the whole signature and its length") {
  const Signer s = signer(kChallengeSecret);
  const Signature sig = s.sign_challenge(kChallenge);
  std::string received = str(sig);
  CHECK(signature_equals(received, sig));
  CHECK_FALSE(signature_equals(received.substr(0, 87), sig));
  CHECK_FALSE(signature_equals(received + "=", sig));
  CHECK_FALSE(signature_equals("", sig));
  received[0] = received[0] == 'A' ? 'B' : 'A';
  CHECK_FALSE(signature_equals(received, sig));
  received = str(sig);
  received[87] = 'x';
  CHECK_FALSE(signature_equals(received, sig));
}

TEST_CASE("endpoint_path strips exactly one leading /derivatives") {
  CHECK(endpoint_path("/derivatives/api/v3/sendorder") == "/api/v3/sendorder");
  CHECK(endpoint_path("/api/history/v2/orders") == "/api/history/v2/orders");
  CHECK(endpoint_path("/api/v3/sendorder") == "/api/v3/sendorder");
  CHECK(endpoint_path("/derivatives/derivatives/api") == "/derivatives/api");
  CHECK(endpoint_path("/derivatives") == "");
  CHECK(endpoint_path("/derivativesX/api") == "/derivativesX/api");
  CHECK(endpoint_path("/api/derivatives/x") == "/api/derivatives/x");
  CHECK(endpoint_path("derivatives/api") == "derivatives/api");
  CHECK(endpoint_path("") == "");
}

TEST_CASE("base64 encodes the RFC 4648 test vectors and round-trips random bytes") {
  const std::pair<std::string_view, std::string_view> rfc[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : rfc) {
    CHECK(base64_encode(bytes(plain)) == encoded);
    const std::optional<std::string> back = base64_decode(encoded);
    REQUIRE(back.has_value());
    CHECK(*back == plain);
  }
  std::mt19937_64 rng(11);
  for (std::size_t n = 0; n < 300; ++n) {
    std::string data(n, '\0');
    for (char& c : data) {
      c = static_cast<char>(rng() & 0xffU);
    }
    const std::string text = base64_encode(bytes(data));
    CHECK(text.size() == 4 * ((n + 2) / 3));
    std::string raw(text.size() + 1, '#');
    CHECK(base64_encode(bytes(data), raw.data()) == text.size());
    CHECK(raw.back() == '#');  // writes exactly the reported count
    const std::optional<std::string> back = base64_decode(text);
    REQUIRE(back.has_value());
    CHECK(*back == data);
  }
}

TEST_CASE("base64_decode rejects bad characters, bad padding and wrong lengths") {
  CHECK(base64_decode("").has_value());
  // Lengths that are not a multiple of 4 (unpadded base64 is not accepted).
  CHECK_FALSE(base64_decode("Zg").has_value());
  CHECK_FALSE(base64_decode("Zm9").has_value());
  CHECK_FALSE(base64_decode("Zm9vY").has_value());
  // Characters outside the standard alphabet, including url-safe ones and whitespace.
  CHECK_FALSE(base64_decode("Zm9-").has_value());
  CHECK_FALSE(base64_decode("Zm9_").has_value());
  CHECK_FALSE(base64_decode("Zm 9").has_value());
  CHECK_FALSE(base64_decode("Zm9v\n").has_value());
  CHECK_FALSE(base64_decode(std::string_view("Zm9\0", 4)).has_value());
  CHECK_FALSE(base64_decode("Zm9\xc3").has_value());
  // Padding in the wrong place or too much of it.
  CHECK_FALSE(base64_decode("====").has_value());
  CHECK_FALSE(base64_decode("Z===").has_value());
  CHECK_FALSE(base64_decode("Zg==Zm9v").has_value());
  CHECK_FALSE(base64_decode("Zm=v").has_value());
  CHECK_FALSE(base64_decode("=m9v").has_value());
  // Non-canonical: the unused low bits of the last data character must be zero.
  CHECK_FALSE(base64_decode("Zh==").has_value());
  CHECK_FALSE(base64_decode("Zm9=").has_value());
  CHECK(base64_decode("Zm8=").has_value());
}

// Hot-path contract: no allocation. OpenSSL's own allocations are observed through its memory
// hooks, which can only be installed before its first allocation (true when ctest runs this test
// case in its own process, as catch_discover_tests does).
namespace {
std::atomic<int> g_openssl_allocations{0};
void* counting_malloc(std::size_t n, const char*, int) {
  ++g_openssl_allocations;
  return std::malloc(n);
}
void* counting_realloc(void* p, std::size_t n, const char*, int) {
  ++g_openssl_allocations;
  return std::realloc(p, n);
}
void counting_free(void* p, const char*, int) {
  std::free(p);
}
}  // namespace

TEST_CASE("signing makes no OpenSSL allocation") {
  if (CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 0) {
    TICKPATH_SKIP("OpenSSL already allocated in this process; run this test case on its own");
  }
  const Signer s = signer(kRestSecret);
  const RestVector& v = kRestVectors[0];
  const int before = g_openssl_allocations.load();
  const Signature a = s.sign_rest(v.post_data, v.nonce, "/api/v3/sendorder");
  const Signature b = s.sign_challenge(kChallenge);
  CHECK(g_openssl_allocations.load() == before);
  CHECK(str(a) == v.expected);
  CHECK(str(b) != str(a));
  // The hook itself works: an EVP digest allocates its context.
  unsigned char md[32];
  REQUIRE(EVP_Digest("x", 1, md, nullptr, EVP_sha256(), nullptr) == 1);
  CHECK(g_openssl_allocations.load() > before);
}
