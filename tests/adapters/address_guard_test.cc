// The address guard over literal addresses: no socket is opened.
#include "adapters/address_guard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

namespace vitrine {
namespace {

// Parses an IPv4 or IPv6 literal into a socket address, as the resolver would hand it over.
struct Literal {
  sockaddr_storage storage{};
  explicit Literal(const std::string& text) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (inet_pton(AF_INET, text.c_str(), &in->sin_addr) == 1) {
      in->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, text.c_str(), &in6->sin6_addr) == 1) {
      in6->sin6_family = AF_INET6;
    } else {
      ADD_FAILURE() << "not an address literal: " << text;
    }
  }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

AddressClass Classify(const std::string& text) { return ClassifyAddress(Literal(text).get()); }

struct Case {
  const char* address;
  AddressClass expected;
};

void ExpectAll(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(AddressClassName(Classify(c.address)), AddressClassName(c.expected)) << c.address;
    EXPECT_EQ(IsPublicAddress(Literal(c.address).get()), c.expected == AddressClass::kPublic)
        << c.address;
  }
}

TEST(AddressGuard, PublicUnicastPasses) {
  ExpectAll({
      {"8.8.8.8", AddressClass::kPublic},
      {"1.1.1.1", AddressClass::kPublic},
      {"93.184.216.34", AddressClass::kPublic},
      {"172.15.255.255", AddressClass::kPublic},  // just below 172.16/12
      {"172.32.0.0", AddressClass::kPublic},      // just above it
      {"100.63.255.255", AddressClass::kPublic},  // just below 100.64/10
      {"100.128.0.0", AddressClass::kPublic},     // just above it
      {"169.253.255.255", AddressClass::kPublic},
      {"223.255.255.255", AddressClass::kPublic},  // last before multicast
      {"2606:4700:4700::1111", AddressClass::kPublic},
      {"2a00:1450:4007:80e::200e", AddressClass::kPublic},
      {"64:ff9b::808:808", AddressClass::kPublic},  // NAT64 of 8.8.8.8
      {"::ffff:8.8.8.8", AddressClass::kPublic},    // mapped 8.8.8.8
      {"2002:808:808::1", AddressClass::kPublic},   // 6to4 of 8.8.8.8
  });
}

TEST(AddressGuard, Ipv4SpecialRangesAreRefused) {
  ExpectAll({
      {"0.0.0.0", AddressClass::kUnspecified},
      {"0.1.2.3", AddressClass::kUnspecified},
      {"127.0.0.1", AddressClass::kLoopback},
      {"127.255.255.254", AddressClass::kLoopback},
      {"10.0.0.1", AddressClass::kPrivate},
      {"10.255.255.255", AddressClass::kPrivate},
      {"172.16.0.1", AddressClass::kPrivate},
      {"172.31.255.255", AddressClass::kPrivate},
      {"192.168.1.1", AddressClass::kPrivate},
      {"169.254.169.254", AddressClass::kLinkLocal},  // cloud metadata
      {"169.254.0.1", AddressClass::kLinkLocal},
      {"100.64.0.1", AddressClass::kSharedCgnat},
      {"100.127.255.255", AddressClass::kSharedCgnat},
      {"224.0.0.1", AddressClass::kMulticast},
      {"239.255.255.250", AddressClass::kMulticast},
      {"255.255.255.255", AddressClass::kBroadcast},
      {"240.0.0.1", AddressClass::kReserved},
      {"192.0.0.170", AddressClass::kReserved},
      {"192.0.2.1", AddressClass::kReserved},     // TEST-NET-1
      {"198.51.100.7", AddressClass::kReserved},  // TEST-NET-2
      {"203.0.113.9", AddressClass::kReserved},   // TEST-NET-3
      {"198.18.0.1", AddressClass::kReserved},    // benchmarking
      {"198.19.255.255", AddressClass::kReserved},
      {"192.88.99.1", AddressClass::kReserved},
  });
}

TEST(AddressGuard, Ipv6SpecialRangesAreRefused) {
  ExpectAll({
      {"::", AddressClass::kUnspecified},
      {"::1", AddressClass::kLoopback},
      {"fc00::1", AddressClass::kPrivate},
      {"fd00:ec2::254", AddressClass::kPrivate},  // AWS IMDS over IPv6
      {"fec0::1", AddressClass::kPrivate},
      {"fe80::1", AddressClass::kLinkLocal},
      {"febf::1", AddressClass::kLinkLocal},
      {"ff02::1", AddressClass::kMulticast},
      {"2001:db8::1", AddressClass::kReserved},
      {"3fff::1", AddressClass::kReserved},
      {"100::1", AddressClass::kReserved},
      {"2001::1", AddressClass::kReserved},  // Teredo: its IPv4 is obfuscated
      {"64:ff9b:1::a00:1", AddressClass::kReserved},
      {"4000::1", AddressClass::kReserved},  // outside 2000::/3
  });
}

// An IPv6 form that reaches an IPv4 host is as dangerous as that host.
TEST(AddressGuard, EmbeddedIpv4IsJudgedByTheIpv4) {
  ExpectAll({
      {"::ffff:127.0.0.1", AddressClass::kLoopback},
      {"::ffff:7f00:2", AddressClass::kLoopback},
      {"::ffff:10.0.0.1", AddressClass::kPrivate},
      {"::ffff:169.254.169.254", AddressClass::kLinkLocal},
      {"::ffff:0.0.0.0", AddressClass::kUnspecified},
      {"::127.0.0.1", AddressClass::kLoopback},  // IPv4-compatible
      {"::10.1.2.3", AddressClass::kPrivate},
      {"::ffff:0:127.0.0.1", AddressClass::kLoopback},  // SIIT
      {"64:ff9b::127.0.0.1", AddressClass::kLoopback},  // NAT64
      {"64:ff9b::a9fe:a9fe", AddressClass::kLinkLocal},
      {"64:ff9b::192.168.0.1", AddressClass::kPrivate},
      {"2002:7f00:1::", AddressClass::kLoopback},  // 6to4
      {"2002:a00:1::1", AddressClass::kPrivate},
  });
}

TEST(AddressGuard, NonIpFamiliesAreRefused) {
  sockaddr_storage unix_socket{};
  unix_socket.ss_family = AF_UNIX;
  EXPECT_EQ(ClassifyAddress(reinterpret_cast<const sockaddr*>(&unix_socket)), AddressClass::kNotIp);
  EXPECT_FALSE(IsPublicAddress(nullptr));
}

TEST(AddressGuard, AddressTextNamesTheAddress) {
  EXPECT_EQ(AddressText(Literal("169.254.169.254").get()), "169.254.169.254");
  EXPECT_EQ(AddressText(Literal("::ffff:127.0.0.1").get()), "::ffff:127.0.0.1");
  EXPECT_EQ(AddressText(Literal("fe80::1").get()), "fe80::1");
}

}  // namespace
}  // namespace vitrine
