#include "tickpath/venue/kraken_futures/form.hpp"

#include <array>
#include <cstdint>
#include <utility>

namespace tickpath::venue::kraken_futures {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

constexpr std::array<bool, 256> make_unreserved() {
  std::array<bool, 256> t{};
  for (int c = 'A'; c <= 'Z'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  for (int c = '0'; c <= '9'; ++c) {
    t[static_cast<std::size_t>(c)] = true;
  }
  for (const char c : {'-', '.', '_', '~'}) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}
constexpr std::array<bool, 256> kUnreserved = make_unreserved();

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

}  // namespace

std::size_t percent_encode(std::string_view text, char* out) noexcept {
  std::size_t o = 0;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (kUnreserved[u]) {
      out[o++] = c;
    } else {
      out[o++] = '%';
      out[o++] = kHex[u >> 4];
      out[o++] = kHex[u & 0x0fU];
    }
  }
  return o;
}

void percent_encode(std::string_view text, std::string& out) {
  const std::size_t old = out.size();
  out.resize(old + 3 * text.size());
  out.resize(old + percent_encode(text, out.data() + old));
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');  // form encoding's space (application/x-www-form-urlencoded)
    } else if (c == '%') {
      if (i + 2 >= text.size()) {  // "%" or "%4" at the end
        return std::nullopt;
      }
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::optional<std::vector<FormField>> parse_form(std::string_view text) {
  std::vector<FormField> fields;
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) {
      continue;  // "a=1&&b=2" and a trailing '&': empty pairs carry nothing (as WHATWG URL does)
    }
    const std::size_t eq = pair.find('=');
    std::optional<std::string> key = percent_decode(pair.substr(0, eq));
    std::optional<std::string> value =
        percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    if (!key || !value) {
      return std::nullopt;
    }
    fields.push_back(FormField{std::move(*key), std::move(*value)});
  }
  return fields;
}

}  // namespace tickpath::venue::kraken_futures
