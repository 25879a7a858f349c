#include "common/gtin.h"

#include <cctype>

namespace vitrine {

int Gtin::CheckDigit(std::string_view body) {
  // Weights alternate 3, 1, 3... starting from the digit next to the check digit.
  int sum = 0;
  bool triple = true;
  for (size_t i = body.size(); i-- > 0;) {
    int d = body[i] - '0';
    sum += triple ? 3 * d : d;
    triple = !triple;
  }
  return (10 - sum % 10) % 10;
}

Result<Gtin> Gtin::Parse(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return Status::InvalidArgument("GTIN is empty");
  for (char ch : text) {
    if (!std::isdigit(static_cast<unsigned char>(ch))) {
      return Status::InvalidArgument("GTIN \"" + std::string(text) + "\" has a non-digit");
    }
  }
  const size_t n = text.size();
  if (n != 8 && n != 12 && n != 13 && n != 14) {
    return Status::InvalidArgument("GTIN \"" + std::string(text) + "\" has " + std::to_string(n) +
                                   " digits; expected 8, 12, 13 or 14");
  }
  const int expected = CheckDigit(text.substr(0, n - 1));
  if (text.back() - '0' != expected) {
    return Status::InvalidArgument("GTIN \"" + std::string(text) + "\" has a wrong check digit " +
                                   "(expected " + std::to_string(expected) + ")");
  }
  return Gtin(std::string(text));
}

std::string Gtin::ToGtin14() const { return std::string(14 - digits_.size(), '0') + digits_; }

GtinCirculation Gtin::circulation() const {
  if (digits_.size() == 8) {
    // GTIN-8 prefixes 0 and 2 are restricted circulation numbers (RCN-8).
    return digits_[0] == '0' || digits_[0] == '2' ? GtinCirculation::kInStore
                                                  : GtinCirculation::kGlobal;
  }
  // Compare on the GTIN-13 body: drop a GTIN-14's packaging indicator, pad a GTIN-12.
  std::string body = ToGtin14().substr(1);
  if (body[0] == '2') return GtinCirculation::kInStore;
  if (body.compare(0, 2, "02") == 0 || body.compare(0, 2, "04") == 0) {
    return GtinCirculation::kInStore;
  }
  if (body.compare(0, 2, "98") == 0 || body.compare(0, 2, "99") == 0) {
    return GtinCirculation::kCoupon;
  }
  return GtinCirculation::kGlobal;
}

}  // namespace vitrine
