#include "adapters/address_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace vitrine {
namespace {

struct Ipv4Range {
  uint32_t network;  // host byte order
  int prefix;
  AddressClass cls;
};

constexpr uint32_t Ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

// IANA special-purpose registry (RFC 6890 and successors), most specific first where
// ranges nest (broadcast before 240/4). 192.88.99/24 is the deprecated 6to4 relay anycast (RFC
// 7526).
constexpr std::array<Ipv4Range, 16> kIpv4Ranges{{
    {Ip4(255, 255, 255, 255), 32, AddressClass::kBroadcast},
    {Ip4(0, 0, 0, 0), 8, AddressClass::kUnspecified},
    {Ip4(10, 0, 0, 0), 8, AddressClass::kPrivate},
    {Ip4(100, 64, 0, 0), 10, AddressClass::kSharedCgnat},
    {Ip4(127, 0, 0, 0), 8, AddressClass::kLoopback},
    {Ip4(169, 254, 0, 0), 16, AddressClass::kLinkLocal},
    {Ip4(172, 16, 0, 0), 12, AddressClass::kPrivate},
    {Ip4(192, 0, 0, 0), 24, AddressClass::kReserved},
    {Ip4(192, 0, 2, 0), 24, AddressClass::kReserved},
    {Ip4(192, 88, 99, 0), 24, AddressClass::kReserved},
    {Ip4(192, 168, 0, 0), 16, AddressClass::kPrivate},
    {Ip4(198, 18, 0, 0), 15, AddressClass::kReserved},
    {Ip4(198, 51, 100, 0), 24, AddressClass::kReserved},
    {Ip4(203, 0, 113, 0), 24, AddressClass::kReserved},
    {Ip4(224, 0, 0, 0), 4, AddressClass::kMulticast},
    {Ip4(240, 0, 0, 0), 4, AddressClass::kReserved},
}};

AddressClass ClassifyIpv4(uint32_t host_order) {
  for (const Ipv4Range& r : kIpv4Ranges) {
    const uint32_t mask = r.prefix == 0 ? 0 : ~uint32_t{0} << (32 - r.prefix);
    if ((host_order & mask) == r.network) return r.cls;
  }
  return AddressClass::kPublic;
}

uint32_t Ipv4At(const uint8_t* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

bool AllZero(const uint8_t* b, int n) {
  for (int i = 0; i < n; ++i) {
    if (b[i] != 0) return false;
  }
  return true;
}

AddressClass ClassifyIpv6(const uint8_t* b) {
  // Forms that carry an IPv4 address in their low 32 bits reach that IPv4 host, so they
  // are judged by it: ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, also covers :: and
  // ::1 below), ::ffff:0:a.b.c.d (SIIT), 64:ff9b::a.b.c.d (NAT64).
  static constexpr uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b};
  if (AllZero(b, 15) && b[15] == 0) return AddressClass::kUnspecified;
  if (AllZero(b, 15) && b[15] == 1) return AddressClass::kLoopback;
  const bool mapped = AllZero(b, 10) && b[10] == 0xff && b[11] == 0xff;
  const bool compatible = AllZero(b, 12);
  const bool siit = AllZero(b, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0;
  const bool nat64 = std::memcmp(b, kNat64, 12) == 0;
  if (mapped || compatible || siit || nat64) return ClassifyIpv4(Ipv4At(b + 12));
  // 6to4 (2002::/16) tunnels to the IPv4 address in bits 16-47.
  if (b[0] == 0x20 && b[1] == 0x02) return ClassifyIpv4(Ipv4At(b + 2));

  if (b[0] == 0xff) return AddressClass::kMulticast;                           // ff00::/8
  if ((b[0] & 0xfe) == 0xfc) return AddressClass::kPrivate;                    // fc00::/7 (ULA)
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return AddressClass::kLinkLocal;  // fe80::/10
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return AddressClass::kPrivate;    // fec0::/10
  // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): the IPv4 position is not fixed, so refuse.
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1) {
    return AddressClass::kReserved;
  }
  if (b[0] == 0x01 && AllZero(b + 1, 7)) return AddressClass::kReserved;  // 100::/64 discard
  if (b[0] == 0x20 && b[1] == 0x01) {
    if (b[2] == 0x0d && b[3] == 0xb8) return AddressClass::kReserved;  // 2001:db8::/32 docs
    // 2001::/23 holds IETF protocol assignments, among them Teredo (2001::/32, whose IPv4
    // is obfuscated), benchmarking (2001:2::/48) and ORCHID (2001:10::/28, 2001:20::/28).
    if (b[2] == 0x00 && (b[3] & 0xfe) == 0x00) return AddressClass::kReserved;
  }
  if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0x00) {
    return AddressClass::kReserved;  // 3fff::/20, documentation (RFC 9637)
  }
  // Only global unicast (2000::/3) is routed on the Internet; the rest is unassigned.
  if ((b[0] & 0xe0) != 0x20) return AddressClass::kReserved;
  return AddressClass::kPublic;
}

}  // namespace

std::string_view AddressClassName(AddressClass c) {
  switch (c) {
    case AddressClass::kPublic:
      return "public";
    case AddressClass::kUnspecified:
      return "unspecified";
    case AddressClass::kLoopback:
      return "loopback";
    case AddressClass::kPrivate:
      return "private";
    case AddressClass::kLinkLocal:
      return "link-local";
    case AddressClass::kSharedCgnat:
      return "shared (CGNAT)";
    case AddressClass::kMulticast:
      return "multicast";
    case AddressClass::kBroadcast:
      return "broadcast";
    case AddressClass::kReserved:
      return "reserved";
    case AddressClass::kNotIp:
      return "not an IP address";
  }
  return "unknown";
}

AddressClass ClassifyAddress(const sockaddr* addr) {
  if (addr == nullptr) return AddressClass::kNotIp;
  if (addr->sa_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof in);  // `addr` need not be aligned for sockaddr_in
    return ClassifyIpv4(ntohl(in.sin_addr.s_addr));
  }
  if (addr->sa_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    return ClassifyIpv6(in6.sin6_addr.s6_addr);
  }
  return AddressClass::kNotIp;
}

std::string AddressText(const sockaddr* addr) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr == nullptr) return "(none)";
  if (addr->sa_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, addr, sizeof in);
    if (inet_ntop(AF_INET, &in.sin_addr, text, sizeof text)) return text;
  } else if (addr->sa_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    if (inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text)) return text;
  }
  return "(address family " + std::to_string(addr->sa_family) + ")";
}

}  // namespace vitrine
