// The executables as a user runs them, as child processes: `tickpath-sim --config FILE` (its
// start-up lines, a client built only from what it printed, SIGTERM, exit codes, generated
// credentials) and `tickpath --config FILE` with the simulator embedded (market data reaches a
// valid book). Every child has a deadline and is killed on any failure path.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/sim_client.hpp"

extern char** environ;

namespace tickpath::sim {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/tickpath-tools-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void write_file(const std::string& path, std::string_view text, std::filesystem::perms mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
  }
  std::filesystem::permissions(path, mode, std::filesystem::perm_options::replace);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A child process with its stdout and stderr on pipes. The destructor kills it if it still runs.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      throw std::runtime_error("pipe2 failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    std::vector<char*> args;
    for (std::string& a : argv) {
      args.push_back(a.data());
    }
    args.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error(std::string("posix_spawn ") + argv[0] + ": " + std::strerror(rc));
    }
  }
  ~Child() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    for (const int fd : {out_fd_, err_fd_}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // Reads what the child wrote, for at most `timeout`, returning early once `done` holds.
  template <class Pred>
  bool pump_until(Pred done, std::chrono::milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    while (!done()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      if (left <= 0) {
        return done();
      }
      if (out_fd_ < 0 && err_fd_ < 0) {  // both pipes at EOF: the child may still be exiting
        ::usleep(10'000);
        continue;
      }
      pollfd fds[2] = {{.fd = out_fd_, .events = POLLIN, .revents = 0},
                       {.fd = err_fd_, .events = POLLIN, .revents = 0}};
      const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 100)));
      if (n < 0 && errno != EINTR) {
        return done();
      }
      drain(fds[0], out_fd_, out_);
      drain(fds[1], err_fd_, err_);
    }
    return true;
  }

  // The line of stdout starting with `prefix` (without it and the newline), waiting for it.
  std::optional<std::string> line(std::string_view prefix, std::chrono::milliseconds timeout = 30s) {
    std::optional<std::string> found;
    (void)pump_until(
        [&] {
          found = find_line(prefix);
          return found.has_value() || exited();
        },
        timeout);
    return found ? found : find_line(prefix);
  }

  // Waits for the exit status (the raw waitpid status); nullopt on timeout (the child is then
  // killed by the destructor).
  std::optional<int> wait(std::chrono::milliseconds timeout = 30s) {
    (void)pump_until([&] { return exited() && out_fd_ < 0 && err_fd_ < 0; }, timeout);
    (void)exited();
    return status_;
  }

  void signal(int sig) const { ::kill(pid_, sig); }
  [[nodiscard]] const std::string& out() const noexcept { return out_; }
  [[nodiscard]] const std::string& err() const noexcept { return err_; }

 private:
  static void drain(const pollfd& p, int& fd, std::string& into) {
    if (fd < 0 || (p.revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
      return;
    }
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      into.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
      ::close(fd);
      fd = -1;
    }
  }

  bool exited() {
    if (status_) {
      return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      status_ = status;
    }
    return status_.has_value();
  }

  [[nodiscard]] std::optional<std::string> find_line(std::string_view prefix) const {
    std::istringstream in(out_);
    std::string l;
    while (std::getline(in, l)) {
      if (l.rfind(prefix, 0) == 0 && !in.eof()) {  // a whole line only
        return l.substr(prefix.size());
      }
    }
    return std::nullopt;
  }

  pid_t pid_{-1};
  int out_fd_{-1};
  int err_fd_{-1};
  std::string out_;
  std::string err_;
  std::optional<int> status_;
};

bool exited_with(const std::optional<int>& status, int code) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == code;
}

std::string describe(const std::optional<int>& status) {
  if (!status) {
    return "still running";
  }
  if (WIFEXITED(*status)) {
    return "exit " + std::to_string(WEXITSTATUS(*status));
  }
  if (WIFSIGNALED(*status)) {
    return "signal " + std::to_string(WTERMSIG(*status));
  }
  return "status " + std::to_string(*status);
}

// Port of "https://127.0.0.1:PORT/..." (0 when there is none).
std::uint16_t port_of(const std::string& url) {
  const std::size_t host = url.find("://");
  const std::size_t colon = url.find(':', host == std::string::npos ? 0 : host + 3);
  if (colon == std::string::npos) {
    return 0;
  }
  return static_cast<std::uint16_t>(std::stoul(url.substr(colon + 1)));
}

const char* const kSecret =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

}  // namespace

TEST_CASE("tickpath-sim prints its endpoints, serves a client built from them and stops on SIGTERM",
          "[sim][tools]") {
  TempDir dir;
  const std::string secret_file = dir.file("secret");
  write_file(secret_file, std::string(kSecret) + "\n",
             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string ca_file = dir.file("out/ca.pem");
  const std::string config = dir.file("sim.toml");
  write_file(config,
             "[sim]\nport = 0\ntls = true\nca_out_file = \"" + ca_file +
                 "\"\n[sim.market]\nkind = \"none\"\n"
                 "[[sim.accounts]]\nname = \"alice\"\napi_key = \"tools-key\"\napi_secret_file = \"" +
                 secret_file + "\"\n",
             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  Child sim({TICKPATH_SIM_BIN, "--config", config});
  const auto api_key = sim.line("api_key ");
  INFO("stdout: " << sim.out() << "\nstderr: " << sim.err());
  REQUIRE(api_key);
  CHECK(*api_key == "tools-key alice");
  const auto rest_url = sim.line("rest ");
  const auto ws_url = sim.line("websocket ");
  const auto ca = sim.line("ca_file ");
  REQUIRE(rest_url);
  REQUIRE(ws_url);
  REQUIRE(ca);
  const std::uint16_t port = port_of(*rest_url);
  REQUIRE(port != 0);
  CHECK(*rest_url == "https://127.0.0.1:" + std::to_string(port) + "/derivatives/api/v3");
  CHECK(*ws_url == "wss://127.0.0.1:" + std::to_string(port) + "/ws/v1");
  CHECK(*ca == ca_file);
  CHECK_FALSE(contains(sim.out(), "credentials_file"));
  CHECK_FALSE(contains(sim.out(), kSecret));  // secrets are never printed

  Endpoints e{
      .rest_url = *rest_url, .ws_url = *ws_url, .ca_file = *ca, .ca_pem = read_file(*ca), .port = port};
  REQUIRE(contains(e.ca_pem, "-----BEGIN CERTIFICATE-----"));
  test::RestClient rest(e);  // verifies the server against the printed CA file
  const test::Reply instruments = rest.get_public("instruments");
  CHECK(instruments.status == 200);
  CHECK(contains(instruments.body, R"("symbol":"PF_XBTUSD")"));
  // The secret came from the file: signed requests work.
  const test::Reply open =
      rest.signed_request({.api_key = "tools-key", .secret_base64 = kSecret}, "GET", "openorders", "");
  CHECK(contains(open.body, R"("result":"success")"));
  test::WsClient ws(e);
  CHECK(ws.read(5000ms) == std::optional<std::string>(R"({"event":"info","version":1})"));

  sim.signal(SIGTERM);
  const auto status = sim.wait(30s);
  INFO(describe(status) << "\nstderr: " << sim.err());
  CHECK(exited_with(status, 0));
  CHECK(contains(sim.err(), "SIGTERM"));
}

TEST_CASE("tickpath-sim exits 2 on a config error and names the key", "[sim][tools]") {
  TempDir dir;
  const std::string config = dir.file("bad.toml");
  write_file(config, "[sim]\nport = 0\nbogus_knob = 1\n",
             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Child sim({TICKPATH_SIM_BIN, "--config", config});
  const auto status = sim.wait(30s);
  INFO(describe(status) << "\nstdout: " << sim.out() << "\nstderr: " << sim.err());
  CHECK(exited_with(status, 2));
  CHECK(contains(sim.err(), "bogus_knob"));
  CHECK_FALSE(contains(sim.out(), "rest "));

  // A missing file is a config error too; a bad command line is a usage error.
  Child missing({TICKPATH_SIM_BIN, "--config", dir.file("absent.toml")});
  CHECK(exited_with(missing.wait(30s), 2));
  Child usage({TICKPATH_SIM_BIN, "--serve"});
  const auto usage_status = usage.wait(30s);
  CHECK(exited_with(usage_status, 64));
  CHECK(contains(usage.err(), "usage: tickpath-sim"));
}

TEST_CASE("tickpath-sim without accounts generates a key and writes its secret to a 0600 file",
          "[sim][tools]") {
  TempDir dir;
  const std::string ca_file = dir.file("ca.pem");
  const std::string config = dir.file("sim.toml");
  write_file(config, "[sim]\nport = 0\nca_out_file = \"" + ca_file + "\"\n[sim.market]\nkind = \"none\"\n",
             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Child sim({TICKPATH_SIM_BIN, "--config", config});
  const auto credentials = sim.line("credentials_file ");
  INFO("stdout: " << sim.out() << "\nstderr: " << sim.err());
  REQUIRE(credentials);
  const auto api_key_line = sim.line("api_key ");
  REQUIRE(api_key_line);
  const std::string api_key = api_key_line->substr(0, api_key_line->find(' '));
  REQUIRE_FALSE(api_key.empty());

  struct stat st {};
  REQUIRE(::stat(credentials->c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string text = read_file(*credentials);
  CHECK(contains(text, "api_key=" + api_key + "\n"));
  const std::size_t at = text.find("api_secret=");
  REQUIRE(at != std::string::npos);
  const std::string secret = text.substr(at + 11, text.find('\n', at) - at - 11);
  CHECK_FALSE(contains(sim.out(), secret));

  // The generated key signs requests the simulator accepts.
  const auto rest_url = sim.line("rest ");
  REQUIRE(rest_url);
  Endpoints e{.rest_url = *rest_url,
              .ws_url = "",
              .ca_file = ca_file,
              .ca_pem = read_file(ca_file),
              .port = port_of(*rest_url)};
  test::RestClient rest(e);
  const test::Reply open =
      rest.signed_request({.api_key = api_key, .secret_base64 = secret}, "GET", "openorders", "");
  CHECK(contains(open.body, R"("result":"success")"));

  sim.signal(SIGINT);
  const auto status = sim.wait(30s);
  INFO(describe(status));
  CHECK(exited_with(status, 0));
}

TEST_CASE("the engine with an embedded simulator builds a valid book from its market data", "[sim][tools]") {
  TempDir dir;
  const std::string config = dir.file("engine.toml");
  write_file(config,
             "[engine]\nrun_seconds = 3\n"
             "[[instruments]]\nsymbol = \"PF_XBTUSD\"\ntick_size = \"1\"\nsize_step = \"0.0001\"\n"
             "[market_data]\nproducts = [\"PF_XBTUSD\"]\nfeeds = [\"book\", \"trade\"]\n"
             "[sim]\nembedded = true\nport = 0\nca_out_file = \"" +
                 dir.file("ca.pem") + "\"\n",
             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Child engine({TICKPATH_ENGINE_BIN, "--config", config});
  const auto status = engine.wait(60s);
  INFO(describe(status) << "\nstdout: " << engine.out() << "\nstderr: " << engine.err());
  CHECK(exited_with(status, 0));
  CHECK(contains(engine.out(), "tickpath: embedded simulator: rest https://127.0.0.1:"));
  CHECK(contains(engine.out(), "tickpath: embedded simulator stopped"));
  // At least one status line shows the product with a valid book and both sides.
  bool valid = false;
  std::istringstream lines(engine.out());
  std::string l;
  while (std::getline(lines, l)) {
    if (l.rfind("{\"t\":", 0) == 0 && contains(l, R"({"product":"PF_XBTUSD","valid":true,)") &&
        contains(l, R"("bid":[")") && contains(l, R"("ask":[")")) {
      valid = true;
    }
  }
  CHECK(valid);
}

TEST_CASE(
    "the engine's order gateway: live against its simulator, kill switch by signal and file, clean shutdown",
    "[sim][tools][gateway]") {
  TempDir dir;
  const std::string config = dir.file("engine.toml");
  const std::string kill_file = dir.file("KILL");
  write_file(config,
             "[[instruments]]\nsymbol = \"PF_XBTUSD\"\ntick_size = \"1\"\nsize_step = \"0.0001\"\n"
             "[threads.hot]\nidle = \"backoff\"\n"
             "[market_data]\nproducts = [\"PF_XBTUSD\"]\nfeeds = [\"book\"]\n"
             "[gateway]\nenabled = true\nkill_switch_file = \"" +
                 kill_file + "\"\nkill_switch_poll_ms = 20\n" +
                 "[[risk]]\nsymbol = \"PF_XBTUSD\"\nmax_order_qty = \"1\"\n"
                 "[sim]\nembedded = true\nport = 0\nca_out_file = \"" +
                 dir.file("ca.pem") + "\"\n",
             std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Child engine({TICKPATH_ENGINE_BIN, "--config", config});
  auto seen = [&](std::string_view text) {
    return engine.pump_until([&] { return contains(engine.out(), text); }, 30s);
  };
  INFO("stdout: " << engine.out() << "\nstderr: " << engine.err());
  // Reconciled, dead man's switch armed.
  REQUIRE(seen(R"("gateway":"live","feed":"ready","halted":false)"));
  REQUIRE(engine.pump_until([&] { return contains(engine.out(), R"("dms_trigger_ms":1)"); },
                            30s));  // epoch ms 1.7e12..
  engine.signal(SIGUSR1);
  CHECK(seen(R"("event":"kill_switch","gateway":"live","feed":"ready","halted":true)"));
  engine.signal(SIGUSR2);
  CHECK(seen(R"("event":"halt_reset","gateway":"live","feed":"ready","halted":false)"));
  write_file(kill_file, "stop\n", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  CHECK(seen(R"("event":"kill_switch_file","gateway":"live","feed":"ready","halted":true)"));
  engine.signal(SIGTERM);
  const auto status = engine.wait(30s);
  INFO(describe(status));
  CHECK(exited_with(status, 0));
  CHECK(contains(engine.out(), R"("event":"cancelled_all")"));
  CHECK(contains(engine.out(), "tickpath: embedded simulator stopped"));
}

}  // namespace tickpath::sim
