#pragma once
// UUIDs (RFC 4122 version 4 layout) for the simulator's order, fill, trade and challenge ids,
// drawn from a seeded generator so a seeded run is repeatable.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickpath::sim {

struct Uuid {
  std::array<std::uint8_t, 16> bytes{};

  static constexpr std::size_t kTextLength = 36;

  // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lowercase hex.
  [[nodiscard]] std::string to_string() const;
  // Writes kTextLength characters to out.
  void format(char* out) const noexcept;
  // Accepts the 36-character form in either case; nullopt otherwise.
  [[nodiscard]] static std::optional<Uuid> parse(std::string_view text) noexcept;

  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

struct UuidHash {
  [[nodiscard]] std::size_t operator()(const Uuid& u) const noexcept;
};

// xoshiro256** seeded through splitmix64: the same seed gives the same sequence on every platform
// (unlike the distributions of <random>).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept;
  [[nodiscard]] std::uint64_t next() noexcept;
  // Uniform in [0, bound), bound > 0.
  [[nodiscard]] std::uint64_t below(std::uint64_t bound) noexcept;
  // Uniform in [0, 1).
  [[nodiscard]] double unit() noexcept;

 private:
  std::array<std::uint64_t, 4> s_{};
};

class UuidGenerator {
 public:
  explicit UuidGenerator(std::uint64_t seed) noexcept : rng_(seed) {}
  [[nodiscard]] Uuid next() noexcept;

 private:
  Rng rng_;
};

}  // namespace tickpath::sim
