#include "tickpath/venue/kraken_futures/auth.hpp"

// The low-level SHA interfaces are deprecated in OpenSSL 3 in favour of EVP, but EVP cannot resume
// a hash from a stored chaining value, which is the whole point of Signer (and EVP_MD_CTX_copy and
// the one-shot SHA256() both allocate in 3.0: the latter goes through EVP_Q_digest). This file
// alone opts back in; no public header includes OpenSSL.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace tickpath::venue::kraken_futures {

namespace {

constexpr std::size_t kBlock = 128;  // SHA-512 block
constexpr std::size_t kSha512Len = 64;
constexpr std::size_t kSha256Len = 32;

static_assert(sizeof(SHA_LONG64) == sizeof(std::uint64_t));
static_assert(sizeof(SHA512_CTX::h) == sizeof(std::array<std::uint64_t, 8>));
static_assert(SHA512_CBLOCK == kBlock);
static_assert(4 * ((kSha512Len + 2) / 3) == kSignatureLength);

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_decode_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) {
    v = -1;
  }
  for (std::size_t i = 0; i < 64; ++i) {
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return t;
}
constexpr std::array<std::int8_t, 256> kDecode = make_decode_table();

void store_be64(std::uint64_t v, std::uint8_t* out) noexcept {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(v & 0xffU);
    v >>= 8;
  }
}

// The final block of a message of one key block (128 bytes) plus `len` bytes already placed at the
// front of `block`: 0x80, zeros, then the 128-bit big-endian bit length (FIPS 180-4 §5.1.2).
void pad_after_key_block(std::uint8_t* block, std::size_t len) noexcept {
  block[len] = 0x80;
  std::memset(block + len + 1, 0, kBlock - len - 1 - 8);
  store_be64(static_cast<std::uint64_t>(kBlock + len) * 8U, block + kBlock - 8);
}

// One SHA-512 compression of `block` starting from chaining value `h`; the result goes to `out`.
void compress(const std::array<std::uint64_t, 8>& h, const std::uint8_t* block,
              std::array<std::uint64_t, 8>& out) noexcept {
  SHA512_CTX ctx;  // only h is read by SHA512_Transform; the rest stays uninitialised on purpose
  std::memcpy(ctx.h, h.data(), sizeof(ctx.h));
  SHA512_Transform(&ctx, block);
  std::memcpy(out.data(), ctx.h, sizeof(ctx.h));
  // ctx.h now holds a digest state, no longer the key-derived start value; nothing to wipe.
}

void sha256_parts(std::initializer_list<std::string_view> parts, std::uint8_t* out) noexcept {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  for (const std::string_view p : parts) {
    SHA256_Update(&ctx, p.data(), p.size());
  }
  SHA256_Final(out, &ctx);
}

}  // namespace

std::size_t base64_encode(std::span<const std::uint8_t> bytes, char* out) noexcept {
  const std::size_t n = bytes.size();
  const std::uint8_t* in = bytes.data();
  std::size_t o = 0;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out[o++] = kAlphabet[(v >> 18) & 63U];
    out[o++] = kAlphabet[(v >> 12) & 63U];
    out[o++] = kAlphabet[(v >> 6) & 63U];
    out[o++] = kAlphabet[v & 63U];
  }
  const std::size_t rest = n - i;
  if (rest != 0) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) {
      v |= std::uint32_t{in[i + 1]} << 8;
    }
    out[o++] = kAlphabet[(v >> 18) & 63U];
    out[o++] = kAlphabet[(v >> 12) & 63U];
    out[o++] = rest == 2 ? kAlphabet[(v >> 6) & 63U] : '=';
    out[o++] = '=';
  }
  return o;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  base64_encode(bytes, out.data());
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') {
    pad = text[text.size() - 2] == '=' ? 2 : 1;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const std::size_t data_chars = last ? 4 - pad : 4;
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      std::int8_t d = 0;
      if (k < data_chars) {
        d = kDecode[static_cast<unsigned char>(text[i + k])];
        if (d < 0) {
          return std::nullopt;  // includes '=' in the middle and whitespace
        }
      }
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    out.push_back(static_cast<char>((v >> 16) & 0xffU));
    if (data_chars >= 3) {
      out.push_back(static_cast<char>((v >> 8) & 0xffU));
    }
    if (data_chars == 4) {
      out.push_back(static_cast<char>(v & 0xffU));
    }
    // Canonical form: the bits of the last data character that fall outside the output are zero,
    // so each byte string has exactly one accepted encoding.
    if (data_chars == 2 && (v & 0xffffU) != 0) {
      return std::nullopt;
    }
    if (data_chars == 3 && (v & 0xffU) != 0) {
      return std::nullopt;
    }
  }
  return out;
}

std::string_view endpoint_path(std::string_view request_path) noexcept {
  // Only the exact segment: "/derivativesX/..." is not the derivatives prefix (§4.2, §9 item 26).
  constexpr std::string_view kPrefix = "/derivatives";
  if (request_path.starts_with(kPrefix) &&
      (request_path.size() == kPrefix.size() || request_path[kPrefix.size()] == '/')) {
    return request_path.substr(kPrefix.size());
  }
  return request_path;
}

std::optional<Signer> Signer::from_base64_secret(std::string_view secret_base64) {
  std::optional<std::string> decoded = base64_decode(secret_base64);
  if (!decoded) {
    return std::nullopt;
  }
  std::string& key = *decoded;  // wiped below, in place (a move could leave an SSO copy behind)
  if (key.empty()) {
    return std::nullopt;
  }
  // RFC 2104: a key longer than the block is replaced by its hash; a shorter one is zero-padded.
  std::array<std::uint8_t, kBlock> k{};
  if (key.size() > kBlock) {
    SHA512_CTX h;  // not SHA512(): in OpenSSL 3.0 that one-shot allocates (EVP_Q_digest)
    SHA512_Init(&h);
    SHA512_Update(&h, key.data(), key.size());
    SHA512_Final(k.data(), &h);
    OPENSSL_cleanse(&h, sizeof(h));
  } else {
    std::memcpy(k.data(), key.data(), key.size());
  }
  OPENSSL_cleanse(key.data(), key.size());

  Signer s;
  std::array<std::uint8_t, kBlock> pad{};
  SHA512_CTX ctx;
  for (const auto& [byte, state] :
       {std::pair{std::uint8_t{0x36}, &s.inner_}, std::pair{std::uint8_t{0x5c}, &s.outer_}}) {
    for (std::size_t i = 0; i < kBlock; ++i) {
      pad[i] = static_cast<std::uint8_t>(k[i] ^ byte);
    }
    SHA512_Init(&ctx);
    SHA512_Transform(&ctx, pad.data());
    std::memcpy(state->h.data(), ctx.h, sizeof(ctx.h));
  }
  OPENSSL_cleanse(&ctx, sizeof(ctx));
  OPENSSL_cleanse(pad.data(), pad.size());
  OPENSSL_cleanse(k.data(), k.size());
  return s;
}

Signer::Signer(const Signer& other) noexcept = default;
Signer& Signer::operator=(const Signer& other) noexcept = default;

Signer::~Signer() {
  // The two states are as good as the secret for forging signatures.
  OPENSSL_cleanse(&inner_, sizeof(inner_));
  OPENSSL_cleanse(&outer_, sizeof(outer_));
}

Signature Signer::sign_digest(const std::array<std::uint8_t, 32>& digest) const noexcept {
  alignas(8) std::array<std::uint8_t, kBlock> block;
  std::array<std::uint64_t, 8> h;
  std::memcpy(block.data(), digest.data(), kSha256Len);
  pad_after_key_block(block.data(), kSha256Len);
  compress(inner_.h, block.data(), h);
  for (std::size_t i = 0; i < 8; ++i) {
    store_be64(h[i], block.data() + 8 * i);
  }
  pad_after_key_block(block.data(), kSha512Len);
  compress(outer_.h, block.data(), h);
  for (std::size_t i = 0; i < 8; ++i) {
    store_be64(h[i], block.data() + 8 * i);
  }
  Signature out;
  base64_encode(std::span<const std::uint8_t>(block.data(), kSha512Len), out.data());
  return out;
}

Signature Signer::sign_rest(std::string_view post_data, std::string_view nonce,
                            std::string_view path) const noexcept {
  // Three updates instead of building post_data + nonce + path: same hash, no buffer.
  std::array<std::uint8_t, 32> digest;
  sha256_parts({post_data, nonce, path}, digest.data());
  return sign_digest(digest);
}

Signature Signer::sign_challenge(std::string_view challenge) const noexcept {
  std::array<std::uint8_t, 32> digest;
  sha256_parts({challenge}, digest.data());
  return sign_digest(digest);
}

bool signature_equals(std::string_view received, const Signature& expected) noexcept {
  // The length is public (always 88); only the content comparison must not leak timing.
  if (received.size() != expected.size()) {
    return false;
  }
  return CRYPTO_memcmp(received.data(), expected.data(), expected.size()) == 0;
}

}  // namespace tickpath::venue::kraken_futures
