// SpscRing between two pinned threads, side by side with its peers in the same run:
//   Throughput/*  records per second, producer on CPU 0, consumer on CPU 1, same capacity:
//                 tickpath::queue::SpscRing vs boost::lockfree::spsc_queue, 16- and 64-byte records.
//   RoundTrip/*   ping through one ring, pong back through another; one iteration = one round trip,
//                 so the reported time is ns per round trip. RoundTrip/bare_pingpong is the floor:
//                 two std::atomic in separate 128-byte blocks, each thread spinning on the other's.
//                 Every ring row also measures that floor on the same thread pair just before its
//                 timed loop and reports floor_ns and ratio_vs_floor = its ns / floor_ns.
//
// Run (release build): bench_queue_spsc --benchmark_repetitions=3
// Pinning uses CPUs 0 and 1; with fewer CPUs it is skipped and waiting threads yield instead of
// spinning (the figures are then meaningless, but the run completes).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <pthread.h>
#include <sched.h>
#include <thread>
#include <type_traits>
#include <unistd.h>

#include <benchmark/benchmark.h>
#include <boost/lockfree/spsc_queue.hpp>

#include "tickpath/core/hints.hpp"
#include "tickpath/queue/spsc_ring.hpp"

namespace {

using tickpath::queue::SpscRing;

constexpr std::size_t kCapacity = 4096;  // records, for every queue under test
constexpr std::size_t kProducerCpu = 0;
constexpr std::size_t kConsumerCpu = 1;

template <std::size_t Bytes>
struct Record {
  std::uint64_t seq;
  std::uint64_t pad[Bytes / 8 - 1];
};
using Record16 = Record<16>;
using Record64 = Record<64>;
static_assert(sizeof(Record16) == 16 && sizeof(Record64) == 64);
static_assert(std::is_trivially_copyable_v<Record64>);

// ---- threads ------------------------------------------------------------------------------

bool two_cpus() {
  static const bool value = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
  return value;
}

// Pins the calling thread; false (and no change) when the CPU is not available.
bool pin_to_cpu(std::size_t cpu) {
  if (!two_cpus()) {
    return false;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

// Pins the benchmark's own thread for one benchmark and restores its affinity afterwards.
class ScopedPin {
 public:
  explicit ScopedPin(std::size_t cpu) {
    saved_ok_ = pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_) == 0;
    pinned_ = pin_to_cpu(cpu);
  }
  ~ScopedPin() {
    if (saved_ok_ && pinned_) {
      (void)pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_);
    }
  }
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;
  [[nodiscard]] bool pinned() const noexcept { return pinned_; }

 private:
  cpu_set_t saved_{};
  bool saved_ok_{false};
  bool pinned_{false};
};

// What a thread does while the other side has not caught up. With two CPUs: spin (latency
// matters, so no pause in round trips). With one: yield, or each hop would cost a time slice.
inline void wait_a_little() noexcept {
  if (!two_cpus()) {
    std::this_thread::yield();
  }
}

// ---- queues under test --------------------------------------------------------------------

template <class T>
class TickpathQueue {
 public:
  explicit TickpathQueue(std::size_t capacity) : ring_(capacity) {}
  bool push(const T& item) noexcept { return ring_.try_push(item); }
  bool pop(T& item) noexcept { return ring_.try_pop(item); }
  std::size_t push_n(const T* items, std::size_t n) noexcept { return ring_.try_push_n(items, n); }
  template <class F>
  std::size_t pop_all(F&& f) noexcept {
    return ring_.drain(f);
  }

 private:
  SpscRing<T> ring_;
};

template <class T>
class BoostQueue {
 public:
  // The run-time sized spsc_queue allocates one slack slot itself: `capacity` are usable.
  explicit BoostQueue(std::size_t capacity) : queue_(capacity) {}
  bool push(const T& item) noexcept { return queue_.push(item); }
  bool pop(T& item) noexcept { return queue_.pop(item); }
  std::size_t push_n(const T* items, std::size_t n) noexcept { return queue_.push(items, n); }
  template <class F>
  std::size_t pop_all(F&& f) noexcept {
    return queue_.consume_all(f);
  }

 private:
  boost::lockfree::spsc_queue<T> queue_;
};

// ---- throughput ---------------------------------------------------------------------------

constexpr std::size_t kItemsPerIteration = 1024;
constexpr std::size_t kBatch = 32;

// Producer (the benchmark thread, CPU 0) pushes; consumer (CPU 1) pops and checks the sequence.
// Batched = push kBatch at a time (try_push_n / push(ptr, n)) and drain everything available
// (drain / consume_all).
template <template <class> class Queue, class T, bool Batched>
void BM_Throughput(benchmark::State& state) {
  Queue<T> queue(kCapacity);
  // The consumer polls these when the queue is empty: their own block, away from the producer's
  // stack frame, so polling them never steals a line the producer writes.
  struct alignas(tickpath::kFalseSharingRange) Control {
    std::atomic<std::uint64_t> total{~std::uint64_t{0}};
    std::atomic<bool> out_of_order{false};
  } control;
  auto& total = control.total;
  auto& out_of_order = control.out_of_order;

  std::thread consumer([&] {
    (void)pin_to_cpu(kConsumerCpu);
    std::uint64_t expected = 0;
    auto check = [&](const T& item) {
      if (item.seq != expected) {
        out_of_order.store(true, std::memory_order_relaxed);
      }
      ++expected;
    };
    while (true) {
      bool got = false;
      if constexpr (Batched) {
        got = queue.pop_all(check) > 0;
      } else {
        T item;
        got = queue.pop(item);
        if (got) {
          check(item);
        }
      }
      if (!got) {
        if (expected == total.load(std::memory_order_acquire)) {
          break;
        }
        wait_a_little();
      }
    }
  });

  ScopedPin pin(kProducerCpu);
  std::uint64_t seq = 0;
  T batch[kBatch] = {};
  for (auto _ : state) {
    if constexpr (Batched) {
      for (std::size_t sent = 0; sent < kItemsPerIteration;) {
        for (std::size_t i = 0; i < kBatch; ++i) {
          batch[i].seq = seq + i;
        }
        std::size_t pushed = 0;
        while (pushed < kBatch) {
          const std::size_t n = queue.push_n(batch + pushed, kBatch - pushed);
          if (n == 0) {
            wait_a_little();
          }
          pushed += n;
        }
        seq += kBatch;
        sent += kBatch;
      }
    } else {
      for (std::size_t i = 0; i < kItemsPerIteration; ++i) {
        T item{};
        item.seq = seq++;
        while (!queue.push(item)) {
          wait_a_little();
        }
      }
    }
  }
  total.store(seq, std::memory_order_release);
  consumer.join();

  if (out_of_order.load()) {
    state.SkipWithError("consumer saw records out of order");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(seq));
  state.SetBytesProcessed(static_cast<std::int64_t>(seq * sizeof(T)));
  state.counters["pinned"] = pin.pinned() ? 1 : 0;
}

// ---- round trip ---------------------------------------------------------------------------

struct alignas(tickpath::kFalseSharingRange) Cell {
  std::atomic<std::uint64_t> value{0};
};

// The floor: one cache line each way, nothing else. Returns ns per round trip over `round_trips`.
double bare_pingpong_ns(std::uint64_t round_trips) {
  Cell ping;
  Cell pong;
  std::thread echo([&] {
    (void)pin_to_cpu(kConsumerCpu);
    for (std::uint64_t seen = 1; seen <= round_trips; ++seen) {
      while (ping.value.load(std::memory_order_acquire) != seen) {
        wait_a_little();
      }
      pong.value.store(seen, std::memory_order_release);
    }
  });
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t seq = 1; seq <= round_trips; ++seq) {
    ping.value.store(seq, std::memory_order_release);
    while (pong.value.load(std::memory_order_acquire) != seq) {
      wait_a_little();
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  echo.join();
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
         static_cast<double>(round_trips);
}

constexpr std::uint64_t kFloorRoundTrips = 200'000;

void BM_RoundTripBare(benchmark::State& state) {
  Cell ping;
  Cell pong;
  constexpr std::uint64_t kStop = ~std::uint64_t{0};
  std::thread echo([&] {
    (void)pin_to_cpu(kConsumerCpu);
    std::uint64_t last = 0;
    while (true) {
      std::uint64_t v = 0;
      while ((v = ping.value.load(std::memory_order_acquire)) == last) {
        wait_a_little();
      }
      if (v == kStop) {
        break;
      }
      pong.value.store(v, std::memory_order_release);
      last = v;
    }
  });
  ScopedPin pin(kProducerCpu);
  std::uint64_t seq = 0;
  for (auto _ : state) {
    ++seq;
    ping.value.store(seq, std::memory_order_release);
    while (pong.value.load(std::memory_order_acquire) != seq) {
      wait_a_little();
    }
  }
  ping.value.store(kStop, std::memory_order_release);
  echo.join();
  state.counters["pinned"] = pin.pinned() ? 1 : 0;
}

template <template <class> class Queue>
void BM_RoundTrip(benchmark::State& state) {
  ScopedPin pin(kProducerCpu);
  const double floor_ns = bare_pingpong_ns(kFloorRoundTrips);

  Queue<Record16> ping(kCapacity);
  Queue<Record16> pong(kCapacity);
  constexpr std::uint64_t kStop = ~std::uint64_t{0};
  std::thread echo([&] {
    (void)pin_to_cpu(kConsumerCpu);
    Record16 item{};
    while (true) {
      while (!ping.pop(item)) {
        wait_a_little();
      }
      while (!pong.push(item)) {
        wait_a_little();
      }
      if (item.seq == kStop) {
        break;
      }
    }
  });

  std::uint64_t seq = 0;
  bool mismatch = false;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    Record16 item{};
    item.seq = seq;
    while (!ping.push(item)) {
      wait_a_little();
    }
    while (!pong.pop(item)) {
      wait_a_little();
    }
    mismatch |= item.seq != seq;
    ++seq;
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  Record16 stop{};
  stop.seq = kStop;
  while (!ping.push(stop)) {
    wait_a_little();
  }
  echo.join();

  if (mismatch) {
    state.SkipWithError("pong returned the wrong record");
  }
  const double ns =
      static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
      static_cast<double>(seq == 0 ? 1 : seq);
  state.counters["floor_ns"] = floor_ns;
  state.counters["ratio_vs_floor"] = ns / floor_ns;
  state.counters["pinned"] = pin.pinned() ? 1 : 0;
}

}  // namespace

BENCHMARK(BM_Throughput<TickpathQueue, Record16, false>)->Name("Throughput/16B/tickpath")->UseRealTime();
BENCHMARK(BM_Throughput<BoostQueue, Record16, false>)->Name("Throughput/16B/boost_lockfree")->UseRealTime();
BENCHMARK(BM_Throughput<TickpathQueue, Record64, false>)->Name("Throughput/64B/tickpath")->UseRealTime();
BENCHMARK(BM_Throughput<BoostQueue, Record64, false>)->Name("Throughput/64B/boost_lockfree")->UseRealTime();
BENCHMARK(BM_Throughput<TickpathQueue, Record16, true>)
    ->Name("Throughput/16B/tickpath_batch32")
    ->UseRealTime();
BENCHMARK(BM_Throughput<BoostQueue, Record16, true>)
    ->Name("Throughput/16B/boost_lockfree_batch32")
    ->UseRealTime();
BENCHMARK(BM_Throughput<TickpathQueue, Record64, true>)
    ->Name("Throughput/64B/tickpath_batch32")
    ->UseRealTime();
BENCHMARK(BM_Throughput<BoostQueue, Record64, true>)
    ->Name("Throughput/64B/boost_lockfree_batch32")
    ->UseRealTime();
BENCHMARK(BM_RoundTripBare)->Name("RoundTrip/bare_pingpong")->UseRealTime();
BENCHMARK(BM_RoundTrip<TickpathQueue>)->Name("RoundTrip/tickpath")->UseRealTime();
BENCHMARK(BM_RoundTrip<BoostQueue>)->Name("RoundTrip/boost_lockfree")->UseRealTime();

BENCHMARK_MAIN();
