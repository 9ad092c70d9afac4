#include "tickpath/net/tls_cert.hpp"

#include <fstream>
#include <memory>
#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tickpath/net/tls_context.hpp"

namespace tickpath::net {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("generate_self_signed: ") + what + ": " + openssl_error_string());
  }
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  // BIO_get_mem_data() is a macro with a C cast; this is its expansion.
  const long len = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

PemCertificate generate_self_signed(const SelfSignedOptions& options) {
  if (options.valid_days <= 0) {
    throw std::invalid_argument("generate_self_signed: valid_days must be positive");
  }
  ERR_clear_error();
  PkeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EVP_EC_gen(P-256)");

  X509Ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");

  // 159-bit random serial (positive, RFC 5280 §4.1.2.2 allows up to 20 octets).
  unsigned char serial_bytes[20];
  check(RAND_bytes(serial_bytes, sizeof(serial_bytes)) == 1, "RAND_bytes");
  serial_bytes[0] &= 0x7f;
  std::unique_ptr<BIGNUM, Deleter<BN_free>> serial_bn(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  check(serial_bn != nullptr, "BN_bin2bn");
  check(BN_to_ASN1_INTEGER(serial_bn.get(), X509_get_serialNumber(cert.get())) != nullptr, "serial");

  // Back-date by an hour so a client with a slightly slow clock accepts it.
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * options.valid_days) != nullptr, "notAfter");

  X509_NAME* name = X509_get_subject_name(cert.get());
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(options.common_name.c_str()), -1,
                                   -1, 0) == 1,
        "subject CN");
  check(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
  check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE");
  add_extension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth");
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  std::string san;
  for (const auto& dns : options.dns_names) {
    san.append(san.empty() ? "" : ",").append("DNS:").append(dns);
  }
  for (const auto& ip : options.ip_addresses) {
    san.append(san.empty() ? "" : ",").append("IP:").append(ip);
  }
  if (!san.empty()) {
    add_extension(cert.get(), &ctx, NID_subject_alt_name, san);
  }
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  PemCertificate out;
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  check(cert_bio != nullptr && PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
  out.certificate_pem = bio_to_string(cert_bio.get());
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  check(key_bio != nullptr &&
            PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  out.private_key_pem = bio_to_string(key_bio.get());
  return out;
}

void write_pem_file(const std::filesystem::path& path, std::string_view pem) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) {
    throw std::runtime_error("write_pem_file: cannot open " + path.string());
  }
  file.write(pem.data(), static_cast<std::streamsize>(pem.size()));
  if (!file) {
    throw std::runtime_error("write_pem_file: cannot write " + path.string());
  }
}

}  // namespace tickpath::net
