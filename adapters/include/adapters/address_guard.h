// Address guard: decides whether an outbound connection may go to an address, so that a URL
// given by a user (an image, a webhook, an import source) cannot reach the machine itself,
// the private network or the cloud metadata service (SSRF).
//
// The guard judges the resolved socket address, never the URL text: numeric hosts have too
// many spellings (0x7f000001, 2130706433, 127.1, [::ffff:7f00:1]). IPv6 forms that carry an
// IPv4 address (mapped, compatible, NAT64, 6to4, SIIT) are judged by that IPv4 address.
// Pure functions, thread-safe.
#pragma once

#include <sys/socket.h>

#include <string>
#include <string_view>

namespace vitrine {

// Why an address is or is not reachable from Vitrine. Everything but kPublic is refused.
enum class AddressClass {
  kPublic,
  kUnspecified,  // 0.0.0.0/8, ::  (Linux connects 0.0.0.0 to the local host)
  kLoopback,     // 127.0.0.0/8, ::1
  kPrivate,      // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10
  kLinkLocal,    // 169.254/16 (cloud metadata 169.254.169.254), fe80::/10
  kSharedCgnat,  // 100.64/10, the carrier's side of a NAT
  kMulticast,    // 224/4, ff00::/8
  kBroadcast,    // 255.255.255.255
  kReserved,     // documentation, benchmarking, protocol assignments, 240/4, Teredo...
  kNotIp,        // not AF_INET or AF_INET6
};

std::string_view AddressClassName(AddressClass c);

// Classifies `addr` (AF_INET or AF_INET6; anything else is kNotIp). `addr` may be null.
AddressClass ClassifyAddress(const sockaddr* addr);

// True when `addr` is a public unicast address, the only kind Vitrine connects to.
inline bool IsPublicAddress(const sockaddr* addr) {
  return ClassifyAddress(addr) == AddressClass::kPublic;
}

// The address without its port, for messages: "127.0.0.1", "::ffff:10.0.0.1".
std::string AddressText(const sockaddr* addr);

}  // namespace vitrine
