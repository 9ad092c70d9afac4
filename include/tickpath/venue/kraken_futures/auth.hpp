#pragma once
// Kraken Futures authentication (kraken-futures-protocol.md §4): the REST `Authent` header and the
// websocket signed challenge. Both are base64(HMAC-SHA-512(base64_decode(secret), SHA-256(m))):
//   REST:      m = postData + Nonce + endpointPath   (endpointPath without a leading "/derivatives")
//   websocket: m = the challenge text
//
// Signer keeps the HMAC inner and outer SHA-512 states, precomputed once from the secret, so one
// signature costs one SHA-256 of the message plus two SHA-512 compressions, with no allocation
// (about 0.6 us for a sendorder; bench/venue/kraken_futures/sign_bench.cpp).
// The secret never leaves this class: it is not printed, and the key material is wiped on
// destruction.
//
// Threads: a Signer is immutable after construction; sign calls on one object from several
// threads are safe.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tickpath::venue::kraken_futures {

// Length of an Authent / signed challenge: base64 of 64 bytes.
inline constexpr std::size_t kSignatureLength = 88;

using Signature = std::array<char, kSignatureLength>;

// Standard base64 (RFC 4648 alphabet, padded).
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);
// Writes 4 * ceil(n / 3) characters to out; returns that count.
std::size_t base64_encode(std::span<const std::uint8_t> bytes, char* out) noexcept;
// nullopt when the text is not canonical padded base64 (whitespace not allowed).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

// "/derivatives/api/v3/sendorder" -> "/api/v3/sendorder"; other paths unchanged.
[[nodiscard]] std::string_view endpoint_path(std::string_view request_path) noexcept;

class Signer {
 public:
  // nullopt when the secret is not valid base64 or decodes to nothing. Kraken secrets are 88
  // base64 characters (66 bytes in both published vectors); any non-empty key is accepted
  // (HMAC's rule: keys longer than the 128-byte block are hashed first). Cold path: allocates.
  [[nodiscard]] static std::optional<Signer> from_base64_secret(std::string_view secret_base64);

  // Authent for one REST request. post_data = query string (without '?') followed by the form
  // body, exactly as transmitted; nonce = the Nonce header value or "" when none is sent;
  // path = endpoint_path(request path).
  [[nodiscard]] Signature sign_rest(std::string_view post_data, std::string_view nonce,
                                    std::string_view path) const noexcept;
  // The websocket signed_challenge.
  [[nodiscard]] Signature sign_challenge(std::string_view challenge) const noexcept;
  // HMAC-SHA-512 over an arbitrary 32-byte digest (the common tail of both).
  // The three sign calls are hot-path safe: noexcept, no allocation, no syscall.
  [[nodiscard]] Signature sign_digest(const std::array<std::uint8_t, 32>& digest) const noexcept;

  Signer(const Signer&) noexcept;
  Signer& operator=(const Signer&) noexcept;
  ~Signer();

 private:
  Signer() noexcept = default;
  // A SHA-512 chaining value (FIPS 180-4 H0..H7) after whole blocks, resumed by one compression.
  struct State {
    std::array<std::uint64_t, 8> h{};
  };
  State inner_{};  // SHA-512 state after absorbing key ^ ipad
  State outer_{};  // SHA-512 state after absorbing key ^ opad
};

// Constant-time comparison of a received signature with an expected one (false when the lengths
// differ; the length is not secret).
[[nodiscard]] bool signature_equals(std::string_view received, const Signature& expected) noexcept;

}  // namespace tickpath::venue::kraken_futures
