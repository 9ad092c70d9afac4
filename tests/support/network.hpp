#pragma once
// Facts about the machine's network set-up that some tests depend on. A minimal Debian root (a
// fresh debootstrap, some containers) may have no /etc/hosts, so "localhost" does not resolve
// there; tests that need the name skip with that reason instead of failing.

#include <netdb.h>
#include <sys/socket.h>

namespace tickpath::test {

inline bool localhost_resolves() {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  const int rc = ::getaddrinfo("localhost", nullptr, &hints, &result);
  if (result != nullptr) {
    ::freeaddrinfo(result);
  }
  return rc == 0;
}

}  // namespace tickpath::test

#define TICKPATH_REQUIRE_LOCALHOST()                                                        \
  do {                                                                                      \
    if (!::tickpath::test::localhost_resolves()) {                                          \
      TICKPATH_SKIP("the name localhost does not resolve on this machine (no /etc/hosts)"); \
    }                                                                                       \
  } while (false)
