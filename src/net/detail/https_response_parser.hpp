#pragma once
// The HTTP/1.1 response parser of the keep-alive pool (private to net): Beast's basic_parser does
// the parsing (status line, fields, Content-Length, chunked framing, keep-alive semantics); this
// derived class only keeps the status and copies the body into a buffer the connection owns.
//
// Why not http::response_parser<...>: it builds a basic_fields (a heap node per header field) for
// every response. Here nothing is allocated per response: fields are looked at by basic_parser
// itself (Connection, Content-Length, Transfer-Encoding) and otherwise dropped, and the body goes
// into a ResponseBody that was reserved at construction and only grows for a larger answer.
//
// basic_parser cannot be reset (Beast: "store it in an optional, then reset() and emplace()"), so
// the connection emplaces a fresh parser per response into a std::optional: no allocation, a few
// stores. The input must be handed to put() as ONE contiguous buffer: with a buffer sequence of
// more than one element basic_parser copies into a heap buffer of its own.
// One thread (the pool's) only.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>

#include <boost/beast/core/string_type.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/optional/optional.hpp>
#include <boost/system/error_code.hpp>

#include "tickpath/net/ws_session.hpp"

namespace tickpath::net::detail {

// A response body: contiguous, followed by kFramePadding readable (zeroed) bytes so simdjson can
// parse it in place. Reserved at construction; grows (one allocation) only when an answer does
// not fit, never shrinks, never beyond max bytes.
class ResponseBody {
 public:
  ResponseBody(std::size_t initial, std::size_t max) : max_(max) {
    const std::size_t first = std::min(initial, max);
    data_.reset(new char[first + kFramePadding]());
    capacity_ = first;
  }

  void clear() noexcept { size_ = 0; }

  // Room for `total` bytes in all. False when total exceeds max or memory is exhausted.
  [[nodiscard]] bool reserve(std::size_t total) noexcept {
    if (total <= capacity_) {
      return true;
    }
    if (total > max_) {
      return false;
    }
    std::unique_ptr<char[]> grown(new (std::nothrow) char[total + kFramePadding]());
    if (!grown) {
      return false;
    }
    if (size_ != 0) {
      std::memcpy(grown.get(), data_.get(), size_);
    }
    data_ = std::move(grown);
    capacity_ = total;
    ++growths_;
    return true;
  }

  // Appends, growing to at least twice the capacity (bounded by max) when short.
  [[nodiscard]] bool append(const char* p, std::size_t n) noexcept {
    if (n > max_ - size_) {
      return false;
    }
    if (size_ + n > capacity_ && !reserve(std::min(max_, std::max(size_ + n, 2 * capacity_)))) {
      return false;
    }
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
    return true;
  }

  [[nodiscard]] std::span<const char> view() const noexcept { return {data_.get(), size_}; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::size_t max() const noexcept { return max_; }
  [[nodiscard]] std::uint64_t growths() const noexcept { return growths_; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_{0};
  std::size_t capacity_{0};
  std::size_t max_;
  std::uint64_t growths_{0};
};

class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  using error_code = boost::system::error_code;
  using string_view = boost::beast::string_view;

  // header_bytes: the status line plus all fields; the body limit is body.max().
  // head: the request was a HEAD (the answer has no body whatever its Content-Length says).
  ResponseParser(ResponseBody& body, std::uint32_t header_bytes, bool head) noexcept : body_(body) {
    body_.clear();
    this->header_limit(header_bytes);
    this->body_limit(boost::optional<std::uint64_t>(static_cast<std::uint64_t>(body.max())));
    this->eager(true);
    if (head) {
      this->skip(true);
    }
  }

  [[nodiscard]] unsigned status() const noexcept { return status_; }

 private:
  void on_request_impl(boost::beast::http::verb /*method*/, string_view /*method_str*/,
                       string_view /*target*/, int /*version*/, error_code& ec) override {
    ec = boost::beast::http::error::bad_method;  // unreachable: this parser parses responses
  }

  void on_response_impl(int code, string_view /*reason*/, int /*version*/, error_code& /*ec*/) override {
    status_ = static_cast<unsigned>(code);
  }

  void on_field_impl(boost::beast::http::field /*name*/, string_view /*name_string*/, string_view /*value*/,
                     error_code& /*ec*/) override {}

  void on_header_impl(error_code& /*ec*/) override {}

  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code& ec) override {
    // Exactly once per answer with a known length: the one growth an oversized answer costs.
    if (content_length && !body_.reserve(static_cast<std::size_t>(*content_length))) {
      ec = boost::beast::http::error::body_limit;
    }
  }

  std::size_t on_body_impl(string_view body, error_code& ec) override {
    if (!body_.append(body.data(), body.size())) {
      ec = boost::beast::http::error::body_limit;
      return 0;
    }
    return body.size();
  }

  // basic_parser enforces the body limit across chunks; append() grows geometrically.
  void on_chunk_header_impl(std::uint64_t /*size*/, string_view /*extensions*/, error_code& /*ec*/) override {
  }

  std::size_t on_chunk_body_impl(std::uint64_t /*remain*/, string_view body, error_code& ec) override {
    return on_body_impl(body, ec);
  }

  void on_finish_impl(error_code& /*ec*/) override {}

  ResponseBody& body_;
  unsigned status_{0};
};

}  // namespace tickpath::net::detail
