// Gtin: a GS1 Global Trade Item Number (GTIN-8, -12, -13 or -14) with a verified check digit.
//
// The digits are kept as given (no padding), so a GTIN round-trips unchanged. Codes that GS1
// reserves for restricted circulation (in-store weighed goods, coupons) are valid GTINs for
// the catalogue but must never be sent to a platform as a product's GTIN: `IsRestricted()`.
// Immutable and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

enum class GtinCirculation {
  kGlobal,   // a manufacturer's code, valid worldwide
  kInStore,  // GS1 prefixes 2, 02, 04 (and GTIN-8 prefixes 0 and 2): variable measure, in-store
  kCoupon,   // GS1 prefixes 98, 99: coupons and refunds
};

class Gtin {
 public:
  // Accepts 8, 12, 13 or 14 ASCII digits (surrounding spaces trimmed) whose last digit is
  // the GS1 mod-10 check digit. The error message says which rule failed and, for a wrong
  // check digit, the digit that was expected.
  static Result<Gtin> Parse(std::string_view text);

  // The GS1 check digit of `body` (all digits but the check digit). `body` must be digits.
  static int CheckDigit(std::string_view body);

  const std::string& digits() const { return digits_; }
  // The 14-digit form, left-padded with zeros (how GS1 compares GTINs of different lengths).
  std::string ToGtin14() const;
  GtinCirculation circulation() const;
  // True for in-store and coupon codes: never emitted as `g:gtin`.
  bool IsRestricted() const { return circulation() != GtinCirculation::kGlobal; }

  friend bool operator==(const Gtin&, const Gtin&) = default;

 private:
  explicit Gtin(std::string digits) : digits_(std::move(digits)) {}
  std::string digits_;
};

}  // namespace vitrine
