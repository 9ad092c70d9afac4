#pragma once
// TOML -> EngineConfig, validated once (STYLE B1.12). Start-up only: these functions allocate and
// throw, and may be called from any thread that is not the hot thread. The file format is
// documented key by key in config/engine.example.toml.

#include <filesystem>
#include <string>
#include <string_view>

#include "tickpath/config/config.hpp"
#include "tickpath/config/error.hpp"

namespace tickpath::config {

// Reads and validates a config file. Throws ConfigError listing every problem found: TOML syntax
// (the first one only, where toml++ stops), missing required keys, wrong types, unknown keys (with
// a suggestion when a known key is close), values out of range, duplicate instrument symbols, bad
// increments and an inline api_secret. Each issue names the file, line:column and dotted key.
// The result's source is the path as given. Credentials are not read here (see secrets.hpp).
[[nodiscard]] EngineConfig load_config_file(const std::filesystem::path& path);

// As load_config_file, for TOML text; source_name stands in for the file name in messages and
// becomes the result's source.
[[nodiscard]] EngineConfig load_config_string(std::string_view toml, std::string_view source_name);

// The effective config as TOML: every key, defaults included, in the order of the example file.
// A non-empty venue.api_key is printed as "<redacted>" (kRedacted), which the loader rejects; any
// other config round-trips: load_config_string(format_config(c), c.source) == c.
[[nodiscard]] std::string format_config(const EngineConfig& config);

}  // namespace tickpath::config
