#include "tickpath/sim/uuid.hpp"

#include <cstring>

namespace tickpath::sim {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// Byte index -> position of its first hex digit in the text form (dashes at 8, 13, 18, 23).
constexpr std::array<std::uint8_t, 16> kTextOffsets{0,  2,  4,  6,  9,  11, 14, 16,
                                                    19, 21, 24, 26, 28, 30, 32, 34};

constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

constexpr std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

}  // namespace

std::string Uuid::to_string() const {
  std::string out(kTextLength, '-');
  format(out.data());
  return out;
}

void Uuid::format(char* out) const noexcept {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::size_t at = kTextOffsets[i];
    out[at] = kHexDigits[bytes[i] >> 4U];
    out[at + 1] = kHexDigits[bytes[i] & 0x0FU];
  }
  out[8] = '-';
  out[13] = '-';
  out[18] = '-';
  out[23] = '-';
}

std::optional<Uuid> Uuid::parse(std::string_view text) noexcept {
  if (text.size() != kTextLength || text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') {
    return std::nullopt;
  }
  Uuid u;
  for (std::size_t i = 0; i < u.bytes.size(); ++i) {
    const std::size_t at = kTextOffsets[i];
    const int hi = hex_value(text[at]);
    const int lo = hex_value(text[at + 1]);
    if (hi < 0 || lo < 0) {
      return std::nullopt;
    }
    u.bytes[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return u;
}

std::size_t UuidHash::operator()(const Uuid& u) const noexcept {
  // Generated ids are already uniform, but parsed ones come from clients: mix both halves so that
  // crafted ids differing in one half still spread over the buckets.
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, u.bytes.data(), sizeof a);
  std::memcpy(&b, u.bytes.data() + sizeof a, sizeof b);
  std::uint64_t state = a ^ rotl(b, 29);
  return static_cast<std::size_t>(splitmix64(state));
}

Rng::Rng(std::uint64_t seed) noexcept {
  std::uint64_t state = seed;
  for (auto& word : s_) {
    word = splitmix64(state);
  }
}

std::uint64_t Rng::next() noexcept {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17U;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Rng::below(std::uint64_t bound) noexcept {
  if (bound <= 1) {
    return 0;
  }
  // Reject the lowest 2^64 mod bound values so every residue is equally likely (no modulo bias).
  const std::uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const std::uint64_t r = next();
    if (r >= threshold) {
      return r % bound;
    }
  }
}

double Rng::unit() noexcept {
  // The top 53 bits as the mantissa of a double in [0, 1).
  return static_cast<double>(next() >> 11U) * 0x1.0p-53;
}

Uuid UuidGenerator::next() noexcept {
  Uuid u;
  // Big-endian byte extraction, not memcpy: the same seed must give the same text everywhere.
  const std::uint64_t hi = rng_.next();
  const std::uint64_t lo = rng_.next();
  for (std::size_t i = 0; i < 8; ++i) {
    u.bytes[i] = static_cast<std::uint8_t>(hi >> (56U - 8U * i));
    u.bytes[8 + i] = static_cast<std::uint8_t>(lo >> (56U - 8U * i));
  }
  u.bytes[6] = static_cast<std::uint8_t>((u.bytes[6] & 0x0FU) | 0x40U);  // version 4
  u.bytes[8] = static_cast<std::uint8_t>((u.bytes[8] & 0x3FU) | 0x80U);  // variant 10xx (RFC 4122)
  return u;
}

}  // namespace tickpath::sim
