#pragma once
// The executor of every polled stream (private to net).
//
// Completion handlers run on an io_context that owns no reactor: nothing ever calls init_task()
// on it, so io_context::poll() is a lock/queue walk in user space (Asio 1.81
// detail/impl/scheduler.ipp: do_poll_one() only calls task_->run() -- epoll_wait -- when a
// reactor task was installed by a socket, timer or signal service).
//
// Beast's websocket stream owns a steady_timer (for its own timeouts, which we disable) and
// registers a service; both are built from the next layer's executor's *execution context*.
// If that context were the polled io_context, constructing the timer would install the epoll
// reactor into it (deadline_timer_service's constructor calls init_task()) and every poll()
// would then make an epoll_wait syscall. So this executor forwards execution to the polled
// io_context but answers `query(execution::context)` with a separate, never-run "services"
// context: I/O objects and services live there; handlers run here.

#include <type_traits>
#include <utility>

#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>

namespace tickpath::net::detail {

namespace asio = boost::asio;

template <typename P>
inline constexpr bool kIsContextProperty =
    std::is_same_v<P, asio::execution::context_t> ||
    std::is_same_v<P, asio::execution::context_as_t<asio::execution_context&>>;

template <typename Inner>
class BasicPolledExecutor {
 public:
  BasicPolledExecutor(const Inner& inner, asio::execution_context& services) noexcept
      : inner_(inner), services_(&services) {}

  [[nodiscard]] asio::execution_context& query(asio::execution::context_t) const noexcept {
    return *services_;
  }
  [[nodiscard]] asio::execution_context& query(
      asio::execution::context_as_t<asio::execution_context&>) const noexcept {
    return *services_;
  }

  template <typename P, typename = std::enable_if_t<!kIsContextProperty<P>>>
  [[nodiscard]] auto query(const P& p) const noexcept
      -> decltype(asio::query(std::declval<const Inner&>(), p)) {
    return asio::query(inner_, p);
  }

  template <typename P>
  [[nodiscard]] auto require(const P& p) const
      -> BasicPolledExecutor<std::decay_t<decltype(asio::require(std::declval<const Inner&>(), p))>> {
    return {asio::require(inner_, p), *services_};
  }

  template <typename P>
  [[nodiscard]] auto prefer(const P& p) const
      -> BasicPolledExecutor<std::decay_t<decltype(asio::prefer(std::declval<const Inner&>(), p))>> {
    return {asio::prefer(inner_, p), *services_};
  }

  template <typename F>
  void execute(F&& f) const {
    inner_.execute(std::forward<F>(f));
  }

  friend bool operator==(const BasicPolledExecutor& a, const BasicPolledExecutor& b) noexcept {
    return a.inner_ == b.inner_ && a.services_ == b.services_;
  }
  friend bool operator!=(const BasicPolledExecutor& a, const BasicPolledExecutor& b) noexcept {
    return !(a == b);
  }

  [[nodiscard]] const Inner& inner() const noexcept { return inner_; }

 private:
  Inner inner_;
  asio::execution_context* services_;
};

}  // namespace tickpath::net::detail
