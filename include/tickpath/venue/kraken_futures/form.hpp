#pragma once
// application/x-www-form-urlencoded text, as Kraken Futures REST requests carry their parameters
// (kraken-futures-protocol.md §5.1): building it (client, once per request, signed over exactly
// the bytes sent) and reading it back (simulator).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tickpath::venue::kraken_futures {

// Percent-encodes everything but the unreserved characters A-Z a-z 0-9 - . _ ~ (RFC 3986), with
// uppercase hex ("123+/=" -> "123%2B%2F%3D"), as Python's urlencode and ccxt do. Appends to out.
void percent_encode(std::string_view text, std::string& out);
// Writes into out (capacity at least 3 * text.size()); returns the length. No allocation.
std::size_t percent_encode(std::string_view text, char* out) noexcept;

// Decodes %XX (either case) and '+' as space. nullopt on a malformed escape.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text);

struct FormField {
  std::string key;    // decoded
  std::string value;  // decoded
};

// Splits "a=1&b=x%20y" into decoded fields in order (repeated keys kept; "a" alone has value "";
// "=b" has key ""; the first '=' splits, so "a=b=c" has value "b=c"; empty pairs, as in "a&&b" or a
// trailing '&', are skipped, as WHATWG URLSearchParams does). nullopt on a malformed escape.
[[nodiscard]] std::optional<std::vector<FormField>> parse_form(std::string_view text);

}  // namespace tickpath::venue::kraken_futures
