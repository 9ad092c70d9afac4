// InstrumentRegistry::find: the parser maps every message's product_id to an InstrumentId, so the
// lookup is on the hot path. Keys are the product ids of the 2021 production capture in arrival
// order (../shared/kraken-samples/ws_book_delta.jsonl, mixed in case with the lowercase REST
// spelling), against a registry holding the 2026-sized listing of a few hundred symbols. The peer is
// std::unordered_map<std::string, InstrumentId> keyed by uppercase symbol, which must first
// uppercase the key into a std::string (allocation-free thanks to SSO for these lengths).

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <benchmark/benchmark.h>

#include "tickpath/core/instrument.hpp"

namespace {

constexpr std::string_view kCaptured[] = {
    "PI_XBTUSD",        "PI_ETHUSD",        "PI_LTCUSD",        "PI_BCHUSD",        "PI_XRPUSD",
    "FI_XBTUSD_210730", "FI_ETHUSD_210730", "FI_BCHUSD_210730", "FI_XBTUSD_210924", "FI_ETHUSD_210924",
    "FI_BCHUSD_210924", "FI_XRPUSD_210924", "FI_ETHUSD_211231", "PF_XBTUSD",
};

struct Setup {
  tickpath::InstrumentRegistry registry;
  std::unordered_map<std::string, tickpath::InstrumentId> peer;
  std::vector<std::string> keys;
};

std::string upper(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

Setup make_setup() {
  Setup s;
  auto add = [&s](const std::string& symbol) {
    const tickpath::InstrumentId id = s.registry.add(
        {symbol, tickpath::Increment{1, -1}, tickpath::Increment{1, 0}, tickpath::kind_from_symbol(symbol)});
    s.peer.emplace(symbol, id);
  };
  for (const std::string_view symbol : kCaptured) {
    add(std::string{symbol});
  }
  for (int i = 0; i < 300; ++i) {  // filler the size of today's PF_ listing
    add("PF_C" + std::to_string(i) + "USD");
  }

  std::ifstream in{std::string{TICKPATH_SAMPLES_DIR} + "/ws_book_delta.jsonl"};
  std::string line;
  constexpr std::string_view kKey = "\"product_id\":\"";
  bool lower = false;
  while (std::getline(in, line)) {
    const std::size_t at = line.find(kKey);
    if (at == std::string::npos) {
      continue;
    }
    const std::size_t begin = at + kKey.size();
    std::string id = line.substr(begin, line.find('"', begin) - begin);
    if (lower) {  // every other key in REST's lowercase spelling
      std::transform(id.begin(), id.end(), id.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    }
    lower = !lower;
    s.keys.push_back(std::move(id));
  }
  if (s.keys.empty()) {
    for (int i = 0; i < 64; ++i) {
      for (const std::string_view symbol : kCaptured) {
        s.keys.emplace_back(symbol);
      }
    }
  }
  return s;
}

const Setup& setup() {
  static const Setup s = make_setup();
  return s;
}

bool check_agreement(benchmark::State& state) {
  for (const std::string& key : setup().keys) {
    const auto it = setup().peer.find(upper(key));
    if (it == setup().peer.end() || setup().registry.find(key) != it->second) {
      state.SkipWithError(("disagreement on " + key).c_str());
      return false;
    }
  }
  return true;
}

void report(benchmark::State& state) {
  const std::int64_t lookups = state.iterations() * static_cast<std::int64_t>(setup().keys.size());
  state.SetItemsProcessed(lookups);
  state.counters["per_item"] = benchmark::Counter(static_cast<double>(lookups),
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void bm_registry_find(benchmark::State& state) {
  if (!check_agreement(state)) {
    return;
  }
  for (auto _ : state) {
    for (const std::string& key : setup().keys) {
      tickpath::InstrumentId id = setup().registry.find(key);
      benchmark::DoNotOptimize(id);
    }
  }
  report(state);
}

void bm_unordered_map_find(benchmark::State& state) {
  if (!check_agreement(state)) {
    return;
  }
  for (auto _ : state) {
    for (const std::string& key : setup().keys) {
      tickpath::InstrumentId id = setup().peer.find(upper(key))->second;
      benchmark::DoNotOptimize(id);
    }
  }
  report(state);
}

// With --benchmark_repetitions, quote "min" (time and per_item columns) on a shared machine.
double min_of(const std::vector<double>& v) {
  return *std::min_element(v.begin(), v.end());
}

BENCHMARK(bm_registry_find)->ComputeStatistics("min", min_of);
BENCHMARK(bm_unordered_map_find)->ComputeStatistics("min", min_of);

}  // namespace

BENCHMARK_MAIN();
