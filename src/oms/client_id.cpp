// Client order ids: see client_id.hpp for the layout and the uniqueness argument.

#include "tickpath/oms/client_id.hpp"

#include <cerrno>
#include <sys/random.h>
#include <system_error>

#include "tickpath/core/clock.hpp"

namespace tickpath::oms {

namespace {

constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";

// Fixed-width base 36, most significant digit first.
void put_base36(std::uint64_t value, char* out, std::size_t width) noexcept {
  for (std::size_t i = width; i > 0; --i) {
    out[i - 1] = kDigits[value % 36];
    value /= 36;
  }
}

// -1 for anything outside [0-9a-z]: uppercase is not ours either (we never produce it).
int digit_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 10;
  }
  return -1;
}

}  // namespace

ClientIdAllocator ClientIdAllocator::from_clock() {
  std::uint32_t random = 0;
  std::size_t got = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&random);
  while (got < sizeof(random)) {
    const ssize_t n = ::getrandom(bytes + got, sizeof(random) - got, 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::system_error(errno, std::generic_category(), "getrandom for the client order id session");
    }
    got += static_cast<std::size_t>(n);
  }
  const std::int64_t now_ms = wall_ns() / 1'000'000;
  return ClientIdAllocator(static_cast<std::uint64_t>(now_ms < 0 ? 0 : now_ms), random);
}

ClientIdAllocator::ClientIdAllocator(std::uint64_t start_ms, std::uint32_t random,
                                     std::uint64_t first_counter) noexcept
    : start_ms_(start_ms % kTimeLimit),
      random_(random % kRandomLimit),
      next_(first_counter == 0 ? 1 : first_counter),
      session_{} {
  put_base36(start_ms_, session_, kTimeDigits);
  put_base36(random_, session_ + kTimeDigits, kRandomDigits);
}

ClientIdAllocator::Allocated ClientIdAllocator::next() noexcept {
  if (next_ > kMaxCounter) {
    return {};
  }
  Allocated a;
  a.counter = next_++;
  a.cli = format(a.counter);
  return a;
}

ClientOrderId ClientIdAllocator::format(std::uint64_t counter) const noexcept {
  ClientOrderId id;
  if (counter == 0 || counter > kMaxCounter) {
    return id;
  }
  for (std::size_t i = 0; i < kSessionLength; ++i) {
    id.chars[i] = session_[i];
  }
  put_base36(counter, id.chars.data() + kSessionLength, kCounterDigits);
  id.size = static_cast<std::uint8_t>(kLength);
  return id;
}

std::uint64_t ClientIdAllocator::counter_of(std::string_view cli) const noexcept {
  if (cli.size() != kLength || cli.substr(0, kSessionLength) != session()) {
    return 0;
  }
  std::uint64_t counter = 0;
  for (std::size_t i = kSessionLength; i < kLength; ++i) {
    const int d = digit_value(cli[i]);
    if (d < 0) {
      return 0;
    }
    counter = counter * 36 + static_cast<std::uint64_t>(d);
  }
  return counter;
}

}  // namespace tickpath::oms
