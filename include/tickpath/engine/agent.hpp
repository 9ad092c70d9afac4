#pragma once
// A thread is an agent in a duty cycle (STYLE B1.8, after Aeron's AgentRunner): the runner owns
// one OS thread, places it (name, CPU) and calls agent.do_work() until asked to stop; the idle
// strategy decides what to do when a cycle found no work. Name, CPU and idle strategy come from
// the config's [threads.*] section. Tests drive agents by calling do_work()
// by hand, with no thread at all.

#include <atomic>
#include <concepts>
#include <cstdint>
#include <exception>
#include <future>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "tickpath/config/config.hpp"
#include "tickpath/core/hints.hpp"
#include "tickpath/engine/idle.hpp"
#include "tickpath/engine/threads.hpp"

namespace tickpath::engine {

// do_work() returns how much work the cycle did (0 = idle). on_start() and on_stop() run on the
// agent's own thread, before the first and after the last cycle; they may allocate and throw.
template <typename A>
concept Agent = requires(A a) {
  { a.do_work() }
  noexcept->std::same_as<int>;
  a.on_start();
  a.on_stop();
};

template <Agent A>
class AgentRunner {
 public:
  AgentRunner(A& agent, config::ThreadConfig spec) : agent_(agent), spec_(std::move(spec)) {}
  AgentRunner(const AgentRunner&) = delete;
  AgentRunner& operator=(const AgentRunner&) = delete;
  ~AgentRunner() { stop(); }

  // Starts the thread and returns once it is named, pinned and agent.on_start() has returned.
  // Throws std::system_error when the CPU cannot be pinned, or what on_start() threw; the thread
  // has then already exited. Call once.
  void start() {
    std::promise<void> started;
    std::future<void> ready = started.get_future();
    thread_ = std::thread([this, &started] { thread_main(started); });
    try {
      ready.get();
    } catch (...) {
      thread_.join();
      throw;
    }
    running_.store(true, std::memory_order_release);
  }

  // May be called from any thread, including the agent's own: the loop ends after its current
  // duty cycle.
  void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }

  // Requests a stop and joins; on_stop() has run when this returns. Idempotent. Not from the
  // agent's own thread.
  void stop() noexcept {
    request_stop();
    if (thread_.joinable()) {
      thread_.join();
    }
    running_.store(false, std::memory_order_release);
  }

  [[nodiscard]] bool running() const noexcept { return running_.load(std::memory_order_acquire); }
  [[nodiscard]] bool stop_requested() const noexcept { return stop_.load(std::memory_order_relaxed); }

  // Duty cycles run and cycles that did work; published when the thread exits.
  [[nodiscard]] std::uint64_t duty_cycles() const noexcept { return cycles_; }
  [[nodiscard]] std::uint64_t busy_cycles() const noexcept { return busy_; }

  // What on_stop() threw, if anything (stop() cannot throw).
  [[nodiscard]] std::exception_ptr stop_error() const noexcept { return stop_error_; }

  [[nodiscard]] const config::ThreadConfig& spec() const noexcept { return spec_; }

 private:
  void thread_main(std::promise<void>& started) {
    try {
      set_current_thread_name(spec_.name);
      if (const std::error_code ec = pin_current_thread(spec_.cpu)) {
        throw std::system_error(
            ec, "thread '" + spec_.name + "': cannot pin to CPU " + std::to_string(spec_.cpu));
      }
      agent_.on_start();
    } catch (...) {
      started.set_exception(std::current_exception());
      return;
    }
    started.set_value();

    // The one runtime branch: after it, the loop dispatches the idle strategy statically.
    switch (spec_.idle) {
      case config::IdleKind::BusySpin:
        loop(BusySpinIdle{});
        break;
      case config::IdleKind::Backoff:
        loop(BackoffIdle{{.spin_count = spec_.spin_count,
                          .yield_count = spec_.yield_count,
                          .min_sleep_ns = spec_.min_sleep_ns,
                          .max_sleep_ns = spec_.max_sleep_ns}});
        break;
      case config::IdleKind::Sleep:
        loop(SleepIdle{spec_.sleep_ns});
        break;
    }

    try {
      agent_.on_stop();
    } catch (...) {
      stop_error_ = std::current_exception();
    }
  }

  template <IdleStrategy I>
  void loop(I idle) noexcept {
    std::uint64_t cycles = 0;
    std::uint64_t busy = 0;
    while (!stop_.load(std::memory_order_relaxed)) {
      const int work = agent_.do_work();
      ++cycles;
      busy += work > 0 ? 1U : 0U;
      idle.idle(work);
    }
    // Plain stores: read only after join(), which orders them.
    cycles_ = cycles;
    busy_ = busy;
  }

  A& agent_;
  config::ThreadConfig spec_;
  std::thread thread_;
  // Written by other threads, polled by the agent's loop: on its own lines.
  alignas(kFalseSharingRange) std::atomic<bool> stop_{false};
  alignas(kFalseSharingRange) std::atomic<bool> running_{false};
  std::uint64_t cycles_{0};
  std::uint64_t busy_{0};
  std::exception_ptr stop_error_;
};

}  // namespace tickpath::engine
