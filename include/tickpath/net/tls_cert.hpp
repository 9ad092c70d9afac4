#pragma once
// Self-signed certificates for loopback TLS: the tests' websocket server today, the exchange
// simulator (`tickpath-sim`) later. Cold path; allocates; throws std::runtime_error with
// OpenSSL's reason on failure.
//
// The certificate is its own CA (basicConstraints CA:TRUE, keyUsage keyCertSign + digitalSignature,
// extendedKeyUsage serverAuth), so a client trusts it by loading the same PEM as its CA file
// (TlsConfig::ca_file). Key: EC P-256; signature: ECDSA with SHA-256. OpenSSL 3 API only.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace tickpath::net {

struct SelfSignedOptions {
  std::string common_name{"tickpath-sim"};
  std::vector<std::string> dns_names{"localhost"};     // subjectAltName DNS: entries
  std::vector<std::string> ip_addresses{"127.0.0.1"};  // subjectAltName IP: entries (v4 or v6)
  int valid_days{30};
};

struct PemCertificate {
  std::string certificate_pem;  // "-----BEGIN CERTIFICATE-----..."
  std::string private_key_pem;  // PKCS#8 "-----BEGIN PRIVATE KEY-----..."
};

[[nodiscard]] PemCertificate generate_self_signed(const SelfSignedOptions& options = {});

// Writes pem to path (created or truncated, mode 0644). Use it for the CA file a client loads.
void write_pem_file(const std::filesystem::path& path, std::string_view pem);

}  // namespace tickpath::net
