// Pre-trade risk and the REST rate budget, each next to the way a straightforward implementation
// would do the same work, in the same run.
//
// RiskChecker::check_new, the full path: every limit set (order qty, notional, position, open
// orders, 1 % price collar, 200 orders/s), a mid present, every order passing every check (so all
// of them run and the order is recorded in the rate window; the rate ring is full, so the oldest
// timestamp is compared each time). 4 096 generated orders on PF_XBTUSD and PI_XBTUSD, prices
// within 0.5 % of the mid, time advancing 10 ms per order, against a registry of ~300 instruments.
//
// Peer ("naive"): limits in a std::unordered_map<std::string, Limits> keyed by the symbol, the
// checks as a std::vector<std::function<RiskVerdict(const Ctx&)>> chain, the notional in double,
// the rate window a std::deque<int64_t> per symbol in another unordered_map. Both must give the
// same verdict for every generated order before any timing, or the run fails.
//
// RateBudget::try_spend: Kraken's defaults (500 units / 10 s + 1 s guard, 100 reserved for
// cancels), sendorder-sized spends (10). "accepting": one every 300 ms, every spend fits (about
// 37 live entries); "at_limit": one every 20 ms, most are refused. Peer: a std::deque of (time,
// cost) with a running sum, the same rule; both must agree on every decision.

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "tickpath/core/instrument.hpp"
#include "tickpath/oms/rate_budget.hpp"
#include "tickpath/oms/risk.hpp"

namespace tickpath::oms {
namespace {

constexpr std::int64_t kStepNs = 10'000'000;  // 100 orders/s, half the rate limit
constexpr std::uint32_t kRateLimit = 200;
constexpr std::uint32_t kCollarBps = 100;
constexpr std::size_t kSamples = 4096;

struct Sample {
  OrderAction action;
  RiskInputs in;
};

struct Setup {
  InstrumentRegistry registry{1024};
  InstrumentId pf;
  InstrumentId pi;
  std::vector<InstrumentRiskLimits> limits;
  std::vector<Sample> samples;
};

Increment inc(const char* text) {
  return parse_increment(text).value;
}

Setup make_setup() {
  Setup s;
  for (int i = 0; i < 150; ++i) {  // filler the size of today's listing, before and after
    s.registry.add({"PF_C" + std::to_string(i) + "USD", inc("0.01"), inc("0.1"), ContractKind::Linear});
  }
  s.pf = s.registry.add({"PF_XBTUSD", inc("1"), inc("0.0001"), ContractKind::Linear});
  s.pi = s.registry.add({"PI_XBTUSD", inc("0.5"), inc("1"), ContractKind::Inverse});
  for (int i = 150; i < 300; ++i) {
    s.registry.add({"PF_C" + std::to_string(i) + "USD", inc("0.01"), inc("0.1"), ContractKind::Linear});
  }
  s.limits.resize(s.registry.size());
  InstrumentRiskLimits& pf = s.limits[s.pf.value()];
  pf.max_order_qty = Qty{20'000};                 // 2 BTC
  pf.max_order_notional = 150'000 * kMoneyScale;  // USD
  pf.max_position = Qty{50'000};                  // 5 BTC
  pf.max_open_orders = 50;
  pf.price_collar_bps = kCollarBps;
  pf.max_orders_per_second = kRateLimit;
  pf.max_loss = 10'000 * kMoneyScale;
  pf.max_drawdown = 5'000 * kMoneyScale;
  InstrumentRiskLimits& pi = s.limits[s.pi.value()];
  pi = pf;
  pi.max_order_qty = Qty{50'000};  // contracts of 1 USD
  pi.max_order_notional = 60'000 * kMoneyScale;
  pi.max_position = Qty{200'000};

  std::mt19937_64 rng{5};
  const auto between = [&rng](std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
  };
  for (std::size_t i = 0; i < kSamples; ++i) {
    const bool on_pf = rng() % 2 == 0;
    const InstrumentId id = on_pf ? s.pf : s.pi;
    const std::int64_t mid = on_pf ? between(39'000, 41'000) : 2 * between(39'000, 41'000);
    const std::int64_t band = mid / 200;  // 0.5 %, inside the 1 % collar
    const Side side = rng() % 2 == 0 ? Side::Buy : Side::Sell;
    const std::int64_t qty = on_pf ? between(1, 10'000) : between(1, 25'000);
    const auto type = static_cast<OrderType>(rng() % 3);  // limit, post-only, ioc
    Sample smp;
    smp.action = OrderAction::new_order(id, side, type, Price{mid + between(-band, band)}, Qty{qty});
    const std::int64_t pos_limit = on_pf ? 50'000 : 200'000;
    smp.in.position = Qty{between(-pos_limit / 4, pos_limit / 4)};
    smp.in.open_buy = Qty{between(0, pos_limit / 8)};
    smp.in.open_sell = Qty{between(0, pos_limit / 8)};
    smp.in.open_orders = static_cast<std::uint32_t>(between(0, 40));
    smp.in.mid = Price{mid};
    s.samples.push_back(smp);
  }
  return s;
}

const Setup& setup() {
  static const Setup s = make_setup();
  return s;
}

// ---------------------------------------------------------------------------------------------
// The naive peer

struct NaiveLimits {
  std::int64_t max_qty;
  double max_notional_usd;
  std::int64_t max_position;
  std::uint32_t max_open_orders;
  double collar_fraction;
  std::uint32_t max_rate;
};

struct NaiveCtx {
  const Instrument* instrument;
  const NaiveLimits* limits;
  const OrderAction* action;
  const RiskInputs* in;
  const std::deque<std::int64_t>* rate;
  std::int64_t now;
};

class NaiveRisk {
 public:
  explicit NaiveRisk(const Setup& s) : registry_(&s.registry) {
    for (std::size_t i = 0; i < s.limits.size(); ++i) {
      const InstrumentRiskLimits& l = s.limits[i];
      limits_.emplace(std::string{s.registry.get(InstrumentId{static_cast<std::uint16_t>(i)}).symbol()},
                      NaiveLimits{l.max_order_qty.lots(), static_cast<double>(l.max_order_notional) / 1e9,
                                  l.max_position.lots(), l.max_open_orders,
                                  static_cast<double>(l.price_collar_bps) / 1e4, l.max_orders_per_second});
    }
    chain_.emplace_back([](const NaiveCtx& c) {
      const std::int64_t q = c.action->qty.lots();
      return q <= 0                  ? RiskVerdict::InvalidQty
             : q > c.limits->max_qty ? RiskVerdict::MaxOrderQty
                                     : RiskVerdict::Ok;
    });
    chain_.emplace_back([](const NaiveCtx& c) {
      const Increment step = c.instrument->size_step();
      const Increment tick = c.instrument->tick_size();
      const double qty = static_cast<double>(c.action->qty.lots()) * static_cast<double>(step.mantissa) *
                         std::pow(10.0, step.exponent);
      const double price = static_cast<double>(c.action->price.ticks()) * static_cast<double>(tick.mantissa) *
                           std::pow(10.0, tick.exponent);
      const double notional = c.instrument->kind() == ContractKind::Linear ? qty * price : qty;
      return notional > c.limits->max_notional_usd ? RiskVerdict::MaxOrderNotional : RiskVerdict::Ok;
    });
    chain_.emplace_back([](const NaiveCtx& c) {
      const bool buy = c.action->side == Side::Buy;
      const std::int64_t before = buy ? c.in->position.lots() + c.in->open_buy.lots()
                                      : c.in->position.lots() - c.in->open_sell.lots();
      const std::int64_t after = buy ? before + c.action->qty.lots() : before - c.action->qty.lots();
      return std::llabs(after) <= c.limits->max_position || std::llabs(after) < std::llabs(before)
                 ? RiskVerdict::Ok
                 : RiskVerdict::MaxPosition;
    });
    chain_.emplace_back([](const NaiveCtx& c) {
      return c.in->open_orders >= c.limits->max_open_orders ? RiskVerdict::MaxOpenOrders : RiskVerdict::Ok;
    });
    chain_.emplace_back([](const NaiveCtx& c) {
      const double mid = static_cast<double>(c.in->mid.ticks());
      return std::fabs(static_cast<double>(c.action->price.ticks()) - mid) <= mid * c.limits->collar_fraction
                 ? RiskVerdict::Ok
                 : RiskVerdict::PriceCollar;
    });
    chain_.emplace_back([](const NaiveCtx& c) {
      return c.rate->size() >= c.limits->max_rate ? RiskVerdict::OrderRate : RiskVerdict::Ok;
    });
  }

  RiskVerdict check_new(const OrderAction& a, const RiskInputs& in, std::int64_t now) {
    const Instrument& inst = registry_->get(a.instrument);
    const std::string symbol{inst.symbol()};
    const auto it = limits_.find(symbol);
    if (it == limits_.end()) {
      return RiskVerdict::UnknownInstrument;
    }
    std::deque<std::int64_t>& window = rate_[symbol];
    while (!window.empty() && now - window.front() >= RiskChecker::kRateWindowNs) {
      window.pop_front();
    }
    const NaiveCtx ctx{&inst, &it->second, &a, &in, &window, now};
    for (const auto& check : chain_) {
      const RiskVerdict v = check(ctx);
      if (v != RiskVerdict::Ok) {
        return v;
      }
    }
    window.push_back(now);
    return RiskVerdict::Ok;
  }

 private:
  const InstrumentRegistry* registry_;
  std::unordered_map<std::string, NaiveLimits> limits_;
  std::unordered_map<std::string, std::deque<std::int64_t>> rate_;
  std::vector<std::function<RiskVerdict(const NaiveCtx&)>> chain_;
};

// Both implementations over every sample (twice, so the rate rings are full): same verdicts.
bool agree(std::int64_t& ok_count) {
  const Setup& s = setup();
  RiskChecker risk{s.registry, s.limits};
  NaiveRisk naive{s};
  std::int64_t now = 1'000'000'000'000;
  ok_count = 0;
  for (int round = 0; round < 2; ++round) {
    for (const Sample& smp : s.samples) {
      now += kStepNs;
      const RiskVerdict a = risk.check_new(smp.action, smp.in, now);
      const RiskVerdict b = naive.check_new(smp.action, smp.in, now);
      if (a != b) {
        std::fprintf(stderr, "risk verdicts differ: %s vs naive %s\n", to_string(a), to_string(b));
        return false;
      }
      ok_count += a == RiskVerdict::Ok ? 1 : 0;
    }
  }
  return true;
}

template <typename Checker>
void run_check_new(benchmark::State& state, Checker& checker) {
  std::int64_t agreed_ok = 0;
  if (!agree(agreed_ok) || agreed_ok != static_cast<std::int64_t>(2 * kSamples)) {
    state.SkipWithError("the implementations disagree, or not every order passes every check");
    return;
  }
  const std::vector<Sample>& samples = setup().samples;
  std::int64_t now = 1'000'000'000'000;
  std::size_t i = 0;
  std::int64_t ok = 0;
  for (auto _ : state) {
    const Sample& smp = samples[i & (kSamples - 1)];
    now += kStepNs;
    const RiskVerdict v = checker.check_new(smp.action, smp.in, now);
    benchmark::DoNotOptimize(v);
    ok += v == RiskVerdict::Ok ? 1 : 0;
    ++i;
  }
  state.counters["ok_fraction"] = static_cast<double>(ok) / static_cast<double>(i == 0 ? 1 : i);
}

void BM_RiskCheckNew_Tickpath(benchmark::State& state) {
  RiskChecker risk{setup().registry, setup().limits};
  run_check_new(state, risk);
}
BENCHMARK(BM_RiskCheckNew_Tickpath);

void BM_RiskCheckNew_NaivePeer(benchmark::State& state) {
  NaiveRisk naive{setup()};
  run_check_new(state, naive);
}
BENCHMARK(BM_RiskCheckNew_NaivePeer);

// ---------------------------------------------------------------------------------------------
// Rate budget

class DequeBudget {
 public:
  explicit DequeBudget(const RateBudgetConfig& c) : c_(c) {}
  bool try_spend(std::int64_t cost, RateClass cls, std::int64_t now) {
    while (!entries_.empty() && now - entries_.front().first >= c_.window_ns + c_.guard_ns) {
      used_ -= entries_.front().second;
      entries_.pop_front();
    }
    const std::int64_t limit = cls == RateClass::Cancel ? c_.capacity : c_.capacity - c_.cancel_reserve;
    if (used_ + cost > limit) {
      return false;
    }
    entries_.emplace_back(now, cost);
    used_ += cost;
    return true;
  }

 private:
  RateBudgetConfig c_;
  std::deque<std::pair<std::int64_t, std::int64_t>> entries_;
  std::int64_t used_{0};
};

template <typename Budget>
void run_try_spend(benchmark::State& state, std::int64_t step_ns) {
  {  // checked answer first
    RateBudget ours{RateBudgetConfig{}};
    DequeBudget peer{RateBudgetConfig{}};
    std::int64_t t = 0;
    for (int n = 0; n < 100'000; ++n) {
      t += step_ns;
      const RateClass cls = n % 7 == 0 ? RateClass::Cancel : RateClass::Order;
      if (ours.try_spend(10, cls, t) != peer.try_spend(10, cls, t)) {
        state.SkipWithError("the budgets disagree");
        return;
      }
    }
  }
  Budget budget{RateBudgetConfig{}};
  std::int64_t now = 0;
  std::int64_t allowed = 0;
  std::int64_t n = 0;
  for (auto _ : state) {
    now += step_ns;
    const RateClass cls = n % 7 == 0 ? RateClass::Cancel : RateClass::Order;
    const bool ok = budget.try_spend(request_cost(RequestKind::SendOrder), cls, now);
    benchmark::DoNotOptimize(ok);
    allowed += ok ? 1 : 0;
    ++n;
  }
  state.counters["allowed_fraction"] = static_cast<double>(allowed) / static_cast<double>(n == 0 ? 1 : n);
}

void BM_RateBudgetTrySpend_Tickpath_accepting(benchmark::State& state) {
  run_try_spend<RateBudget>(state, 300'000'000);
}
BENCHMARK(BM_RateBudgetTrySpend_Tickpath_accepting);

void BM_RateBudgetTrySpend_DequePeer_accepting(benchmark::State& state) {
  run_try_spend<DequeBudget>(state, 300'000'000);
}
BENCHMARK(BM_RateBudgetTrySpend_DequePeer_accepting);

void BM_RateBudgetTrySpend_Tickpath_at_limit(benchmark::State& state) {
  run_try_spend<RateBudget>(state, 20'000'000);
}
BENCHMARK(BM_RateBudgetTrySpend_Tickpath_at_limit);

void BM_RateBudgetTrySpend_DequePeer_at_limit(benchmark::State& state) {
  run_try_spend<DequeBudget>(state, 20'000'000);
}
BENCHMARK(BM_RateBudgetTrySpend_DequePeer_at_limit);

}  // namespace
}  // namespace tickpath::oms

BENCHMARK_MAIN();
