#include "tickpath/core/instrument.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tickpath/core/assert.hpp"
#include "tickpath/core/hints.hpp"

namespace tickpath {
namespace {

using SymbolKey = std::array<std::uint64_t, 4>;
constexpr std::size_t kKeyBytes = sizeof(SymbolKey);
static_assert(Instrument::kMaxSymbolLength < kKeyBytes);
static_assert(std::endian::native == std::endian::little, "make_key puts the length in byte 31");

TICKPATH_ALWAYS_INLINE char ascii_upper(char c) noexcept {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - ('a' - 'A')) : c;
}

TICKPATH_ALWAYS_INLINE std::uint64_t load_u64(const char* p) noexcept {
  std::uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

TICKPATH_ALWAYS_INLINE std::uint64_t load_u32(const char* p) noexcept {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Bytes p[0..n) of a symbol, 1 <= n <= 7, as a little-endian word with zeros above byte n. Two
// overlapping loads inside the symbol instead of a byte loop: never reads outside [p, p + n).
TICKPATH_ALWAYS_INLINE std::uint64_t load_partial(const char* p, std::size_t n) noexcept {
  if (n >= 4) {
    return load_u32(p) | (load_u32(p + n - 4) << (8 * (n - 4)));
  }
  const auto byte = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
  return byte(0) | (byte(n / 2) << (8 * (n / 2))) | (byte(n - 1) << (8 * (n - 1)));
}

// ASCII a-z to A-Z in all eight bytes at once; every other byte (digits, '_', >= 0x80) unchanged.
TICKPATH_ALWAYS_INLINE std::uint64_t ascii_upper_word(std::uint64_t w) noexcept {
  constexpr std::uint64_t kOnes = 0x0101'0101'0101'0101ULL;
  const std::uint64_t low7 = w & (0x7FU * kOnes);
  const std::uint64_t above_z = low7 + (0x7FU - 'z') * kOnes;  // bit 7 set where byte > 'z'
  const std::uint64_t from_a = low7 + (0x80U - 'a') * kOnes;   // bit 7 set where byte >= 'a'
  const std::uint64_t lower = from_a & ~above_z & ~w & (0x80U * kOnes);
  return w ^ (lower >> 2U);  // 0x80 >> 2 == 0x20, the case bit
}

// The uppercased symbol in 32 NUL-padded bytes, with its length in the last byte so that an
// embedded NUL ("PI\0") cannot match a shorter symbol ("PI"). False when the symbol is empty or
// too long, which no stored symbol is. Word loads, no byte loop: find() runs once per message.
TICKPATH_ALWAYS_INLINE bool make_key(std::string_view symbol, SymbolKey& key) noexcept {
  const std::size_t n = symbol.size();
  if (n == 0 || n > Instrument::kMaxSymbolLength) {
    return false;
  }
  const char* const p = symbol.data();
  key = SymbolKey{};
  const std::size_t full = n / 8;
  for (std::size_t i = 0; i < full; ++i) {
    key[i] = ascii_upper_word(load_u64(p + 8 * i));
  }
  if (const std::size_t rest = n % 8; rest != 0) {
    // Bytes [n - 8, n) shifted down past the ones already taken; for short symbols, a partial load.
    key[full] = ascii_upper_word(n >= 8 ? load_u64(p + n - 8) >> (8 * (8 - rest)) : load_partial(p, n));
  }
  key[3] |= std::uint64_t{n} << 56U;
  return true;
}

TICKPATH_ALWAYS_INLINE bool same_key(const SymbolKey& a, const SymbolKey& b) noexcept {
  return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

// Four independent multiplies (one per key word) and a final avalanche, so that the low bits used
// as the slot index depend on every byte. Symbols are short, so this beats a byte-serial FNV-1a.
TICKPATH_ALWAYS_INLINE std::uint64_t hash_key(const SymbolKey& k) noexcept {
  std::uint64_t h = (k[0] * 0x9E3779B97F4A7C15ULL) ^ (k[1] * 0xC2B2AE3D27D4EB4FULL) ^
                    (k[2] * 0x165667B19E3779F9ULL) ^ (k[3] * 0xD6E8FEB86659FD93ULL);
  h ^= h >> 32U;
  h *= 0x9E3779B97F4A7C15ULL;
  h ^= h >> 29U;
  return h;
}

[[noreturn]] TICKPATH_COLD void reject(const std::string& what) {
  throw std::invalid_argument(what);
}

void check_increment(std::string_view symbol, const char* name, Increment inc) {
  if (inc.mantissa <= 0 || inc.exponent < kMinIncrementExponent || inc.exponent > kMaxIncrementExponent) {
    reject("instrument '" + std::string(symbol) + "': " + name + " must be positive with an exponent in [" +
           std::to_string(kMinIncrementExponent) + ", " + std::to_string(kMaxIncrementExponent) + "]");
  }
}

}  // namespace

ContractKind kind_from_symbol(std::string_view symbol) {
  if (symbol.size() > 3 && symbol[2] == '_') {
    const char first = ascii_upper(symbol[0]);
    const char second = ascii_upper(symbol[1]);
    if ((first == 'P' || first == 'F') && second == 'I') {
      return ContractKind::Inverse;
    }
    if ((first == 'P' || first == 'F') && second == 'F') {
      return ContractKind::Linear;
    }
  }
  reject("instrument '" + std::string(symbol) +
         "': unknown contract kind (expected a PI_, FI_, PF_ or FF_ prefix)");
}

Instrument::Instrument(InstrumentId id, const InstrumentSpec& spec)
    : tick_size_(spec.tick_size), size_step_(spec.size_step), id_(id), kind_(spec.kind) {
  const std::string_view symbol = spec.symbol;
  if (symbol.empty() || symbol.size() > kMaxSymbolLength) {
    reject("instrument '" + spec.symbol + "': symbol must have 1 to " + std::to_string(kMaxSymbolLength) +
           " characters");
  }
  for (std::size_t i = 0; i < symbol.size(); ++i) {
    const char c = symbol[i];
    if (c <= ' ' || c > '~') {
      reject("instrument '" + spec.symbol + "': symbol must be printable ASCII without spaces");
    }
    symbol_[i] = ascii_upper(c);
  }
  symbol_length_ = static_cast<std::uint8_t>(symbol.size());
  check_increment(symbol, "tick size", tick_size_);
  check_increment(symbol, "size step", size_step_);
}

std::size_t InstrumentRegistry::checked_capacity(std::size_t capacity) {
  if (capacity == 0 || capacity > kMaxCapacity) {
    reject("instrument registry: capacity must be in [1, " + std::to_string(kMaxCapacity) + "], not " +
           std::to_string(capacity));
  }
  return capacity;
}

InstrumentRegistry::InstrumentRegistry(std::size_t capacity)
    : capacity_(checked_capacity(capacity)), mask_(std::bit_ceil(capacity_ * 2) - 1) {
  instruments_.reserve(capacity);
  keys_.reserve(capacity);
  slots_.resize(mask_ + 1);
}

InstrumentId InstrumentRegistry::add(const InstrumentSpec& spec) {
  const InstrumentId id{static_cast<InstrumentId::value_type>(instruments_.size())};
  const Instrument instrument{id, spec};  // validates the spec
  if (instruments_.size() == capacity_) {
    reject("instrument registry: full (capacity " + std::to_string(capacity_) + ") when adding '" +
           spec.symbol + "'");
  }
  if (find(spec.symbol).valid()) {
    reject("instrument registry: duplicate symbol '" + spec.symbol + "'");
  }
  SymbolKey key{};
  make_key(spec.symbol, key);
  const std::uint64_t h = hash_key(key);
  std::size_t i = h & mask_;
  while (slots_[i].id.valid()) {
    i = (i + 1) & mask_;
  }
  slots_[i] = Slot{static_cast<std::uint32_t>(h >> 32U), id};
  instruments_.push_back(instrument);
  keys_.push_back(key);
  return id;
}

InstrumentId InstrumentRegistry::find(std::string_view symbol) const noexcept {
  SymbolKey key{};
  if (!make_key(symbol, key)) {
    return {};
  }
  const std::uint64_t h = hash_key(key);
  const auto tag = static_cast<std::uint32_t>(h >> 32U);
  // Terminates: the load factor stays at or below 1/2, so an empty slot always exists.
  for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (!slot.id.valid()) {
      return {};
    }
    if (slot.tag == tag && same_key(keys_[slot.id.value()], key)) {
      return slot.id;
    }
  }
}

const Instrument& InstrumentRegistry::get(InstrumentId id) const noexcept {
  TICKPATH_ASSERT(id.value() < instruments_.size(), "InstrumentId not from this registry");
  return instruments_[id.value()];
}

}  // namespace tickpath
