// Value checks of the file format. Each returns "" or a reason that does not quote the value.

#include "config/detail/schema.hpp"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "tickpath/core/decimal.hpp"
#include "tickpath/core/decimal_value.hpp"

namespace tickpath::config::detail {
namespace {

bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) {
      return false;
    }
  }
  return true;
}

// Every character of text is alphanumeric or one of extra; the reason otherwise.
std::string check_charset(std::string_view text, std::string_view extra, std::string_view allowed) {
  for (const char c : text) {
    if (!is_alnum(c) && extra.find(c) == std::string_view::npos) {
      return std::string("may only contain ").append(allowed);
    }
  }
  return {};
}

std::string check_length(std::string_view text, std::size_t max, std::string_view why = {}) {
  if (text.empty()) {
    return "must not be empty";
  }
  if (text.size() > max) {
    std::string reason =
        "is " + std::to_string(text.size()) + " characters long; the limit is " + std::to_string(max);
    if (!why.empty()) {
      reason.append(" (").append(why).append(")");
    }
    return reason;
  }
  return {};
}

// scheme://host[:port][/path][?query]: the scheme is one of the two given (case-insensitive, RFC
// 3986), the host is non-empty, the port (if any) is 1..65535, and there is no user:password@
// part: credentials do not belong in URLs any more than in the file.
std::string check_url(std::string_view text, std::string_view secure, std::string_view plain) {
  std::string expected =
      "expected a URL starting with " + std::string(secure) + "://" + " or " + std::string(plain) + "://";
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return expected;
  }
  if (const std::string_view scheme = text.substr(0, sep);
      !iequals(scheme, secure) && !iequals(scheme, plain)) {
    return expected;
  }
  for (const char c : text) {
    if (is_space(c)) {
      return "must not contain whitespace";
    }
  }
  const std::string_view rest = text.substr(sep + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return "must not contain a user name or password; credentials come from venue.api_key_env, "
           "venue.api_secret_env or venue.api_secret_file";
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return "has an unterminated IPv6 address";
    }
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return "has text after the IPv6 address";
      }
      port = after.substr(1);
      if (port.empty()) {
        return "has an empty port";
      }
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) {
      return "has an empty port";
    }
  }
  if (host.empty()) {
    return "has no host";
  }
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      return "has an invalid port; expected 1 to 65535";
    }
  }
  return {};
}

}  // namespace

std::string check_engine_name(std::string_view text) {
  if (std::string reason = check_length(text, 31); !reason.empty()) {
    return reason;
  }
  return check_charset(text, "_.-", "A-Z a-z 0-9 _ . -");
}

std::string check_thread_name(std::string_view text) {
  if (std::string reason = check_length(text, 15, "Linux thread names hold 15 characters"); !reason.empty()) {
    return reason;
  }
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e) {
      return "may only contain printable ASCII characters";
    }
  }
  return {};
}

std::string check_rest_url(std::string_view text) {
  return check_url(text, "https", "http");
}

std::string check_ws_url(std::string_view text) {
  return check_url(text, "wss", "ws");
}

std::string check_env_name(std::string_view text) {
  if (std::string reason = check_length(text, 255); !reason.empty()) {
    return reason;
  }
  if (text.front() >= '0' && text.front() <= '9') {
    return "is not an environment variable name: it must not start with a digit";
  }
  return check_charset(text, "_", "A-Z a-z 0-9 _ (an environment variable name)");
}

std::string check_api_key(std::string_view text) {
  if (text == kRedacted) {
    return "is the placeholder that format_config prints; write the real key here, or remove the "
           "line to read the key from the variable named by venue.api_key_env";
  }
  for (const char c : text) {
    if (is_space(c)) {
      return "must not contain whitespace";
    }
  }
  return {};
}

std::string check_symbol(std::string_view text) {
  if (std::string reason = check_length(text, 31); !reason.empty()) {
    return reason;
  }
  return check_charset(text, "_.:/-", "A-Z a-z 0-9 _ . : / -");
}

// An IPv4/IPv6 literal or a host name; the listener reports one it cannot bind.
std::string check_host(std::string_view text) {
  if (std::string reason = check_length(text, 253); !reason.empty()) {
    return reason;
  }
  return check_charset(text, ".-:_", "A-Z a-z 0-9 . - : _ (an IP address or host name)");
}

// A decimal number such as "65000.5" (no sign, no exponent needed, but both accepted).
std::string check_decimal(std::string_view text) {
  Increment value{};
  if (parse_increment_text(text, value).empty()) {
    return {};
  }
  return "is not a positive decimal number such as \"65000.5\"";
}

// "CURRENCY:amount", e.g. "USD:1000000"; amount a non-negative decimal.
std::string check_sim_balance(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return "expected \"CURRENCY:amount\", e.g. \"USD:1000000\"";
  }
  if (std::string reason = check_charset(text.substr(0, colon), "", "A-Z a-z 0-9 in the currency");
      !reason.empty()) {
    return reason;
  }
  const std::string_view amount = text.substr(colon + 1);
  Increment value{};
  if (amount != "0" && !parse_increment_text(amount, value).empty()) {
    return "the amount is not a non-negative decimal number";
  }
  return {};
}

// Risk limits are compared exactly against order quantities and money amounts, so the text must
// be a number parse_decimal reads without rounding. Zero is refused rather than read as "no
// limit": a limit of 0 would block every order, and "" already says "none".
std::string check_limit(std::string_view text) {
  if (text.empty()) {
    return {};
  }
  const DecimalResult parsed = parse_decimal(text);
  if (parsed.error == DecimalError::Overflow) {
    return "is not exact: a limit has at most " + std::to_string(kMaxDecimalDigits) +
           " significant digits and an exponent between " + std::to_string(kMinDecimalExponent) + " and " +
           std::to_string(kMaxDecimalExponent);
  }
  if (parsed.error != DecimalError::Ok || parsed.value.mantissa < 0) {
    return "is not a positive decimal number such as \"5\" or \"0.25\" (\"\" = no limit)";
  }
  if (parsed.value.mantissa == 0) {
    return "must be positive; write \"\" for no limit";
  }
  return {};
}

// The engine keeps money in billionths of a currency in an int64 (oms::Money, which config cannot
// include): a finer limit would be rounded and a larger one clamped, so both are refused here.
std::string check_money_limit(std::string_view text) {
  if (std::string reason = check_limit(text); !reason.empty() || text.empty()) {
    return reason;
  }
  const UnitsResult units = to_units(text, kMoneyResolution);
  if (units.error == DecimalError::OffGrid) {
    return "has more than 9 decimal places; amounts are kept in billionths of the currency";
  }
  if (units.error != DecimalError::Ok) {
    return "is too large; amounts are kept in billionths of the currency in 64 bits (up to about "
           "9.2 billion)";
  }
  return {};
}

std::string parse_increment_text(std::string_view text, Increment& out) {
  const IncrementResult parsed = parse_increment(text);
  switch (parsed.error) {
    case DecimalError::Ok:
      out = parsed.value;
      return {};
    case DecimalError::Empty:
      return "must not be empty";
    case DecimalError::Overflow:
      return "'" + std::string(text) +
             "' is beyond what an increment can hold exactly (its digits must fit in 64 bits " +
             "and its exponent lie between " + std::to_string(kMinIncrementExponent) + " and " +
             std::to_string(kMaxIncrementExponent) + ")";
    case DecimalError::Malformed:
    case DecimalError::OffGrid:
      break;
  }
  return "'" + std::string(text) + "' is not a positive decimal number such as \"0.5\" or \"1e-4\"";
}

}  // namespace tickpath::config::detail
