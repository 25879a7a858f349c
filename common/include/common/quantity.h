// Quantity: a product's net quantity ("500 g", "1,5 L", "75cl", "6 x 33 cl") held exactly.
//
// The amount is an integer number of thousandths of the dimension's base unit (milligrams,
// microlitres, thousandths of a piece), so 6 x 33 cl is exactly 1,980,000 µl and no unit
// price is computed from a rounded float. The unit the text used is remembered for
// display and feeds ("75cl" stays "75cl"). Immutable and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

enum class Dimension { kMass, kVolume, kCount };

enum class Unit { kMilligram, kGram, kKilogram, kMillilitre, kCentilitre, kLitre, kPiece };

Dimension DimensionOf(Unit unit);
// Thousandths of the base unit in one `unit`: 1 kg = 1,000,000 (mg).
int64_t MilliBasePerUnit(Unit unit);
// Google Merchant spelling: "mg", "g", "kg", "ml", "cl", "l", "ct".
std::string_view UnitSymbol(Unit unit);

// The largest quantity Parse accepts, per item and in total: 1 t, 1,000 l or 1,000,000
// pieces in base units (g, ml, pieces). No retail product comes near it, and it keeps every
// product of a quantity by a price far inside 64 bits.
inline constexpr int64_t kMaxQuantityBaseUnits = 1'000'000;
// The largest pack count Parse accepts ("10000 x 1 g").
inline constexpr int kMaxPackCount = 10'000;

class Quantity {
 public:
  // Parses "500 g", "500g", "1,5 L", "1.5l", "75cl", "6 x 33 cl", "6x33cl", "4 × 125 g",
  // "12 pièces", "1 kg". Units are case-insensitive; "litre", "gr", "pcs", "ct" and French
  // spellings are accepted. Returns InvalidArgument naming the part it could not read, or
  // the limit (kMaxQuantityBaseUnits, kMaxPackCount) an amount goes over.
  static Result<Quantity> Parse(std::string_view text);
  // `value_milli` thousandths of `unit` per item; unchecked (values beyond 64 bits of
  // thousandths of a base unit saturate), for quantities the code itself writes.
  static Quantity Of(int64_t value_milli, Unit unit, int pack_count = 1);

  Dimension dimension() const { return DimensionOf(unit_); }
  Unit unit() const { return unit_; }
  // Total in thousandths of the base unit (mg, µl, milli-pieces), packs included. Saturates
  // at the int64 limits, which only a quantity built with Of can reach.
  int64_t total_milli_base() const;
  int64_t per_item_milli_base() const { return per_item_milli_base_; }
  int pack_count() const { return pack_count_; }

  // The total in the given unit's terms, e.g. 1.98 for 6 x 33 cl in litres.
  double In(Unit unit) const;

  // "500 g", "1,5 l", "6 x 33 cl": French display. Formatting never overflows, whatever
  // the quantity holds.
  std::string ToDisplayString() const;
  // "500g", "1.5l", "198cl" for Google's unit_pricing_measure: the total, one unit, no space.
  std::string ToFeedString() const;

  // The base a unit price is quoted against: 1 kg for mass, 1 l for volume, 1 piece for
  // counts (French rule: prix au kilo, au litre, à la pièce).
  Quantity UnitPricingBase() const;

  friend bool operator==(const Quantity&, const Quantity&) = default;

 private:
  int64_t per_item_milli_base_ = 0;
  int pack_count_ = 1;
  Unit unit_ = Unit::kGram;
};

}  // namespace vitrine
