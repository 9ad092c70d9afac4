#include "tickpath/net/tls_cert.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <catch2/catch.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tickpath/net/tls_context.hpp"

namespace net = tickpath::net;

namespace {
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
std::unique_ptr<X509, X509Free> parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return std::unique_ptr<X509, X509Free>(x);
}
}  // namespace

TEST_CASE("generates a self-signed P-256 CA certificate with the requested SANs", "[net][tls]") {
  net::SelfSignedOptions opts;
  opts.dns_names = {"localhost", "sim.local"};
  opts.ip_addresses = {"127.0.0.1", "::1"};
  const auto pem = net::generate_self_signed(opts);
  CHECK_THAT(pem.certificate_pem, Catch::StartsWith("-----BEGIN CERTIFICATE-----"));
  CHECK_THAT(pem.private_key_pem, Catch::StartsWith("-----BEGIN PRIVATE KEY-----"));

  const auto cert = parse(pem.certificate_pem);
  REQUIRE(cert);
  CHECK(X509_check_ca(cert.get()) == 1);
  CHECK(X509_check_host(cert.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(cert.get(), "sim.local", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(cert.get(), "other.local", 0, 0, nullptr) == 0);
  CHECK(X509_check_ip_asc(cert.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "::1", 0) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "127.0.0.2", 0) == 0);
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  REQUIRE(key != nullptr);
  CHECK(EVP_PKEY_is_a(key, "EC") == 1);
  CHECK(EVP_PKEY_get_bits(key) == 256);
  // Self-signed: the signature verifies with its own key.
  CHECK(X509_verify(cert.get(), key) == 1);
}

TEST_CASE("two generated certificates are different", "[net][tls]") {
  const auto a = net::generate_self_signed();
  const auto b = net::generate_self_signed();
  CHECK(a.certificate_pem != b.certificate_pem);
  CHECK(a.private_key_pem != b.private_key_pem);
}

TEST_CASE("writes the CA PEM that a TLS client context then loads", "[net][tls]") {
  const auto pem = net::generate_self_signed();
  const auto path = std::filesystem::temp_directory_path() / "tickpath-net-cert-test.pem";
  net::write_pem_file(path, pem.certificate_pem);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == pem.certificate_pem);

  net::TlsConfig config;
  config.use_system_trust = false;
  config.ca_file = path.string();
  CHECK_NOTHROW(net::TlsContext(config));
  std::filesystem::remove(path);
}

TEST_CASE("a TLS context refuses a CA file that is missing or not PEM", "[net][tls]") {
  net::TlsConfig config;
  config.use_system_trust = false;
  config.ca_file = "/nonexistent/tickpath.pem";
  CHECK_THROWS_AS(net::TlsContext(config), std::runtime_error);
  const auto path = std::filesystem::temp_directory_path() / "tickpath-net-not-pem.pem";
  net::write_pem_file(path, "not a certificate");
  config.ca_file = path.string();
  CHECK_THROWS_AS(net::TlsContext(config), std::runtime_error);
  std::filesystem::remove(path);
}

TEST_CASE("rejects a non-positive validity", "[net][tls]") {
  net::SelfSignedOptions opts;
  opts.valid_days = 0;
  CHECK_THROWS_AS(net::generate_self_signed(opts), std::invalid_argument);
}
