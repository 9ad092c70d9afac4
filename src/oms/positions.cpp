#include "tickpath/oms/positions.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace tickpath::oms {

using detail::I128;

namespace detail {
namespace {

__extension__ using U128 = unsigned __int128;

constexpr I128 kI128Max = static_cast<I128>(~U128{0} >> 1U);
constexpr I128 kI128Min = -kI128Max - 1;
constexpr int kMaxPow10 = 38;  // 10^38 < 2^127 - 1 < 10^39

constexpr auto kPow10 = [] {
  std::array<I128, kMaxPow10 + 1> p{};
  p[0] = 1;
  for (std::size_t i = 1; i < p.size(); ++i) {
    p[i] = p[i - 1] * 10;
  }
  return p;
}();

[[nodiscard]] I128 saturate(bool negative) noexcept {
  return negative ? kI128Min : kI128Max;
}

[[nodiscard]] bool fits_i64(I128 v) noexcept {
  return v >= std::numeric_limits<std::int64_t>::min() && v <= std::numeric_limits<std::int64_t>::max();
}

}  // namespace

I128 div_round(I128 num, I128 den) noexcept {
  // Most values fit 64 bits: one hardware division instead of the __divti3 call.
  if (fits_i64(num) && fits_i64(den) && den != -1) {
    const auto n = static_cast<std::int64_t>(num);
    const auto d = static_cast<std::int64_t>(den);
    std::int64_t q = n / d;
    const std::int64_t r = n % d;
    const std::uint64_t abs_r = r < 0 ? 0U - static_cast<std::uint64_t>(r) : static_cast<std::uint64_t>(r);
    const std::uint64_t abs_d = d < 0 ? 0U - static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
    if (abs_r >= abs_d - abs_r) {  // |r| >= |d| / 2: half away from zero
      q += (n < 0) != (d < 0) ? -1 : 1;
    }
    return q;
  }
  if (den == -1) {
    return num == kI128Min ? kI128Max : -num;
  }
  I128 q = num / den;
  const I128 r = num % den;
  const U128 abs_r = r < 0 ? U128{0} - static_cast<U128>(r) : static_cast<U128>(r);
  const U128 abs_d = den < 0 ? U128{0} - static_cast<U128>(den) : static_cast<U128>(den);
  if (abs_r >= abs_d - abs_r) {
    q += (num < 0) != (den < 0) ? -1 : 1;
  }
  return q;
}

I128 scale_pow10(I128 value, int exp10) noexcept {
  if (value == 0 || exp10 == 0) {
    return value;
  }
  if (exp10 > 0) {
    if (exp10 > kMaxPow10) {
      return saturate(value < 0);
    }
    I128 out = 0;
    if (__builtin_mul_overflow(value, kPow10[static_cast<std::size_t>(exp10)], &out)) {
      return saturate(value < 0);
    }
    return out;
  }
  if (exp10 < -kMaxPow10) {
    return 0;  // |value| < 1.7e38 < 10^39 / 2
  }
  return div_round(value, kPow10[static_cast<std::size_t>(-exp10)]);
}

Money clamp_money(I128 value) noexcept {
  if (value > std::numeric_limits<Money>::max()) {
    return std::numeric_limits<Money>::max();
  }
  if (value < std::numeric_limits<Money>::min()) {
    return std::numeric_limits<Money>::min();
  }
  return static_cast<Money>(value);
}

}  // namespace detail

namespace {

using detail::clamp_money;
using detail::div_round;
using detail::scale_pow10;

[[nodiscard]] I128 mul_sat(I128 a, I128 b) noexcept {
  I128 out = 0;
  if (__builtin_mul_overflow(a, b, &out)) {
    return (a < 0) != (b < 0) ? detail::kI128Min : detail::kI128Max;
  }
  return out;
}

[[nodiscard]] I128 add_sat(I128 a, I128 b) noexcept {
  I128 out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return b < 0 ? detail::kI128Min : detail::kI128Max;
  }
  return out;
}

// num * 10^exp10 / den, rounded once: the power of ten goes to whichever side keeps it an integer.
[[nodiscard]] I128 ratio_pow10(I128 num, int exp10, I128 den) noexcept {
  if (den == 0) {
    return 0;
  }
  if (exp10 >= 0) {
    return div_round(scale_pow10(num, exp10), den);
  }
  if (exp10 < -detail::kMaxPow10) {
    return 0;
  }
  return div_round(num, mul_sat(den, detail::kPow10[static_cast<std::size_t>(-exp10)]));
}

// The basis of `lots` (> 0) opened at `ticks` (> 0), in the units of Position::basis.
[[nodiscard]] I128 basis_of(const Instrument& inst, std::int64_t lots, std::int64_t ticks) noexcept {
  if (inst.kind() == ContractKind::Linear) {
    return mul_sat(I128{lots} * ticks, I128{kLinearBasisScale});
  }
  // lots * step / (ticks * tick) coin, in 1e-18 coin.
  const Increment step = inst.size_step();
  const Increment tick = inst.tick_size();
  return ratio_pow10(I128{lots} * step.mantissa, step.exponent - tick.exponent - kInverseBasisExponent,
                     I128{ticks} * tick.mantissa);
}

// PnL in basis units -> Money of the settlement currency.
[[nodiscard]] Money money_of_basis(const Instrument& inst, I128 units) noexcept {
  if (inst.kind() == ContractKind::Linear) {
    // units * 1e-9 lot*tick * step * tick USD = units * ms * mt * 10^(es + et) Money.
    const Increment step = inst.size_step();
    const Increment tick = inst.tick_size();
    return clamp_money(
        scale_pow10(mul_sat(units, I128{step.mantissa} * tick.mantissa), step.exponent + tick.exponent));
  }
  return clamp_money(scale_pow10(units, kInverseBasisExponent + 9));  // 1e-18 coin -> 1e-9 coin
}

// The PnL (basis units) of closing `lots` of an open position whose closed part cost closed_basis,
// at `ticks`. long: whether the position being closed is long.
[[nodiscard]] I128 close_pnl(const Instrument& inst, bool long_position, I128 closed_basis, std::int64_t lots,
                             std::int64_t ticks) noexcept {
  const I128 exit_value = basis_of(inst, lots, ticks);
  // Linear: value grows with the price, a long gains exit - entry. Inverse: the basis is coin per
  // contract (1/price), a long gains 1/entry - 1/exit = basis - exit value.
  const I128 long_pnl =
      inst.kind() == ContractKind::Linear ? exit_value - closed_basis : closed_basis - exit_value;
  return long_position ? long_pnl : -long_pnl;
}

const Position kFlat{};

}  // namespace

Money to_money(Decimal value) noexcept {
  return clamp_money(scale_pow10(I128{value.mantissa}, value.exponent + 9));
}

double Position::average_price(const Instrument& instrument) const noexcept {
  if (qty.is_zero() || basis <= 0) {
    return 0.0;
  }
  const double lots = std::fabs(static_cast<double>(qty.lots()));
  const Increment step = instrument.size_step();
  const Increment tick = instrument.tick_size();
  const double tick_size = static_cast<double>(tick.mantissa) * std::pow(10.0, tick.exponent);
  if (instrument.kind() == ContractKind::Linear) {
    return static_cast<double>(basis) / (lots * static_cast<double>(kLinearBasisScale)) * tick_size;
  }
  const double step_size = static_cast<double>(step.mantissa) * std::pow(10.0, step.exponent);
  const double coin = static_cast<double>(basis) * std::pow(10.0, kInverseBasisExponent);
  return lots * step_size / coin;  // the harmonic mean of the entries
}

PositionBook::PositionBook(const InstrumentRegistry& registry)
    : registry_(&registry), positions_(registry.size()) {}

const Position& PositionBook::apply_fill(InstrumentId id, Side side, Price price, Qty qty,
                                         Money fee) noexcept {
  if (!id.valid() || id.value() >= positions_.size() || qty.lots() <= 0 || price.ticks() <= 0 ||
      price == Price::max()) {
    ++invalid_fills_;
    return id.valid() && id.value() < positions_.size() ? positions_[id.value()] : kFlat;
  }
  Position& pos = positions_[id.value()];
  const Instrument& inst = registry_->get(id);
  const std::int64_t fill = qty.lots();
  const std::int64_t q = pos.qty.lots();
  const bool buy = side == Side::Buy;
  // The resulting quantity must stay within +-INT64_MAX (a flip's is at most |fill|), so that
  // |qty| is always representable.
  constexpr std::int64_t kMaxLots = std::numeric_limits<std::int64_t>::max();
  if ((q == 0 || (q > 0) == buy) && (buy ? q > kMaxLots - fill : q < fill - kMaxLots)) {
    ++invalid_fills_;
    return pos;
  }

  pos.fees = clamp_money(I128{pos.fees} + fee);
  ++pos.fills;

  if (q == 0 || (q > 0) == buy) {  // opens or increases
    pos.basis = add_sat(pos.basis, basis_of(inst, fill, price.ticks()));
    pos.qty = Qty{buy ? q + fill : q - fill};
    return pos;
  }

  // Reduces, closes or flips. |q| <= INT64_MAX (kept so above and by set).
  const std::int64_t open = q > 0 ? q : -q;
  const std::int64_t closed = fill < open ? fill : open;
  // The closed part's share of the basis, rounded: what stays is basis - closed_basis exactly, so
  // a full close realises the exact total.
  const I128 closed_basis = closed == open ? pos.basis : div_round(mul_sat(pos.basis, closed), open);
  const I128 pnl = close_pnl(inst, q > 0, closed_basis, closed, price.ticks());
  pos.realised_pnl = clamp_money(I128{pos.realised_pnl} + money_of_basis(inst, pnl));
  pos.basis -= closed_basis;
  const std::int64_t rest = fill - closed;
  if (closed == open) {
    pos.basis = 0;
    pos.qty = Qty{0};
    if (rest > 0) {  // flip: the rest opens at the fill price
      pos.basis = basis_of(inst, rest, price.ticks());
      pos.qty = Qty{buy ? rest : -rest};
    }
  } else {
    pos.qty = Qty{q > 0 ? q - closed : q + closed};
  }
  return pos;
}

void PositionBook::set(InstrumentId id, Qty qty, Price entry) noexcept {
  if (!id.valid() || id.value() >= positions_.size() ||
      qty.lots() == std::numeric_limits<std::int64_t>::min()) {
    return;
  }
  Position& pos = positions_[id.value()];
  pos.qty = qty;
  pos.basis = 0;
  if (qty.is_zero() || entry.ticks() <= 0 || entry == Price::max()) {
    return;
  }
  const std::int64_t lots = qty.lots() > 0 ? qty.lots() : -qty.lots();
  pos.basis = basis_of(registry_->get(id), lots, entry.ticks());
}

void PositionBook::set(InstrumentId id, Qty qty, Decimal entry) noexcept {
  if (!id.valid() || id.value() >= positions_.size() ||
      qty.lots() == std::numeric_limits<std::int64_t>::min()) {
    return;
  }
  Position& pos = positions_[id.value()];
  pos.qty = qty;
  pos.basis = 0;
  if (qty.is_zero() || entry.mantissa <= 0) {
    return;
  }
  const Instrument& inst = registry_->get(id);
  const std::int64_t lots = qty.lots() > 0 ? qty.lots() : -qty.lots();
  const Increment tick = inst.tick_size();
  if (inst.kind() == ContractKind::Linear) {
    // lots * (entry / tick) * 1e9 = lots * mantissa * 10^(exp - et + 9) / mt
    pos.basis =
        ratio_pow10(I128{lots} * entry.mantissa, entry.exponent - tick.exponent + 9, I128{tick.mantissa});
    return;
  }
  // lots * step / entry coin in 1e-18 = lots * ms * 10^(es - exp + 18) / mantissa
  const Increment step = inst.size_step();
  pos.basis = ratio_pow10(I128{lots} * step.mantissa, step.exponent - entry.exponent - kInverseBasisExponent,
                          I128{entry.mantissa});
}

const Position& PositionBook::get(InstrumentId id) const noexcept {
  return id.valid() && id.value() < positions_.size() ? positions_[id.value()] : kFlat;
}

Money PositionBook::unrealised_pnl(InstrumentId id, Price mark) const noexcept {
  const Position& pos = get(id);
  // basis 0 with a quantity: adopted without a usable entry price (set), so nothing to mark.
  if (pos.qty.is_zero() || pos.basis == 0 || mark.ticks() <= 0 || mark == Price::max()) {
    return 0;
  }
  const Instrument& inst = registry_->get(id);
  const std::int64_t q = pos.qty.lots();
  const std::int64_t open = q > 0 ? q : -q;
  return money_of_basis(inst, close_pnl(inst, q > 0, pos.basis, open, mark.ticks()));
}

Money PositionBook::total_pnl(InstrumentId id, Price mark) const noexcept {
  const Position& pos = get(id);
  return clamp_money(I128{pos.realised_pnl} + unrealised_pnl(id, mark) - pos.fees);
}

// ---------------------------------------------------------------------------------------------
// FillDeduper

namespace {

[[nodiscard]] std::size_t home_of(const std::array<std::uint8_t, 16>& key, std::size_t mask) noexcept {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  std::memcpy(&lo, key.data(), 8);
  std::memcpy(&hi, key.data() + 8, 8);
  // Venue UUIDs are random, but the simulator's and tests' ids may count up: mix before masking.
  std::uint64_t h = lo ^ std::rotl(hi, 29);
  h ^= h >> 33U;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33U;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33U;
  return static_cast<std::size_t>(h) & mask;
}

}  // namespace

FillDeduper::FillDeduper(std::size_t capacity) : mask_(0) {
  if (capacity == 0 || capacity > (std::size_t{1} << 30U)) {
    throw std::invalid_argument("fill deduper: capacity must be in [1, 2^30]");
  }
  const std::size_t table = std::bit_ceil(capacity * 2);
  slots_.resize(table);
  mask_ = table - 1;
  fifo_.resize(capacity);
}

std::size_t FillDeduper::find_slot(const Key& key) const noexcept {
  std::size_t i = home_of(key, mask_);
  // Load <= 1/2: an empty slot always ends the probe.
  while (slots_[i].used && slots_[i].key != key) {
    i = (i + 1) & mask_;
  }
  return i;
}

void FillDeduper::erase(const Key& key) noexcept {
  std::size_t i = find_slot(key);
  if (!slots_[i].used) {
    return;
  }
  // Backward-shift deletion (no tombstones): pull later members of the probe run into the hole
  // when their home does not lie cyclically in (hole, j].
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & mask_;
    if (!slots_[j].used) {
      break;
    }
    const std::size_t k = home_of(slots_[j].key, mask_);
    const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i].used = false;
}

bool FillDeduper::insert(const FillId& id) noexcept {
  if (!id.valid) {
    ++invalid_ids_;
    return true;
  }
  std::size_t i = find_slot(id.bytes);
  if (slots_[i].used) {
    ++duplicates_;
    return false;
  }
  if (count_ == fifo_.size()) {  // forget the oldest
    erase(fifo_[head_]);
    head_ = head_ + 1 == fifo_.size() ? 0 : head_ + 1;
    --count_;
    i = find_slot(id.bytes);  // the erase may have moved the run
  }
  slots_[i].key = id.bytes;
  slots_[i].used = true;
  std::size_t tail = head_ + count_;
  if (tail >= fifo_.size()) {
    tail -= fifo_.size();
  }
  fifo_[tail] = id.bytes;
  ++count_;
  return true;
}

bool FillDeduper::contains(const FillId& id) const noexcept {
  return id.valid && slots_[find_slot(id.bytes)].used;
}

}  // namespace tickpath::oms
