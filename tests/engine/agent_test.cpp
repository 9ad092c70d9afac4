#include "tickpath/engine/agent.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <pthread.h>
#include <sched.h>
#include <stdexcept>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "tickpath/engine/idle.hpp"
#include "tickpath/engine/threads.hpp"

using namespace tickpath::engine;
using tickpath::config::IdleKind;
using tickpath::config::ThreadConfig;

namespace {

// Records where and how its callbacks ran; does `work_per_cycle` work until `work_budget` is used.
struct ProbeAgent {
  std::thread::id start_thread;
  std::thread::id stop_thread;
  std::string thread_name;
  int cpu_at_start{-2};
  int starts{0};
  int stops{0};
  std::atomic<std::uint64_t> cycles{0};
  int work_per_cycle{1};

  void on_start() {
    ++starts;
    start_thread = std::this_thread::get_id();
    std::array<char, 16> name{};
    pthread_getname_np(pthread_self(), name.data(), name.size());
    thread_name = name.data();
    cpu_at_start = pinned_cpu_of_current_thread();
  }
  int do_work() noexcept {
    cycles.fetch_add(1, std::memory_order_relaxed);
    return work_per_cycle;
  }
  void on_stop() {
    ++stops;
    stop_thread = std::this_thread::get_id();
  }
};

void wait_for_cycles(const ProbeAgent& agent, std::uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (agent.cycles.load(std::memory_order_relaxed) < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

struct ThrowingStartAgent {
  int do_work() noexcept { return 0; }
  void on_start() { throw std::runtime_error("venue unreachable"); }
  void on_stop() {}
};

}  // namespace

TEST_CASE("runs the duty cycle on its own named thread until stopped", "[engine][agent]") {
  ProbeAgent agent;
  AgentRunner runner(agent, ThreadConfig{.cpu = -1, .idle = IdleKind::BusySpin, .name = "tp-test-agent"});
  runner.start();
  CHECK(runner.running());
  wait_for_cycles(agent, 1000);
  runner.stop();

  CHECK_FALSE(runner.running());
  CHECK(agent.starts == 1);
  CHECK(agent.stops == 1);
  CHECK(agent.start_thread != std::this_thread::get_id());
  CHECK(agent.stop_thread == agent.start_thread);
  CHECK(agent.thread_name == "tp-test-agent");
  CHECK(agent.cycles.load() >= 1000);
  CHECK(runner.duty_cycles() == agent.cycles.load());
  CHECK(runner.busy_cycles() == runner.duty_cycles());
}

TEST_CASE("truncates a thread name to the 15 characters Linux keeps", "[engine][threads]") {
  ProbeAgent agent;
  AgentRunner runner(agent, ThreadConfig{.cpu = -1, .name = "a-very-long-thread-name"});
  runner.start();
  runner.stop();
  CHECK(agent.thread_name == "a-very-long-thr");
}

TEST_CASE("pins the agent thread to the configured CPU", "[engine][threads]") {
  const int last_cpu = usable_cpu_count() - 1;
  ProbeAgent agent;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  REQUIRE(sched_getaffinity(0, sizeof(allowed), &allowed) == 0);
  int target = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE && target < 0; ++cpu) {
    if (CPU_ISSET(static_cast<std::size_t>(cpu), &allowed)) {
      target = cpu;
    }
  }
  REQUIRE(target >= 0);
  REQUIRE(last_cpu >= 0);
  AgentRunner runner(
      agent, ThreadConfig{.cpu = target, .idle = IdleKind::Sleep, .name = "tp-pinned", .sleep_ns = 100'000});
  runner.start();
  runner.stop();
  CHECK(agent.cpu_at_start == target);
}

TEST_CASE("refuses to start on a CPU that does not exist and says which thread", "[engine][threads]") {
  ProbeAgent agent;
  AgentRunner runner(agent, ThreadConfig{.cpu = 4000, .name = "tp-hot"});
  try {
    runner.start();
    FAIL("start() should have thrown");
  } catch (const std::system_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("tp-hot") && Catch::Contains("CPU 4000"));
  }
  CHECK_FALSE(runner.running());
  CHECK(agent.starts == 0);
  CHECK(agent.cycles.load() == 0);
}

TEST_CASE("passes an exception from on_start to the caller of start", "[engine][agent]") {
  ThrowingStartAgent agent;
  AgentRunner runner(agent, ThreadConfig{.cpu = -1, .name = "tp-throw"});
  CHECK_THROWS_WITH(runner.start(), "venue unreachable");
  CHECK_FALSE(runner.running());
  runner.stop();  // harmless after a failed start
}

TEST_CASE("stops cleanly when the agent itself asks for it", "[engine][agent]") {
  // The agent cannot name its own runner type, so it stops through a type-erased callback.
  struct SelfStopping {
    void (*request_stop)(void*) noexcept {nullptr};
    void* runner{nullptr};
    std::atomic<int> left{50};
    int do_work() noexcept {
      if (left.fetch_sub(1) == 1) {
        request_stop(runner);
      }
      return 1;
    }
    void on_start() {}
    void on_stop() {}
  } agent;
  AgentRunner runner(agent, ThreadConfig{.cpu = -1, .idle = IdleKind::BusySpin, .name = "tp-self"});
  agent.runner = &runner;
  agent.request_stop = [](void* r) noexcept { static_cast<AgentRunner<SelfStopping>*>(r)->request_stop(); };
  runner.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (agent.left > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  runner.stop();
  CHECK(runner.duty_cycles() == 50);
  CHECK(runner.stop_requested());
}

TEST_CASE("stop is idempotent and the destructor stops a running agent", "[engine][agent]") {
  ProbeAgent agent;
  {
    AgentRunner runner(agent, ThreadConfig{.cpu = -1, .idle = IdleKind::Backoff, .name = "tp-dtor"});
    runner.start();
    wait_for_cycles(agent, 10);
    runner.stop();
    runner.stop();
  }
  ProbeAgent agent2;
  {
    AgentRunner runner(agent2, ThreadConfig{.cpu = -1, .idle = IdleKind::Backoff, .name = "tp-dtor2"});
    runner.start();
    wait_for_cycles(agent2, 10);
  }
  CHECK(agent.stops == 1);
  CHECK(agent2.stops == 1);
}

TEST_CASE("a throwing on_stop is reported, not lost", "[engine][agent]") {
  struct ThrowingStop {
    int do_work() noexcept { return 0; }
    void on_start() {}
    void on_stop() { throw std::runtime_error("flush failed"); }
  } agent;
  AgentRunner runner(
      agent, ThreadConfig{.cpu = -1, .idle = IdleKind::Sleep, .name = "tp-stopthrow", .sleep_ns = 10'000});
  runner.start();
  runner.stop();
  REQUIRE(runner.stop_error() != nullptr);
  CHECK_THROWS_WITH(std::rethrow_exception(runner.stop_error()), "flush failed");
}

TEST_CASE("backoff idle spins, then yields, then sleeps longer up to the maximum", "[engine][idle]") {
  BackoffIdle idle({.spin_count = 3, .yield_count = 2, .min_sleep_ns = 1'000, .max_sleep_ns = 4'000});
  for (int i = 0; i < 5; ++i) {  // 3 spins + 2 yields: no sleep yet
    idle.idle(0);
    CHECK(idle.current_sleep_ns() == 1'000);
  }
  idle.idle(0);
  CHECK(idle.current_sleep_ns() == 2'000);
  idle.idle(0);
  CHECK(idle.current_sleep_ns() == 4'000);
  idle.idle(0);
  CHECK(idle.current_sleep_ns() == 4'000);
  idle.idle(1);  // work resets the ladder
  CHECK(idle.current_sleep_ns() == 1'000);
}

TEST_CASE("unpinned is a no-op and always succeeds", "[engine][threads]") {
  CHECK_FALSE(pin_current_thread(-1));
  CHECK(usable_cpu_count() >= 1);
}
