#pragma once
// Shared set-up of the sim_server tests (server_test.cpp, server_faults_test.cpp,
// server_ws_framing_test.cpp): a quiet simulator on an ephemeral port and fixed test accounts.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tickpath/config/config.hpp"
#include "tickpath/sim/server.hpp"

#include "sim/sim_client.hpp"

namespace tickpath::sim::test {

// Two fixed test keys (base64 of 64 bytes 0..63 and 64..127). The exchange gives their accounts
// ids 2 and 3 (two house accounts come first).
inline const Key kTrader{
    .api_key = "test-key-1",
    .secret_base64 =
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="};
inline const Key kOther{
    .api_key = "test-key-2",
    .secret_base64 =
        "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+fw=="};
inline constexpr AccountId kTraderAccount = 2;

// An ephemeral port, no CA file written and no background market, so that every message a test
// sees is one it caused. TLS unless `tls` is false (the framing tests speak plain TCP).
inline config::SimConfig quiet_config(bool tls = true) {
  config::SimConfig c{};
  c.port = 0;
  c.tls = tls;
  c.ca_out_file = "";
  c.market.kind = config::SimActivityKind::None;
  return c;
}

inline AccountKey account_of(std::string name, const Key& key) {
  return AccountKey{.name = std::move(name),
                    .api_key = key.api_key,
                    .api_secret_base64 = key.secret_base64,
                    .balances = {{.currency = "USD", .amount = 1e6}, {.currency = "BTC", .amount = 10}}};
}

// "trader" (kTrader) alone.
inline std::vector<AccountKey> trader_accounts() {
  return {account_of("trader", kTrader)};
}

// "trader" (kTrader) and "other" (kOther), with the same money.
inline std::vector<AccountKey> trader_and_other_accounts() {
  return {account_of("trader", kTrader), account_of("other", kOther)};
}

inline bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

}  // namespace tickpath::sim::test
