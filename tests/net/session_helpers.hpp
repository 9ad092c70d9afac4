#pragma once
// Shared by the net session tests: a handler that records what the session told it, and a
// poll loop with a deadline.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tickpath/core/clock.hpp"
#include "tickpath/net/ws_session.hpp"

namespace tickpath::net::test {

struct Recorder : WsHandler {
  struct Close {
    CloseReason reason;
    boost::system::error_code ec;
    SessionState state_after;
    std::chrono::nanoseconds backoff;
  };
  struct Transition {
    SessionState from;
    SessionState to;
    std::int64_t at_ns;
  };

  std::vector<std::string> frames;
  std::vector<std::uint64_t> recv_tscs;
  std::vector<Close> closes;
  std::vector<Transition> transitions;
  int opens{0};
  bool padding_ok{true};
  bool keep_frames{true};
  std::size_t frame_count{0};
  std::function<void()> open_hook;
  std::function<std::chrono::nanoseconds()> backoff_probe;
  std::function<SessionState()> state_probe;

  void on_open() noexcept override {
    ++opens;
    if (open_hook) {
      open_hook();
    }
  }
  void on_frame(const WsFrame& frame) noexcept override {
    // The padding must be readable memory: under ASan a short buffer fails right here.
    const volatile char* tail = frame.payload.data() + frame.payload.size();
    char sink = 0;
    for (std::size_t i = 0; i < kFramePadding; ++i) {
      sink = static_cast<char>(sink ^ tail[i]);
    }
    (void)sink;
    if (frame.recv_tsc == 0) {
      padding_ok = false;  // reused as "the frame carried no arrival stamp"
    }
    ++frame_count;
    if (keep_frames) {
      frames.emplace_back(frame.payload.data(), frame.payload.size());
      recv_tscs.push_back(frame.recv_tsc);
    }
  }
  void on_close(CloseReason reason, const boost::system::error_code& ec) noexcept override {
    closes.push_back({reason, ec, state_probe ? state_probe() : SessionState::Idle,
                      backoff_probe ? backoff_probe() : std::chrono::nanoseconds{0}});
  }
  void on_state(SessionState from, SessionState to) noexcept override {
    transitions.push_back({from, to, monotonic_ns()});
  }
};

// Polls until pred() or the deadline; yields when a cycle did no work (tests share 2 cores).
template <typename Session, typename Pred>
bool poll_until(Session& session, Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    if (session.poll() == 0) {
      std::this_thread::yield();
    }
  }
  return true;
}

template <typename Session>
void poll_for(Session& session, std::chrono::milliseconds duration) {
  (void)poll_until(
      session, [] { return false; }, duration);
}

// Descriptors open in this process (to catch leaks across reconnects).
inline std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

// Fast settings for tests: short steps, short backoff, deterministic jitter.
inline WsSessionConfig fast_config(std::string url) {
  WsSessionConfig c;
  c.url = std::move(url);
  c.tls.use_system_trust = false;
  c.ping_interval = std::chrono::seconds{30};
  c.pong_timeout = std::chrono::seconds{5};
  c.resolve_timeout = std::chrono::seconds{5};
  c.connect_timeout = std::chrono::seconds{2};
  c.tls_handshake_timeout = std::chrono::seconds{2};
  c.ws_handshake_timeout = std::chrono::seconds{2};
  c.close_timeout = std::chrono::milliseconds{500};
  c.backoff.initial = std::chrono::milliseconds{20};
  c.backoff.max = std::chrono::milliseconds{400};
  c.backoff.multiplier = 2.0;
  c.backoff.jitter = 0.2;
  c.backoff.seed = 42;
  return c;
}

}  // namespace tickpath::net::test
