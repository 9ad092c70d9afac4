// One signed sendorder, encoded into a fixed buffer (issue #5 acceptance: encode + sign < 700 ns
// p50, measured in the same run against signing with a fresh HMAC() call per order).
//
//   BM_EncodeSignSendOrder       OrderEncoder::encode: the whole HTTP/1.1 request, Authent from the
//                                Signer's precomputed HMAC states.
//   BM_EncodeSendOrderFreshHmac  the peer: the same request bytes (checked before timing), built with
//                                the same formatting and percent-encoding, but Authent from OpenSSL's
//                                one-shot HMAC(EVP_sha512(), key, ...) per order, as most clients do.
//                                Its SHA-256 is the same three-update SHA256_CTX as Signer's (not the
//                                one-shot SHA256(), which allocates in OpenSSL 3.0), so the two
//                                differ in the HMAC alone.
//   BM_SignRestOnly              Signer::sign_rest over the same body: encode minus this is the cost
//                                of building the request around the signature.
//   BM_EncodeSendOrder_Ratio     both main variants interleaved in batches within one run;
//                                counters encoder_ns, fresh_ns and ratio = fresh / encoder.
//   BM_EncodeBatch3, BM_EncodeGetFills  for scale: a 3-item batchorder, a GET with a query.
//
// Each runs 5 repetitions and reports mean, median (the p50 quoted) and stddev.

// The peer's SHA256_CTX is the low-level API that OpenSSL 3 deprecates (see auth.cpp for why).
#define OPENSSL_SUPPRESS_DEPRECATED

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "tickpath/core/instrument.hpp"
#include "tickpath/oms/types.hpp"
#include "tickpath/venue/kraken_futures/auth.hpp"
#include "tickpath/venue/kraken_futures/form.hpp"
#include "tickpath/venue/kraken_futures/order_encoder.hpp"

namespace kf = tickpath::venue::kraken_futures;
namespace oms = tickpath::oms;
using tickpath::Increment;
using tickpath::InstrumentId;
using tickpath::Price;
using tickpath::Qty;
using tickpath::Side;

namespace {

// The §4.2 vector's published test secret.
constexpr std::string_view kSecret =
    "DuWQ3317vPm8tlOoylWmhfQJwGkKiR+ABuNNocaPxU2DA5H9aZAKkGO0sYBSGKirtdlkm8dL9DAp6husEABgWyOr";
constexpr std::uint64_t kNonce0 = 1'722'000'000'000'000;

kf::OrderEncoderConfig config() {
  kf::OrderEncoderConfig c;
  c.api_key = "bench-api-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS";  // Kraken-like length
  c.host = "futures.kraken.com";
  return c;
}

struct Fixture {
  tickpath::InstrumentRegistry registry{16};
  InstrumentId pi =
      registry.add({"PI_XBTUSD", Increment{5, -1}, Increment{1, 0}, tickpath::ContractKind::Inverse});
  kf::Signer signer = *kf::Signer::from_base64_secret(kSecret);
  std::string key = *kf::base64_decode(kSecret);
  kf::OrderEncoder encoder{registry, signer, config()};
  oms::Request order;

  Fixture() {
    // The §4.2 vector's order: limit buy 1 PI_XBTUSD at 44587.5, cliOrdId "123+/=".
    order.kind = oms::RequestKind::SendOrder;
    order.instrument = pi;
    order.side = Side::Buy;
    order.type = oms::OrderType::Limit;
    order.price = Price{89175};
    order.qty = Qty{1};
    order.cli.assign("123+/=");
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

std::size_t to_text(std::uint64_t v, char (&out)[24]) {
  return static_cast<std::size_t>(std::to_chars(out, out + sizeof out, v).ptr - out);
}

// The peer: a straight-line sendorder encoder with the same output, signing with a fresh HMAC.
class FreshHmacEncoder {
 public:
  explicit FreshHmacEncoder(const Fixture& f)
      : f_(f),
        head_("POST " + std::string(f.encoder.path(oms::RequestKind::SendOrder)) + " HTTP/1.1\r\nHost: " +
              config().host + "\r\nUser-Agent: tickpath\r\nAPIKey: " + config().api_key + "\r\nNonce: "),
        endpoint_(kf::endpoint_path(f.encoder.path(oms::RequestKind::SendOrder))) {}

  std::size_t encode(const oms::Request& r, std::uint64_t nonce, kf::RequestBuffer& out) const {
    const tickpath::Instrument& in = f_.registry.get(r.instrument);
    char body[512];
    std::size_t n = 0;
    const auto put = [&](std::string_view s) {
      std::memcpy(body + n, s.data(), s.size());
      n += s.size();
    };
    put("orderType=lmt&symbol=");
    n += kf::percent_encode(in.symbol(), body + n);
    put(r.side == Side::Buy ? "&side=buy&size=" : "&side=sell&size=");
    n += in.format_qty(r.qty, body + n, sizeof body - n);
    put("&limitPrice=");
    n += in.format_price(r.price, body + n, sizeof body - n);
    if (!r.cli.empty()) {
      put("&cliOrdId=");
      n += kf::percent_encode(r.cli.view(), body + n);
    }
    const std::string_view post(body, n);
    char nonce_text[24];
    const std::string_view nonce_view(nonce_text, to_text(nonce, nonce_text));
    const kf::Signature sig = sign_fresh(post, nonce_view);

    char* o = out.bytes.data();
    const auto emit = [&](std::string_view s) {
      std::memcpy(o, s.data(), s.size());
      o += s.size();
    };
    emit(head_);
    emit(nonce_view);
    emit("\r\nAuthent: ");
    emit(std::string_view(sig.data(), sig.size()));
    emit("\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ");
    char len[24];
    emit(std::string_view(len, to_text(n, len)));
    emit("\r\n\r\n");
    emit(post);
    out.size = static_cast<std::size_t>(o - out.bytes.data());
    return out.size;
  }

 private:
  [[nodiscard]] kf::Signature sign_fresh(std::string_view post, std::string_view nonce) const {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX sha;
    SHA256_Init(&sha);
    SHA256_Update(&sha, post.data(), post.size());
    SHA256_Update(&sha, nonce.data(), nonce.size());
    SHA256_Update(&sha, endpoint_.data(), endpoint_.size());
    SHA256_Final(digest, &sha);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha512(), f_.key.data(), static_cast<int>(f_.key.size()), digest, sizeof digest, mac, &mac_len);
    kf::Signature out;
    kf::base64_encode(std::span<const std::uint8_t>(mac, mac_len), out.data());
    return out;
  }

  const Fixture& f_;
  std::string head_;
  std::string endpoint_;
};

// Both encoders must produce the same bytes for the same nonce before anything is timed.
bool agree(benchmark::State& state) {
  const Fixture& f = fixture();
  const FreshHmacEncoder peer(f);
  kf::RequestBuffer a;
  kf::RequestBuffer b;
  const kf::EncodedRequest e = f.encoder.encode(f.order, kNonce0, a);
  peer.encode(f.order, kNonce0, b);
  if (!e.ok() || std::string_view(a.bytes.data(), a.size) != std::string_view(b.bytes.data(), b.size)) {
    state.SkipWithError("the encoder and the fresh-HMAC peer disagree");
    return false;
  }
  return true;
}

void BM_EncodeSignSendOrder(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!agree(state)) {
    return;
  }
  kf::RequestBuffer buf;
  std::uint64_t nonce = kNonce0;
  for (auto _ : state) {
    const kf::EncodedRequest e = f.encoder.encode(f.order, ++nonce, buf);
    benchmark::DoNotOptimize(e.bytes.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] = static_cast<double>(buf.size);
}
BENCHMARK(BM_EncodeSignSendOrder)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_EncodeSendOrderFreshHmac(benchmark::State& state) {
  const Fixture& f = fixture();
  if (!agree(state)) {
    return;
  }
  const FreshHmacEncoder peer(f);
  kf::RequestBuffer buf;
  std::uint64_t nonce = kNonce0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(peer.encode(f.order, ++nonce, buf));
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_EncodeSendOrderFreshHmac)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_SignRestOnly(benchmark::State& state) {
  const Fixture& f = fixture();
  kf::RequestBuffer buf;
  const kf::EncodedRequest e = f.encoder.encode(f.order, kNonce0, buf);
  const std::string post(e.post_data);
  for (auto _ : state) {
    std::string_view p = post;
    benchmark::DoNotOptimize(p);
    const kf::Signature sig = f.signer.sign_rest(p, "1722000000000001", "/api/v3/sendorder");
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_SignRestOnly)->Repetitions(5)->ReportAggregatesOnly(true);

// Interleaved in batches so that frequency changes and neighbours hit both alike.
void BM_EncodeSendOrder_Ratio(benchmark::State& state) {
  using Clock = std::chrono::steady_clock;
  constexpr int kBatch = 64;
  const Fixture& f = fixture();
  if (!agree(state)) {
    return;
  }
  const FreshHmacEncoder peer(f);
  kf::RequestBuffer buf;
  std::uint64_t nonce = kNonce0;
  double encoder_ns = 0;
  double fresh_ns = 0;
  std::int64_t orders = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      const kf::EncodedRequest e = f.encoder.encode(f.order, ++nonce, buf);
      benchmark::DoNotOptimize(e.bytes.data());
      benchmark::ClobberMemory();
    }
    const auto t1 = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      benchmark::DoNotOptimize(peer.encode(f.order, ++nonce, buf));
      benchmark::ClobberMemory();
    }
    const auto t2 = Clock::now();
    encoder_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
    fresh_ns += std::chrono::duration<double, std::nano>(t2 - t1).count();
    orders += kBatch;
    state.SetIterationTime(std::chrono::duration<double>(t2 - t0).count());
  }
  if (orders > 0) {
    const auto n = static_cast<double>(orders);
    state.counters["encoder_ns"] = encoder_ns / n;
    state.counters["fresh_ns"] = fresh_ns / n;
    state.counters["ratio"] = encoder_ns > 0 ? fresh_ns / encoder_ns : 0;
  }
}
BENCHMARK(BM_EncodeSendOrder_Ratio)->UseManualTime()->Repetitions(5)->ReportAggregatesOnly(true);

void BM_EncodeBatch3(benchmark::State& state) {
  const Fixture& f = fixture();
  oms::Request edit;
  edit.kind = oms::RequestKind::EditOrder;
  edit.venue_id.valid = true;
  edit.venue_id.bytes = {0xf2, 0xaf, 0x60, 0x0b, 0x5f, 0xe8, 0x49, 0xbe,
                         0x89, 0x83, 0xde, 0x87, 0x40, 0x71, 0x56, 0x3b};
  edit.instrument = f.pi;
  edit.price = Price{89170};
  oms::Request cancel;
  cancel.kind = oms::RequestKind::CancelOrder;
  cancel.venue_id = edit.venue_id;
  const oms::Request items[] = {f.order, edit, cancel};
  kf::RequestBuffer buf;
  std::uint64_t nonce = kNonce0;
  if (!f.encoder.encode_batch(items, nonce, buf).ok()) {
    state.SkipWithError("batch did not encode");
    return;
  }
  for (auto _ : state) {
    const kf::EncodedRequest e = f.encoder.encode_batch(items, ++nonce, buf);
    benchmark::DoNotOptimize(e.bytes.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] = static_cast<double>(buf.size);
}
BENCHMARK(BM_EncodeBatch3)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_EncodeGetFills(benchmark::State& state) {
  const Fixture& f = fixture();
  oms::Request fills;
  fills.kind = oms::RequestKind::Fills;
  fills.arg = 1'627'618'780'804;
  kf::RequestBuffer buf;
  std::uint64_t nonce = kNonce0;
  for (auto _ : state) {
    const kf::EncodedRequest e = f.encoder.encode(fills, ++nonce, buf);
    benchmark::DoNotOptimize(e.bytes.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_EncodeGetFills)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
