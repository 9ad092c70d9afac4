// Decimal text -> integer ticks/lots: tickpath::to_units against the naive peer,
// std::from_chars to double then std::llround(x / tick).
//
// Two corpora. Arg 0, "captured": in arrival order, the price and qty of every book delta in the
// 2021 production capture (../shared/kraken-samples/ws_book_delta.jsonl lines 1-7014, 10 products)
// plus the 2026 PF_ deltas after them, each converted against its product's tick size or size step;
// skipped when the samples are absent. Arg 1, "fixed mix": eight typical shapes repeated in order,
// which the branch predictor learns. Both sides must agree on every input before anything is timed.
//
//   bench_core_decimal --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "tickpath/core/decimal.hpp"

namespace {

struct Input {
  std::string_view text;
  tickpath::Increment increment;
  double increment_as_double;
};

struct Corpus {
  std::vector<std::string> storage;  // owns the texts
  std::vector<Input> inputs;
  std::string source;
};

double to_double(std::string_view text) {
  double x = 0;
  std::from_chars(text.data(), text.data() + text.size(), x);
  return x;
}

// Tick size and size step by product, from the production /instruments answer fetched with the
// 2021 capture (rest_instruments.jsonl line 2) and the 2026 listing (line 3).
struct ProductGrid {
  std::string_view prefix;
  std::string_view tick;
  std::string_view step;
};
constexpr ProductGrid kGrids[] = {
    {"PI_XBTUSD", "0.5", "1"},    {"FI_XBTUSD", "0.5", "1"},    {"PI_ETHUSD", "0.05", "1"},
    {"FI_ETHUSD", "0.05", "1"},   {"PI_LTCUSD", "0.01", "1"},   {"FI_LTCUSD", "0.01", "1"},
    {"PI_BCHUSD", "0.1", "1"},    {"FI_BCHUSD", "0.1", "1"},    {"PI_XRPUSD", "0.0001", "1"},
    {"FI_XRPUSD", "0.0001", "1"}, {"PF_XBTUSD", "1", "0.0001"},
};

// The text of a JSON number field: "price":2004.85 -> "2004.85".
std::string_view field(std::string_view line, std::string_view key) {
  const std::size_t at = line.find(key);
  if (at == std::string_view::npos) {
    return {};
  }
  const std::size_t begin = at + key.size();
  const std::size_t end = line.find_first_of(",}", begin);
  return line.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
}

void add(Corpus& corpus, std::string_view text, std::string_view increment_text) {
  corpus.storage.emplace_back(text);
  const tickpath::IncrementResult increment = tickpath::parse_increment(increment_text);
  corpus.inputs.push_back({{}, increment.value, to_double(increment_text)});
}

enum class Mix : std::uint8_t { Captured, Fixed };

Corpus load_captured() {
  Corpus corpus;
  corpus.source = "captured ws_book_delta.jsonl";
  std::ifstream in{std::string{TICKPATH_SAMPLES_DIR} + "/ws_book_delta.jsonl"};
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view product = field(line, "\"product_id\":");
    for (const ProductGrid& grid : kGrids) {
      if (product.substr(1, grid.prefix.size()) == grid.prefix) {
        add(corpus, field(line, "\"price\":"), grid.tick);
        add(corpus, field(line, "\"qty\":"), grid.step);
        break;
      }
    }
  }
  return corpus;
}

// The shapes the venue sends, repeated in a fixed order (easy on the branch predictor).
Corpus load_fixed() {
  Corpus corpus;
  corpus.source = "fixed mix";
  for (int i = 0; i < 256; ++i) {
    add(corpus, "34892.5", "0.5");
    add(corpus, "4787.0", "1");
    add(corpus, "2004.85", "0.05");
    add(corpus, "0.0386", "0.0001");
    add(corpus, "5.2e-9", "1e-10");
    add(corpus, "64416.0", "1");
    add(corpus, "0.0568", "0.0001");
    add(corpus, "98000", "1000");
  }
  return corpus;
}

const Corpus& corpus(Mix mix) {
  static const Corpus captured = [] {
    Corpus c = load_captured();
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      c.inputs[i].text = c.storage[i];
    }
    return c;
  }();
  static const Corpus fixed = [] {
    Corpus c = load_fixed();
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      c.inputs[i].text = c.storage[i];
    }
    return c;
  }();
  return mix == Mix::Captured ? captured : fixed;
}

std::int64_t naive_units(const Input& in) {
  double x = 0;
  std::from_chars(in.text.data(), in.text.data() + in.text.size(), x);
  return std::llround(x / in.increment_as_double);
}

const Corpus& corpus_for(const benchmark::State& state) {
  return corpus(state.range(0) == 0 ? Mix::Captured : Mix::Fixed);
}

// The answer both sides must give: every input is on its grid, so they must agree exactly.
bool check_agreement(benchmark::State& state, const Corpus& c) {
  if (c.inputs.empty()) {
    state.SkipWithError("no inputs (../shared/kraken-samples absent?)");
    return false;
  }
  for (const Input& in : c.inputs) {
    const tickpath::UnitsResult exact = tickpath::to_units(in.text, in.increment);
    if (exact.error != tickpath::DecimalError::Ok || exact.units != naive_units(in)) {
      state.SkipWithError(("disagreement on \"" + std::string{in.text} + "\"").c_str());
      return false;
    }
  }
  return true;
}

void report(benchmark::State& state, const Corpus& c) {
  const std::int64_t conversions = state.iterations() * static_cast<std::int64_t>(c.inputs.size());
  state.SetItemsProcessed(conversions);
  state.counters["per_item"] = benchmark::Counter(static_cast<double>(conversions),
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetLabel(c.source + ", " + std::to_string(c.inputs.size()) + " texts");
}

void bm_tickpath_to_units(benchmark::State& state) {
  const Corpus& c = corpus_for(state);
  if (!check_agreement(state, c)) {
    return;
  }
  for (auto _ : state) {
    for (const Input& in : c.inputs) {
      tickpath::UnitsResult r = tickpath::to_units(in.text, in.increment);
      benchmark::DoNotOptimize(r);
    }
  }
  report(state, c);
}

void bm_from_chars_llround(benchmark::State& state) {
  const Corpus& c = corpus_for(state);
  if (!check_agreement(state, c)) {
    return;
  }
  for (auto _ : state) {
    for (const Input& in : c.inputs) {
      std::int64_t units = naive_units(in);
      benchmark::DoNotOptimize(units);
    }
  }
  report(state, c);
}

// The encoder's direction: units back to venue text.
void bm_tickpath_format_units(benchmark::State& state) {
  const Corpus& c = corpus_for(state);
  if (!check_agreement(state, c)) {
    return;
  }
  std::vector<std::int64_t> units;
  for (const Input& in : c.inputs) {
    units.push_back(tickpath::to_units(in.text, in.increment).units);
  }
  std::array<char, tickpath::kMaxDecimalChars> buf{};
  for (auto _ : state) {
    for (std::size_t i = 0; i < c.inputs.size(); ++i) {
      std::size_t n = tickpath::format_units(units[i], c.inputs[i].increment, buf.data(), buf.size());
      benchmark::DoNotOptimize(n);
      benchmark::ClobberMemory();
    }
  }
  report(state, c);
}

// With --benchmark_repetitions, "min" is the figure to quote on a shared machine: interference
// from other processes only ever adds time. Read its time and per_item columns; its items_per_second
// is the minimum rate, i.e. the slowest repetition.
double min_of(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}

// Arg 0: the captured arrival order; arg 1: the fixed mix.
BENCHMARK(bm_tickpath_to_units)->Arg(0)->Arg(1)->ComputeStatistics("min", min_of);
BENCHMARK(bm_from_chars_llround)->Arg(0)->Arg(1)->ComputeStatistics("min", min_of);
BENCHMARK(bm_tickpath_format_units)->Arg(0)->Arg(1)->ComputeStatistics("min", min_of);

}  // namespace

BENCHMARK_MAIN();
