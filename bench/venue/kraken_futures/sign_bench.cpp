// Kraken Futures REST signing (kraken-futures-protocol.md §4.2): Signer::sign_rest, which resumes
// HMAC-SHA-512 from precomputed inner/outer states, against the well-known peer that most clients
// run per request: SHA256() one-shot + HMAC(EVP_sha512(), key, ...) one-shot + base64 (the
// ~2.4 us figure of issue #4). The peer gets its message already concatenated, which flatters it.
//
// Also: OpenSSL's own key reuse (one HMAC_CTX, HMAC_Init_ex with a null key per call), and the two
// halves of sign_rest on their own (the SHA-256 of the message; the two SHA-512 compressions plus
// base64). BM_SignRest_Ratio times both main variants in one run and reports their ratio.
// All variants must agree on the §4.2 vector (checked before timing; a mismatch fails the run).

// The peer with a reused HMAC_CTX uses the low-level API that OpenSSL 3 deprecates.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "tickpath/venue/kraken_futures/auth.hpp"

namespace kf = tickpath::venue::kraken_futures;

namespace {

// A sendorder like the §4.2 vector (the secret is that vector's published test secret).
constexpr std::string_view kSecret =
    "DuWQ3317vPm8tlOoylWmhfQJwGkKiR+ABuNNocaPxU2DA5H9aZAKkGO0sYBSGKirtdlkm8dL9DAp6husEABgWyOr";
constexpr std::string_view kPostData =
    "orderType=lmt&symbol=PI_XBTUSD&side=buy&size=1&limitPrice=44587.5&cliOrdId=123%2B%2F%3D&reduceOnly="
    "false";
constexpr std::string_view kNonce = "1629361663947";
constexpr std::string_view kPath = "/api/v3/sendorder";
constexpr std::string_view kExpected =
    "YU08zbwSTBmsVOSQQh8EPPW6eAZUmqgpRy6t5EmO2j/5aEyX3LTw1G2H+CP0dqUWOhLIFoQAXuZQcK5vU/B/qQ==";

struct Fixture {
  kf::Signer signer = *kf::Signer::from_base64_secret(kSecret);
  std::string key = *kf::base64_decode(kSecret);
  std::string message = std::string(kPostData) + std::string(kNonce) + std::string(kPath);
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

kf::Signature sign_fresh(const Fixture& f) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(f.message.data()), f.message.size(), digest);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha512(), f.key.data(), static_cast<int>(f.key.size()), digest, sizeof digest, mac, &mac_len);
  kf::Signature out;
  kf::base64_encode(std::span<const std::uint8_t>(mac, mac_len), out.data());
  return out;
}

kf::Signature sign_reused_ctx(const Fixture& f, HMAC_CTX* ctx) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX sha;
  SHA256_Init(&sha);
  SHA256_Update(&sha, f.message.data(), f.message.size());
  SHA256_Final(digest, &sha);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC_Init_ex(ctx, nullptr, 0, nullptr, nullptr);  // same key: OpenSSL restores its saved pads
  HMAC_Update(ctx, digest, sizeof digest);
  HMAC_Final(ctx, mac, &mac_len);
  kf::Signature out;
  kf::base64_encode(std::span<const std::uint8_t>(mac, mac_len), out.data());
  return out;
}

bool agrees(benchmark::State& state, const kf::Signature& sig) {
  if (std::string_view(sig.data(), sig.size()) != kExpected) {
    state.SkipWithError("signature does not match the §4.2 vector");
    return false;
  }
  return true;
}

void BM_SignRest_Precomputed(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!agrees(state, f.signer.sign_rest(kPostData, kNonce, kPath))) {
    return;
  }
  for (auto _ : state) {
    std::string_view post = kPostData;
    benchmark::DoNotOptimize(post);
    kf::Signature sig = f.signer.sign_rest(post, kNonce, kPath);
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_SignRest_Precomputed);

void BM_SignRest_FreshHmac(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!agrees(state, sign_fresh(f))) {
    return;
  }
  for (auto _ : state) {
    kf::Signature sig = sign_fresh(f);
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_SignRest_FreshHmac);

void BM_SignRest_ReusedHmacCtx(benchmark::State& state) {
  const Fixture& f = fixture();
  HMAC_CTX* ctx = HMAC_CTX_new();
  HMAC_Init_ex(ctx, f.key.data(), static_cast<int>(f.key.size()), EVP_sha512(), nullptr);
  if (agrees(state, sign_reused_ctx(f, ctx))) {
    for (auto _ : state) {
      kf::Signature sig = sign_reused_ctx(f, ctx);
      benchmark::DoNotOptimize(sig);
    }
  }
  HMAC_CTX_free(ctx);
}
BENCHMARK(BM_SignRest_ReusedHmacCtx);

// The first half of sign_rest: SHA-256 over post_data, nonce and path (two 64-byte blocks here).
void BM_Sha256_Only(benchmark::State& state) {
  for (auto _ : state) {
    std::string_view post = kPostData;
    benchmark::DoNotOptimize(post);
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest;
    SHA256_CTX sha;
    SHA256_Init(&sha);
    SHA256_Update(&sha, post.data(), post.size());
    SHA256_Update(&sha, kNonce.data(), kNonce.size());
    SHA256_Update(&sha, kPath.data(), kPath.size());
    SHA256_Final(digest.data(), &sha);
    benchmark::DoNotOptimize(digest);
  }
}
BENCHMARK(BM_Sha256_Only);

// The second half: two SHA-512 compressions from the stored states, plus base64 of the result.
void BM_TwoSha512Compressions(benchmark::State& state) {
  const Fixture& f = fixture();
  std::array<std::uint8_t, 32> digest{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(digest);
    kf::Signature sig = f.signer.sign_digest(digest);
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_TwoSha512Compressions);

// Both main variants in the same run, interleaved in batches so that frequency changes and
// neighbours hit both alike. Counters: ns per signature for each, and fresh / precomputed.
void BM_SignRest_Ratio(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  constexpr int kBatch = 64;
  const Fixture& f = fixture();
  double precomputed_ns = 0;
  double fresh_ns = 0;
  std::int64_t signatures = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      kf::Signature sig = f.signer.sign_rest(kPostData, kNonce, kPath);
      benchmark::DoNotOptimize(sig);
    }
    const auto t1 = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      kf::Signature sig = sign_fresh(f);
      benchmark::DoNotOptimize(sig);
    }
    const auto t2 = Clock::now();
    precomputed_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
    fresh_ns += std::chrono::duration<double, std::nano>(t2 - t1).count();
    signatures += kBatch;
    state.SetIterationTime(std::chrono::duration<double>(t2 - t0).count());
  }
  if (signatures > 0) {
    const auto n = static_cast<double>(signatures);
    state.counters["precomputed_ns"] = precomputed_ns / n;
    state.counters["fresh_ns"] = fresh_ns / n;
    state.counters["ratio"] = precomputed_ns > 0 ? fresh_ns / precomputed_ns : 0;
  }
}
BENCHMARK(BM_SignRest_Ratio)->UseManualTime();

}  // namespace

BENCHMARK_MAIN();
