#pragma once
// The OpenSSL client context every TLS session uses (ARCHITECTURE §2, `net`).
//
// Policy, not configurable: TLS 1.2 or newer, peer verification always on (SSL_VERIFY_PEER; a
// failed chain or name check aborts the handshake). The only knobs are *what* is trusted: the
// system trust store (default) and/or one extra PEM file of CA certificates, e.g. the local
// simulator's self-signed certificate. There is deliberately no way to turn verification off.
//
// Per connection, configure_client() sets SNI (DNS names only; RFC 6066 forbids IP literals) and
// the expected peer identity: SSL_set1_host() for DNS names, X509_VERIFY_PARAM_set1_ip_asc() for
// IPv4/IPv6 literals, so "wss://127.0.0.1:..." is checked against the certificate's IP SANs.
// (Boost 1.81's ssl::host_name_verification is a verify callback around X509_check_host, which
// does not match IP SANs; OpenSSL's built-in checks cover both and run inside the handshake.)
//
// Cold: construct at start-up (throws std::runtime_error with OpenSSL's reason on failure);
// afterwards the context is read-only and may be shared by sessions on one thread.

#include <cstdint>
#include <string>

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;

namespace tickpath::net {

enum class TlsVersion : std::uint8_t { Tls12, Tls13 };

struct TlsConfig {
  // Trust the system's default CA store (OpenSSL's default verify paths).
  bool use_system_trust{true};
  // Extra trust anchors (PEM file with one or more certificates); empty: none.
  std::string ca_file;
  // Highest protocol version offered (the lowest is always TLS 1.2). Allocation note, measured
  // by tests/net/steady_state_test.cpp: OpenSSL 3.0's record layer mallocs small WPACKET blocks
  // -- two per record written with either version, and with TLS 1.3 also one per record read
  // (tls13_enc builds the AAD with a WPACKET). Tls12 therefore makes the *receive* path
  // allocation-free, at the cost of TLS 1.3's shorter handshake (TLS 1.2 with OpenSSL's default
  // ECDHE-AEAD suites is still forward secret). Default Tls13: the mallocs are ~40 bytes from
  // glibc's per-thread cache and freed at once; measure before trading protocol versions.
  TlsVersion max_version{TlsVersion::Tls13};
};

class TlsContext {
 public:
  explicit TlsContext(const TlsConfig& config);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A new SSL object in client mode for host (DNS name or IP literal): SNI, host/IP verification.
  // The caller owns the result (SSL_free). Throws std::runtime_error on failure. Cold.
  [[nodiscard]] SSL* new_client_session(const std::string& host) const;

  [[nodiscard]] SSL_CTX* native_handle() const noexcept { return ctx_; }

 private:
  SSL_CTX* ctx_{nullptr};
};

// OpenSSL's error queue as text ("error:...:certificate verify failed"), emptied. Cold.
[[nodiscard]] std::string openssl_error_string();

}  // namespace tickpath::net
