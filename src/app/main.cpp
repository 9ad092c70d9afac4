// tickpath: the engine executable.
//
//   tickpath --config FILE         run the engine on FILE
//   tickpath --check-config FILE   validate FILE, print the effective config (secrets redacted)
//   tickpath --version
//
// Start-up and config errors are exceptions caught here once: printed, exit code 2 (STYLE B1.6a).

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "tickpath/config/load.hpp"
#include "tickpath/version.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 64;  // EX_USAGE
constexpr int kExitConfig = 2;

void print_usage(std::FILE* out) {
  fmt::print(out,
             "usage: tickpath --config FILE        run the engine\n"
             "       tickpath --check-config FILE  validate FILE and print the effective config\n"
             "       tickpath --version\n");
}

void print_version() {
  fmt::print("tickpath {} (commit {})\n", tickpath::kVersion, tickpath::kGitCommit);
}

int check_config(const std::filesystem::path& file) {
  const auto cfg = tickpath::config::load_config_file(file);
  fmt::print("# effective config of {} (secrets redacted)\n{}", file.string(),
             tickpath::config::format_config(cfg));
  return kExitOk;
}

int run(const std::filesystem::path& file) {
  const auto cfg = tickpath::config::load_config_file(file);
  print_version();
  fmt::print("# effective config of {} (secrets redacted)\n{}", file.string(),
             tickpath::config::format_config(cfg));
  // The market-data feed exists (tickpath-md live runs it); the embedded simulator (issue #4) and
  // the order gateway (#5) do not yet, so the engine has no venue to run against and says so
  // instead of pretending.
  fmt::print(
      "tickpath: config is valid. The embedded exchange simulator and the order gateway are not built "
      "yet;\n          to watch a venue's books now: tickpath-md live --config FILE\n");
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 2 && (std::string_view(argv[1]) == "--version" || std::string_view(argv[1]) == "-V")) {
      print_version();
      return kExitOk;
    }
    if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
      print_usage(stdout);
      return kExitOk;
    }
    if (argc == 3 && std::string_view(argv[1]) == "--check-config") {
      return check_config(argv[2]);
    }
    if (argc == 3 && std::string_view(argv[1]) == "--config") {
      return run(argv[2]);
    }
    print_usage(stderr);
    return kExitUsage;
  } catch (const tickpath::config::ConfigError& e) {
    fmt::print(stderr, "tickpath: invalid config:\n{}\n", e.what());
    return kExitConfig;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tickpath: {}\n", e.what());
    return kExitConfig;
  }
}
