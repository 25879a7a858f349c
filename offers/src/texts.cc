#include "offers/texts.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "common/text.h"

namespace vitrine {
namespace {

constexpr const char* kNbsp = "\u00A0";

bool French(Locale locale) { return locale == Locale::kFrench; }

std::string EnglishOrdinal(int n) {
  const int last_two = n % 100;
  const char* suffix = "th";
  if (last_two < 11 || last_two > 13) {
    switch (n % 10) {
      case 1:
        suffix = "st";
        break;
      case 2:
        suffix = "nd";
        break;
      case 3:
        suffix = "rd";
        break;
      default:
        break;
    }
  }
  return std::to_string(n) + suffix;
}

// "2ème" / "2nd".
std::string Ordinal(int n, Locale locale) {
  return French(locale) ? std::to_string(n) + "ème" : EnglishOrdinal(n);
}

// A badge price drops ",00" on whole amounts ("3 pour 5 €", FORMATS.md §4).
std::string BadgePrice(Money amount, Locale locale) {
  const int digits = amount.currency().minor_digits();
  int64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  if (amount.minor_units() % scale != 0) return DisplayPrice(amount, locale);
  const std::string whole = std::to_string(amount.minor_units() / scale);
  const std::string symbol(amount.currency().symbol());
  const bool has_sign = symbol != amount.currency().code();
  if (French(locale) || !has_sign) return whole + kNbsp + symbol;
  return symbol + whole;
}

std::string PercentText(int percent, Locale locale) {
  // In a sentence, French typography puts a no-break space before "%".
  return std::to_string(percent) + (French(locale) ? "\u00A0%" : "%");
}

std::string InsteadOf(const OfferPrice& price, Money before, Locale locale) {
  return DisplayPrice(price.shelf_price, locale) +
         (French(locale) ? " au lieu de " : " instead of ") + DisplayPrice(before, locale);
}

std::string PerUnit(const OfferPrice& price, Locale locale) {
  return French(locale) ? "soit " + DisplayPrice(price.immediate_unit_price, locale) + " l'unité"
                        : "that's " + DisplayPrice(price.immediate_unit_price, locale) + " each";
}

std::string DayMonth(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u/%02u", static_cast<unsigned>(d.day()),
                static_cast<unsigned>(d.month()));
  return buf;
}

std::string DayMonthYear(std::chrono::year_month_day d) {
  return DayMonth(d) + "/" + std::to_string(static_cast<int>(d.year()));
}

}  // namespace

std::string DisplayPrice(Money amount, Locale locale) {
  if (French(locale)) return amount.ToFrenchDisplay();
  std::string feed = amount.ToFeedString();  // "2.49 EUR"
  const std::string number = feed.substr(0, feed.find(' '));
  const std::string symbol(amount.currency().symbol());
  if (symbol == amount.currency().code()) return number + " " + symbol;
  if (!number.empty() && number[0] == '-') return "-" + symbol + number.substr(1);
  return symbol + number;
}

OfferTexts Texts(const Mechanic& mechanic, const OfferPrice& price, Locale locale,
                 std::optional<Money> reference_price) {
  const bool fr = French(locale);
  OfferTexts texts;
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, PercentOff>) {
          texts.badge = "-" + std::to_string(m.percent) + "%";
        } else if constexpr (std::is_same_v<T, AmountOff>) {
          // Unlike bundle badges, an amount off keeps its cents: "-1,00 €".
          texts.badge = "-" + DisplayPrice(m.amount, locale);
        } else if constexpr (std::is_same_v<T, FixedPrice>) {
          texts.badge = fr ? "Prix choc" : "Special price";
        } else if constexpr (std::is_same_v<T, NthItemPercentOff>) {
          const std::string nth = Ordinal(m.n, locale);
          if (m.percent == 100) {
            // "offert", never "gratuit", on food (FORMATS.md §4).
            texts.badge = fr ? nth + " offert" : nth + " free";
            texts.legal = fr ? "Le " + nth + " produit identique acheté est offert"
                             : "The " + nth + " identical item bought is free";
          } else {
            // French typography never ends a line on the one-letter "à": "2ème / à -50%".
            texts.badge = fr ? nth + " à" + kNbsp + "-" + std::to_string(m.percent) + "%"
                             : nth + " at -" + std::to_string(m.percent) + "%";
            texts.legal =
                fr ? "Remise de " + PercentText(m.percent, locale) + " sur le " + nth +
                         " produit identique acheté"
                   : PercentText(m.percent, locale) + " off the " + nth + " identical item bought";
          }
          texts.headline = PerUnit(price, locale);
        } else if constexpr (std::is_same_v<T, Multibuy>) {
          const int free = m.buy - m.pay;
          // Bound by no-break spaces: a badge wrapped as "3 pour" over a lone "2" misreads.
          texts.badge =
              std::to_string(m.buy) + kNbsp + (fr ? "pour" : "for") + kNbsp + std::to_string(m.pay);
          texts.headline = PerUnit(price, locale);
          texts.legal = fr ? "Pour " + std::to_string(m.buy) + " produits identiques achetés, " +
                                 std::to_string(free) + (free > 1 ? " offerts" : " offert")
                           : "Buy " + std::to_string(m.buy) + " identical items, get " +
                                 std::to_string(free) + " free";
        } else if constexpr (std::is_same_v<T, BundlePrice>) {
          texts.badge = std::to_string(m.quantity) + kNbsp + (fr ? "pour" : "for") + kNbsp +
                        BadgePrice(m.price, locale);
          texts.headline = PerUnit(price, locale);
          texts.legal =
              fr ? "Prix pour " + std::to_string(m.quantity) +
                       " produits identiques achetés ensemble"
                 : "Price for " + std::to_string(m.quantity) + " identical items bought together";
        } else {
          static_assert(std::is_same_v<T, LoyaltyCredit>);
          texts.badge = std::to_string(m.percent) + (fr ? "% sur la carte" : "% on your card");
          texts.headline =
              fr ? "soit " + DisplayPrice(price.loyalty_credit, locale) + " crédités"
                 : "that's " + DisplayPrice(price.loyalty_credit, locale) + " credited";
          texts.legal = fr ? "Montant crédité sur la carte de fidélité, à valoir sur un prochain "
                             "achat"
                           : "Credited to your loyalty card, to spend on a later purchase";
        }
      },
      mechanic);
  if (AnnouncesPriceCut(mechanic)) {
    // The price a reduction is announced against is the reference price when there is one
    // (C-330/23), so the "instead of" never shows a price the law would not accept.
    texts.headline = InsteadOf(price, reference_price.value_or(price.regular_unit_price), locale);
    if (reference_price) texts.legal = ReferencePriceLine(*reference_price, locale);
  }
  return texts;
}

std::string JoinLegal(std::string_view first, std::string_view second) {
  if (first.empty()) return std::string(second);
  if (second.empty()) return std::string(first);
  std::string out(first);
  const bool closed =
      out.ends_with('.') || out.ends_with('!') || out.ends_with('?') || out.ends_with("\u2026");
  out += closed ? " " : ". ";
  out += second;
  return out;
}

OfferTexts ApplyOverrides(OfferTexts texts, const Promotion& promotion) {
  if (promotion.badge_override) texts.badge = *promotion.badge_override;
  if (promotion.legal_override) texts.legal = *promotion.legal_override;
  return texts;
}

std::string UnitPriceLabel(Money unit_price, const Quantity& base, Locale locale) {
  std::string per;
  const bool one_unit =
      base.pack_count() == 1 && base.per_item_milli_base() == MilliBasePerUnit(base.unit());
  if (one_unit) {
    if (base.unit() == Unit::kPiece) {
      per = French(locale) ? "pièce" : "piece";
    } else {
      per = std::string(UnitSymbol(base.unit()));
    }
  } else {
    per = base.ToDisplayString();
  }
  return DisplayPrice(unit_price, locale) + "/" + per;
}

std::string ReferencePriceLine(Money reference_price, Locale locale) {
  return French(locale) ? "Prix de référence : " + DisplayPrice(reference_price, locale)
                        : "Reference price: " + DisplayPrice(reference_price, locale);
}

std::string ValidityLine(LocalTime start_local, LocalTime end_local, Locale locale) {
  using std::chrono::days;
  using std::chrono::floor;
  using std::chrono::seconds;
  using std::chrono::year_month_day;
  const year_month_day first{floor<days>(start_local)};
  // The end is exclusive: the last day shown is the one holding its last second.
  const year_month_day last{floor<days>(end_local - seconds(1))};
  const std::string from = first.year() == last.year() ? DayMonth(first) : DayMonthYear(first);
  const std::string to = DayMonthYear(last);
  return French(locale)
             ? "Offre valable du " + from + " au " + to + " dans les magasins participants"
             : "Offer valid from " + from + " to " + to + " in participating stores";
}

Locale LocaleFromAcceptLanguage(std::optional<std::string_view> header) {
  if (!header) return Locale::kFrench;
  std::optional<Locale> best;
  double best_q = 0.0;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t semicolon = item.find(';');
    const std::string range = ToLowerAscii(TrimAscii(item.substr(0, semicolon)));
    double q = 1.0;
    if (semicolon != std::string_view::npos) {
      std::string_view params = TrimAscii(item.substr(semicolon + 1));
      if (params.starts_with("q=") || params.starts_with("Q=")) {
        const std::string value(params.substr(2));
        char* end = nullptr;
        q = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || q < 0.0 || q > 1.0) q = 0.0;
      }
    }
    std::optional<Locale> locale;
    if (range == "fr" || range.starts_with("fr-") || range == "*") locale = Locale::kFrench;
    if (range == "en" || range.starts_with("en-")) locale = Locale::kEnglish;
    if (locale && q > best_q) {
      best = locale;
      best_q = q;
    }
  }
  return best.value_or(Locale::kFrench);
}

std::string_view LocaleTag(Locale locale) { return French(locale) ? "fr" : "en"; }

std::string MechanicLabel(const Mechanic& mechanic, Locale locale) {
  const bool fr = French(locale);
  // U+2212, the minus sign of typeset text, in messages for people.
  const std::string minus = "\u2212";
  return std::visit(
      [&](const auto& m) -> std::string {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, PercentOff>) {
          return minus + PercentText(m.percent, locale);
        } else if constexpr (std::is_same_v<T, AmountOff>) {
          return minus + DisplayPrice(m.amount, locale);
        } else if constexpr (std::is_same_v<T, FixedPrice>) {
          return (fr ? "prix fixe " : "fixed price ") + DisplayPrice(m.price, locale);
        } else if constexpr (std::is_same_v<T, NthItemPercentOff>) {
          const std::string nth = Ordinal(m.n, locale);
          if (m.percent == 100) return nth + (fr ? " offert" : " free");
          return nth + (fr ? " à " : " at ") + minus + PercentText(m.percent, locale);
        } else if constexpr (std::is_same_v<T, Multibuy>) {
          return std::to_string(m.buy) + (fr ? " pour " : " for ") + std::to_string(m.pay);
        } else if constexpr (std::is_same_v<T, BundlePrice>) {
          return std::to_string(m.quantity) + (fr ? " pour " : " for ") +
                 DisplayPrice(m.price, locale);
        } else {
          static_assert(std::is_same_v<T, LoyaltyCredit>);
          return PercentText(m.percent, locale) + (fr ? " sur la carte" : " on the loyalty card");
        }
      },
      mechanic);
}

std::string PromotionLabel(const Promotion& promotion, Locale locale) {
  if (promotion.name && !promotion.name->empty()) return *promotion.name;
  const bool fr = French(locale);
  std::string label = MechanicLabel(promotion.mechanic, locale);
  const ProductSelector& selector = promotion.selector;
  switch (selector.kind) {
    case ProductSelector::Kind::kBrand:
      return label + (fr ? " sur la marque " : " on brand ") +
             std::string(TrimAscii(selector.brand));
    case ProductSelector::Kind::kCategory:
      return label + (fr ? " sur le rayon " : " on category ") +
             std::string(TrimAscii(selector.category));
    case ProductSelector::Kind::kProducts: {
      const size_t n = selector.product_ids.size();
      return label + (fr ? " sur " : " on ") + std::to_string(n) +
             (fr ? (n > 1 ? " produits" : " produit") : (n > 1 ? " products" : " product"));
    }
  }
  return label;
}

std::string DayMonthLabel(LocalTime local) {
  using std::chrono::days;
  using std::chrono::floor;
  const auto day = floor<days>(local);
  std::string out = DayMonth(std::chrono::year_month_day{day});
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(local - day).count();
  if (minutes != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, " %02d:%02d", static_cast<int>(minutes / 60),
                  static_cast<int>(minutes % 60));
    out += buf;
  }
  return out;
}

}  // namespace vitrine
