#include "tickpath/venue/kraken_futures/instruments.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <simdjson.h>

#include "tickpath/net/https_get.hpp"

namespace tickpath::venue::kraken_futures {
namespace {

namespace od = simdjson::ondemand;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("kraken_futures /instruments: " + what);
}

std::string_view trim(std::string_view t) {
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back())) != 0) {
    t.remove_suffix(1);
  }
  return t;
}

// The text of a number or of a string holding a number (§2.3: REST may send either).
std::string number_text(od::value v, const std::string& where) {
  od::json_type t{};
  if (v.type().get(t) != simdjson::SUCCESS) {
    fail(where + ": invalid JSON");
  }
  if (t == od::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) {
      fail(where + ": invalid string");
    }
    return std::string(s);
  }
  if (t != od::json_type::number) {
    fail(where + ": not a number");
  }
  return std::string(trim(v.raw_json_token()));
}

bool has_prefix_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(s[i])) != prefix[i]) {
      return false;
    }
  }
  return true;
}

// The start of a body that is not what we asked for, printable ASCII only, for error messages.
std::string excerpt(std::string_view body) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (const char c : body.substr(0, kMax)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : ' ';
  }
  return body.size() > kMax ? out + "..." : out;
}

// What an error envelope says (protocol §5.2): `result`, then `error` (shape A), `errors[].message`
// (B, C), or `status` and `message` (D, where `status` is a number). Empty strings when absent.
struct Envelope {
  std::string result;
  std::string error;
};

void append(std::string& to, std::string_view what) {
  if (what.empty()) {
    return;
  }
  if (!to.empty()) {
    to += "; ";
  }
  to += what;
}

Envelope read_envelope(std::string_view json) {
  Envelope out;
  const simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  od::object root;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    return out;
  }
  std::string status;
  std::string message;
  for (auto field_result : root) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return out;
    }
    std::string_view text;
    if (key == "result" && field.value().get_string().get(text) == simdjson::SUCCESS) {
      out.result = text;
    } else if (key == "error" && field.value().get_string().get(text) == simdjson::SUCCESS) {
      append(out.error, text);
    } else if (key == "errors") {
      od::array errors;
      if (field.value().get_array().get(errors) != simdjson::SUCCESS) {
        continue;
      }
      for (auto e : errors) {
        if (e.find_field_unordered("message").get_string().get(text) == simdjson::SUCCESS) {
          append(out.error, text);
        }
      }
    } else if (key == "status") {
      status = trim(field.value().raw_json_token());
    } else if (key == "message" && field.value().get_string().get(text) == simdjson::SUCCESS) {
      message = text;
    }
  }
  if (out.error.empty()) {
    append(out.error, status);
    append(out.error, message);
  }
  return out;
}

}  // namespace

InstrumentList parse_instruments(std::string_view json) {
  const simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) {
    fail("not JSON");
  }
  od::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) {
    fail("not a JSON object");
  }
  InstrumentList out;
  bool seen_instruments = false;
  for (auto field_result : root) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      fail("invalid JSON");
    }
    if (key == "result") {
      std::string_view r;
      if (field.value().get_string().get(r) == simdjson::SUCCESS && r != "success") {
        fail("result is '" + std::string(r) + "'");
      }
      continue;
    }
    if (key != "instruments") {
      continue;
    }
    seen_instruments = true;
    od::array rows;
    if (field.value().get_array().get(rows) != simdjson::SUCCESS) {
      fail("'instruments' is not an array");
    }
    std::size_t index = 0;
    for (auto row_result : rows) {
      od::object row;
      if (row_result.get_object().get(row) != simdjson::SUCCESS) {
        fail("row " + std::to_string(index) + " is not an object");
      }
      std::string symbol;
      std::string type;
      std::string tick;
      std::string precision;
      bool tradeable = true;
      for (auto f : row) {
        std::string_view k;
        if (f.unescaped_key().get(k) != simdjson::SUCCESS) {
          fail("row " + std::to_string(index) + ": invalid JSON");
        }
        const std::string where = "row " + std::to_string(index) + " '" + std::string(k) + "'";
        if (k == "symbol") {
          std::string_view s;
          if (f.value().get_string().get(s) != simdjson::SUCCESS) {
            fail(where + ": not a string");
          }
          symbol = s;
        } else if (k == "type") {
          std::string_view s;
          if (f.value().get_string().get(s) != simdjson::SUCCESS) {
            fail(where + ": not a string");
          }
          type = s;
        } else if (k == "tickSize") {
          tick = number_text(f.value(), where);
        } else if (k == "contractValueTradePrecision") {
          precision = number_text(f.value(), where);
        } else if (k == "tradeable") {
          bool b = true;
          if (f.value().get_bool().get(b) != simdjson::SUCCESS) {
            fail(where + ": not a boolean");
          }
          tradeable = b;
        }
      }
      ++index;
      if (symbol.empty()) {
        fail("row " + std::to_string(index - 1) + " has no symbol");
      }
      const bool inverse = has_prefix_ci(symbol, "PI_") || has_prefix_ci(symbol, "FI_");
      const bool linear = has_prefix_ci(symbol, "PF_") || has_prefix_ci(symbol, "FF_");
      if (!tradeable) {
        out.skipped.push_back({symbol, "not tradeable"});
        continue;
      }
      if (!inverse && !linear) {
        out.skipped.push_back({symbol, "unsupported prefix (type " + type + ")"});
        continue;
      }
      if (tick.empty()) {
        out.skipped.push_back({symbol, "no tickSize"});
        continue;
      }
      InstrumentSpec spec;
      spec.symbol = symbol;
      spec.kind = inverse ? ContractKind::Inverse : ContractKind::Linear;
      const IncrementResult t = parse_increment(tick);
      if (t.error != DecimalError::Ok) {
        fail(symbol + ": tickSize '" + tick + "': " + to_string(t.error));
      }
      spec.tick_size = t.value;
      if (precision.empty()) {
        if (!inverse) {
          out.skipped.push_back({symbol, "linear contract without contractValueTradePrecision"});
          continue;
        }
        spec.size_step = Increment{1, 0};
      } else {
        const UnitsResult p = to_units(precision, Increment{1, 0});
        if (p.error != DecimalError::Ok || p.units < kMinIncrementExponent ||
            p.units > kMaxIncrementExponent) {
          fail(symbol + ": contractValueTradePrecision '" + precision + "' is not a small integer");
        }
        spec.size_step = Increment{1, static_cast<std::int32_t>(-p.units)};
      }
      out.specs.push_back(std::move(spec));
    }
  }
  if (!seen_instruments) {
    fail("no 'instruments' array");
  }
  return out;
}

InstrumentList load_instruments_file(const std::string& path, std::size_t line) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot open instruments file '" + path + "'");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  // One pretty-printed document, or lines of documents (.jsonl / capture): pick line `line` when
  // there is more than one line starting a document.
  std::vector<std::string> docs;
  std::istringstream lines(text);
  std::string l;
  while (std::getline(lines, l)) {
    const std::size_t brace = l.find('{');
    if (brace != std::string::npos && l.find("\"instruments\"") != std::string::npos) {
      docs.push_back(l.substr(brace));
    }
  }
  if (docs.empty()) {
    return parse_instruments(text);
  }
  if (line == 0 || line > docs.size()) {
    throw std::runtime_error("instruments file '" + path + "' has " + std::to_string(docs.size()) +
                             " documents; line " + std::to_string(line) + " requested");
  }
  return parse_instruments(docs[line - 1]);
}

InstrumentList fetch_instruments(const std::string& rest_base_url, const net::TlsContext& tls,
                                 std::chrono::milliseconds timeout) {
  std::string_view base = rest_base_url;
  while (!base.empty() && base.back() == '/') {
    base.remove_suffix(1);
  }
  const std::string url = std::string(base) + "/instruments";
  net::HttpGetOptions options;
  options.timeout = timeout;
  const net::HttpResponse response = net::https_get(url, tls, options);
  const auto fail_fetch = [&](const std::string& what) {
    fail("GET " + url + ": HTTP " + std::to_string(response.status) + ": " + what);
  };
  const std::size_t first = response.body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || response.body[first] != '{') {
    // E.g. the demo host's HTML app shell or marketing page (protocol §1, §9.25): a transport
    // error, never something to parse around.
    fail_fetch("the body is not JSON (starts with '" +
               excerpt(response.body.substr(std::min(first, response.body.size()))) + "')");
  }
  const Envelope envelope = read_envelope(response.body);
  if (!envelope.result.empty() && envelope.result != "success") {
    fail_fetch("result '" + envelope.result + "'" + (envelope.error.empty() ? "" : ": " + envelope.error));
  }
  if (response.status != 200) {
    fail_fetch(envelope.error.empty() ? "not a success answer" : envelope.error);
  }
  if (envelope.result.empty()) {
    fail_fetch("no 'result' in the answer");
  }
  try {
    return parse_instruments(response.body);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("GET " + url + ": " + e.what());
  }
}

InstrumentList builtin_2021_instruments() {
  InstrumentList out;
  const auto add = [&](const char* symbol, Increment tick) {
    out.specs.push_back(InstrumentSpec{symbol, tick, Increment{1, 0}, ContractKind::Inverse});
  };
  add("PI_XBTUSD", {5, -1});
  add("PI_ETHUSD", {5, -2});
  add("PI_LTCUSD", {1, -2});
  add("PI_BCHUSD", {1, -1});
  add("PI_XRPUSD", {1, -4});
  for (const char* expiry : {"210730", "210924"}) {
    add((std::string("FI_XBTUSD_") + expiry).c_str(), {5, -1});
    add((std::string("FI_ETHUSD_") + expiry).c_str(), {5, -2});
    add((std::string("FI_LTCUSD_") + expiry).c_str(), {1, -2});
    add((std::string("FI_BCHUSD_") + expiry).c_str(), {1, -1});
    add((std::string("FI_XRPUSD_") + expiry).c_str(), {1, -4});
  }
  add("FI_XBTUSD_211231", {5, -1});
  add("FI_ETHUSD_211231", {5, -2});
  return out;
}

InstrumentRegistry make_registry(const std::vector<InstrumentSpec>& specs) {
  InstrumentRegistry registry(std::max<std::size_t>(specs.size(), 1));
  for (const InstrumentSpec& spec : specs) {
    registry.add(spec);
  }
  return registry;
}

}  // namespace tickpath::venue::kraken_futures
