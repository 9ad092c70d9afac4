#include "tickpath/net/tls_context.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdexcept>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace tickpath::net {
namespace {

[[noreturn]] void throw_openssl(const std::string& what) {
  throw std::runtime_error(what + ": " + openssl_error_string());
}

bool is_ip_literal(const std::string& host) noexcept {
  in6_addr a6{};
  in_addr a4{};
  return ::inet_pton(AF_INET, host.c_str(), &a4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

}  // namespace

std::string openssl_error_string() {
  std::string out;
  char buf[256];
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) {
      out += "; ";
    }
    out += buf;
  }
  return out.empty() ? std::string("no OpenSSL error recorded") : out;
}

TlsContext::TlsContext(const TlsConfig& config) {
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) {
    throw_openssl("SSL_CTX_new");
  }
  try {
    if (SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION) != 1) {
      throw_openssl("SSL_CTX_set_min_proto_version");
    }
    const int max_version = config.max_version == TlsVersion::Tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
    if (SSL_CTX_set_max_proto_version(ctx_, max_version) != 1) {
      throw_openssl("SSL_CTX_set_max_proto_version");
    }
    // Verification is always on; a failure aborts the handshake with
    // "certificate verify failed" and SSL_get_verify_result() says why.
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (config.use_system_trust && SSL_CTX_set_default_verify_paths(ctx_) != 1) {
      throw_openssl("loading the system trust store");
    }
    if (!config.ca_file.empty() &&
        SSL_CTX_load_verify_locations(ctx_, config.ca_file.c_str(), nullptr) != 1) {
      throw_openssl("tls.ca_file '" + config.ca_file + "'");
    }
    // Writes may complete partially and be retried from a different address: the transport
    // stages outgoing bytes in its own buffer (tls_stream.hpp).
    SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // No renegotiation: it is a TLS 1.2 feature with a history of attacks, and venues don't use it.
    SSL_CTX_set_options(ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  } catch (...) {
    SSL_CTX_free(ctx_);
    throw;
  }
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

SSL* TlsContext::new_client_session(const std::string& host) const {
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) {
    throw_openssl("SSL_new");
  }
  bool ok = true;
  if (is_ip_literal(host)) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    // SSL_set_tlsext_host_name() is a macro with a C cast; this is its expansion.
    ok = SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(host.c_str())) == 1 &&
         SSL_set1_host(ssl, host.c_str()) == 1;
  }
  if (!ok) {
    SSL_free(ssl);
    throw_openssl("setting the expected peer name '" + host + "'");
  }
  SSL_set_connect_state(ssl);
  return ssl;
}

}  // namespace tickpath::net
