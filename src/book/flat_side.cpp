#include "tickpath/book/flat_side.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "tickpath/core/assert.hpp"

namespace tickpath::book {

namespace {
constexpr std::int64_t kMaxWindowTicks = std::int64_t{1} << 24;
}  // namespace

FlatSide::FlatSide(const BookConfig& config) : far_(config) {
  if (config.window_ticks < 1 || config.window_ticks > kMaxWindowTicks) {
    throw std::invalid_argument("book: window_ticks must be in [1, 16777216]");
  }
  width_ = std::max(kMinWidth, std::bit_ceil(static_cast<std::size_t>(config.window_ticks)));
  words_ = width_ / 64;
  // Value-initialised, so every page is touched here rather than on the first delta.
  qty_.assign(width_, 0);
  bits_.assign(words_, 0);
  summary_.assign(words_ / 64, 0);
}

DeltaResult FlatSide::apply_outside(Key key, std::int64_t lots) noexcept {
  return lots == 0 ? erase_outside(key) : set_outside(key, lots);
}

// apply() handles every delete inside the window itself; what reaches here is outside it.
DeltaResult FlatSide::erase_outside(Key key) noexcept {
  TICKPATH_ASSERT(count_ == 0 || offset(key) >= width_, "window deletes take the fast path");
  if (count_ == 0 || key < lo_) {
    return DeltaResult::DeleteOfAbsentLevel;  // empty side, or better than every level
  }
  return far_.apply(key, 0);
}

DeltaResult FlatSide::set_outside(Key key, std::int64_t lots) noexcept {
  const Key quarter = static_cast<Key>(width_ / 4);
  if (count_ == 0) {
    // Empty side (so far_ is empty too): open the window around the first level.
    lo_ = align_down(key - quarter);
    best_ = kNone;
    place(key, lots);
    return DeltaResult::Inserted;
  }
  if (offset(key) < width_) {
    // A new level inside the window while the side is full (apply() handled updates).
    TICKPATH_ASSERT(qty_[slot(key)] == 0 && size() == capacity(), "window updates take the fast path");
    const Key worst = far_.empty() ? window_worst() : far_.worst_key();
    if (key > worst) {
      return DeltaResult::DroppedAtCapacity;
    }
    evict_worst();
    place(key, lots);
    return DeltaResult::InsertedEvictingWorst;
  }
  if (key < lo_) {
    // Better than the window: the market moved past it. The new level is the new best.
    DeltaResult result = DeltaResult::Inserted;
    if (size() == capacity()) {
      evict_worst();
      result = DeltaResult::InsertedEvictingWorst;
    }
    const Key new_lo = align_down(key - quarter);
    if (count_ != 0) {
      move_window_better(new_lo);
      ++recentres_;
    } else {
      lo_ = new_lo;
    }
    place(key, lots);
    return result;
  }
  // Worse than the window: a far level, kept in the sorted overflow.
  const std::size_t pos = far_.position(key);
  if (far_.found_at(pos, key)) {
    far_.update_at(pos, lots);
    return DeltaResult::Updated;
  }
  if (size() < capacity()) {
    far_.insert_at(pos, key, lots);
    return DeltaResult::Inserted;
  }
  if (pos == 0) {
    return DeltaResult::DroppedAtCapacity;  // worse than every level held
  }
  far_.pop_worst();
  far_.insert_at(pos - 1, key, lots);
  return DeltaResult::InsertedEvictingWorst;
}

void FlatSide::rebalance_after_best_removed() noexcept {
  Key target = best_;
  if (count_ == 0) {
    best_ = kNone;
    if (far_.empty()) {
      return;  // the side is empty
    }
    target = far_.best_key();
  }
  move_window_worse(align_down(target - static_cast<Key>(width_ / 4)));
  ++recentres_;
}

// The window's worse end moves past levels it holds: carry them, worst first, onto the better end
// of far_ (whose keys are all beyond the old window), so far_ stays sorted without a search.
void FlatSide::move_window_better(Key new_lo) noexcept {
  TICKPATH_ASSERT(new_lo < lo_, "window must move to better prices");
  const Key to = lo_ + static_cast<Key>(width_);
  const Key from = std::max(new_lo + static_cast<Key>(width_), lo_);
  for (Key word_key = to - 64; word_key >= from; word_key -= 64) {
    const std::size_t w = slot(word_key) >> 6;
    std::uint64_t bits = bits_[w];
    if (bits == 0) {
      continue;
    }
    while (bits != 0) {
      const int bit = 63 - std::countl_zero(bits);
      const Key key = word_key + bit;
      const std::size_t s = slot(key);
      far_.push_best(key, qty_[s]);
      qty_[s] = 0;
      bits &= ~(std::uint64_t{1} << bit);
      --count_;
    }
    bits_[w] = 0;
    summary_[w >> 6] &= ~(std::uint64_t{1} << (w & 63));
  }
  lo_ = new_lo;
  if (count_ == 0) {
    best_ = kNone;
  }
}

// The ticks the window gives up at its better end hold no level (they are better than the best),
// so only far_'s levels that now fall inside the window need carrying.
void FlatSide::move_window_worse(Key new_lo) noexcept {
  TICKPATH_ASSERT(new_lo > lo_ || count_ == 0, "window must move to worse prices");
  TICKPATH_ASSERT(count_ == 0 || best_ >= new_lo, "the window would lose levels");
  lo_ = new_lo;
  pull_from_far();
}

void FlatSide::pull_from_far() noexcept {
  const Key end = lo_ + static_cast<Key>(width_);
  while (!far_.empty() && far_.best_key() < end) {
    place(far_.best_key(), far_.best_lots());
    far_.pop_best();
  }
}

Key FlatSide::window_worst() const noexcept {
  for (std::size_t logical = words_; logical-- > 0;) {
    const Key word_key = lo_ + static_cast<Key>(logical * 64);
    if (const std::uint64_t bits = bits_[slot(word_key) >> 6]; bits != 0) {
      return word_key + 63 - std::countl_zero(bits);
    }
  }
  return kNone;
}

void FlatSide::remove_from_window(Key key) noexcept {
  qty_[slot(key)] = 0;
  unmark(key);
  --count_;
  if (count_ == 0) {
    best_ = kNone;
  }
}

void FlatSide::evict_worst() noexcept {
  if (!far_.empty()) {
    far_.pop_worst();
  } else {
    remove_from_window(window_worst());
  }
}

void FlatSide::clear() noexcept {
  for (std::size_t sw = 0; sw < summary_.size(); ++sw) {
    for (std::uint64_t words = summary_[sw]; words != 0; words &= words - 1) {
      const std::size_t w = sw * 64 + static_cast<std::size_t>(std::countr_zero(words));
      for (std::uint64_t bits = bits_[w]; bits != 0; bits &= bits - 1) {
        qty_[w * 64 + static_cast<std::size_t>(std::countr_zero(bits))] = 0;
      }
      bits_[w] = 0;
    }
    summary_[sw] = 0;
  }
  count_ = 0;
  best_ = kNone;
  far_.clear();
}

void FlatSide::begin_snapshot() noexcept {
  clear();
  far_.begin_snapshot();
}

// The snapshot was staged in far_; open the window at its best level and pull the near levels in.
void FlatSide::end_snapshot() noexcept {
  far_.end_snapshot();
  if (!far_.empty()) {
    lo_ = align_down(far_.best_key() - static_cast<Key>(width_ / 4));
    best_ = kNone;
    pull_from_far();
  }
}

bool FlatSide::invariants_hold() const noexcept {
  std::size_t counted = 0;
  Key first = kNone;
  for (std::size_t logical = 0; logical < words_; ++logical) {
    const Key word_key = lo_ + static_cast<Key>(logical * 64);
    const std::size_t w = slot(word_key) >> 6;
    const bool summary_bit = ((summary_[w >> 6] >> (w & 63)) & 1U) != 0;
    if (summary_bit != (bits_[w] != 0)) {
      return false;
    }
    for (std::size_t b = 0; b < 64; ++b) {
      const bool present = ((bits_[w] >> b) & 1U) != 0;
      const std::int64_t lots = qty_[w * 64 + b];
      if (present != (lots != 0) || lots < 0) {
        return false;
      }
      if (present) {
        ++counted;
        if (first == kNone) {
          first = word_key + static_cast<Key>(b);
        }
      }
    }
  }
  if (counted != count_) {
    return false;
  }
  if (count_ == 0) {
    return far_.empty() && best_ == kNone;
  }
  if (best_ != first || best_ - lo_ >= static_cast<Key>(width_ / 2) || (lo_ & 63) != 0) {
    return false;
  }
  const Key end = lo_ + static_cast<Key>(width_);
  for (std::size_t i = 0; i < far_.size(); ++i) {
    const SortedVectorSide::Entry& e = far_.entry_from_best(i);
    if (e.key < end || e.lots <= 0 || (i > 0 && e.key <= far_.entry_from_best(i - 1).key)) {
      return false;
    }
  }
  return size() <= capacity();
}

}  // namespace tickpath::book
