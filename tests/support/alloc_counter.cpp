// The replacements behind alloc_counter.hpp. They must stay in this one translation unit: the
// static library is linked member by member, and the test's calls to alloc_count_start() & co. are
// what pull the operator new replacements and the OpenSSL hook installer into the executable.

#include "support/alloc_counter.hpp"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>

#include <openssl/crypto.h>

namespace {

// Plain thread_local PODs, constant-initialised: reading them from operator new or from OpenSSL's
// allocator cannot itself allocate or recurse.
thread_local bool t_counting = false;
thread_local std::uint64_t t_news = 0;
thread_local std::uint64_t t_crypto_allocs = 0;
bool g_crypto_hooks = false;
bool g_trace_crypto = false;

void count_new() noexcept {
  if (t_counting) {
    ++t_news;
  }
}

void count_crypto(const char* what, std::size_t n, const char* file, int line) noexcept {
  if (t_counting) {
    ++t_crypto_allocs;
    if (g_trace_crypto) {
      std::fprintf(stderr, "crypto %s %zu at %s:%d\n", what, n, file, line);
    }
  }
}

void* crypto_malloc(std::size_t n, const char* file, int line) {
  count_crypto("alloc", n, file, line);
  return std::malloc(n);
}
void* crypto_realloc(void* p, std::size_t n, const char* file, int line) {
  count_crypto("realloc", n, file, line);
  return std::realloc(p, n);
}
void crypto_free(void* p, const char*, int) {
  std::free(p);
}

// Before any static initialiser that might touch OpenSSL (priority 101 runs first). The environment
// is read here once so that a counted allocation never calls getenv.
__attribute__((constructor(101))) void install_crypto_hooks() {
  g_trace_crypto = std::getenv("TICKPATH_TRACE_CRYPTO_ALLOCS") != nullptr;
  g_crypto_hooks = CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc, crypto_free) == 1;
}

void* aligned_malloc(std::size_t n, std::align_val_t align) noexcept {
  const auto a = static_cast<std::size_t>(align);
  // aligned_alloc wants a size that is a multiple of the alignment (and not zero).
  return std::aligned_alloc(a, (n == 0 ? a : (n + a - 1) / a * a));
}

}  // namespace

namespace tickpath::test {

void alloc_count_start() noexcept {
  t_news = 0;
  t_crypto_allocs = 0;
  t_counting = true;
}

AllocCounts alloc_count_stop() noexcept {
  t_counting = false;
  return alloc_counts();
}

bool alloc_counting() noexcept {
  return t_counting;
}

AllocCounts alloc_counts() noexcept {
  return {t_news, t_crypto_allocs};
}

bool crypto_alloc_hooks_installed() noexcept {
  return g_crypto_hooks;
}

}  // namespace tickpath::test

// --- the global replacements ([new.delete]); every form, so none falls back to libstdc++'s -------

void* operator new(std::size_t n) {
  count_new();
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}
void* operator new[](std::size_t n) {
  return ::operator new(n);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  count_new();
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept {
  return ::operator new(n, tag);
}
void* operator new(std::size_t n, std::align_val_t align) {
  count_new();
  void* p = aligned_malloc(n, align);
  if (p == nullptr) {
    throw std::bad_alloc();
  }
  return p;
}
void* operator new[](std::size_t n, std::align_val_t align) {
  return ::operator new(n, align);
}
void* operator new(std::size_t n, std::align_val_t align, const std::nothrow_t&) noexcept {
  count_new();
  return aligned_malloc(n, align);
}
void* operator new[](std::size_t n, std::align_val_t align, const std::nothrow_t& tag) noexcept {
  return ::operator new(n, align, tag);
}

void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}
