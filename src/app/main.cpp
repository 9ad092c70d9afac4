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
  // The market-data, order-entry and simulator components arrive with issues #3-#5; until they
  // do, the engine has nothing to run and says so instead of pretending.
  fmt::print("tickpath: config is valid; no venue adapter is built into this version yet, exiting\n");
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
