#include "bench/scenario.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/csv_writer.h"
#include "common/gtin.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;

// Every value is a pure function of (seed, entity, salt), not the next draw of a shared
// generator, so a value does not change when another file's layout does.
uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t Hash(uint64_t seed, uint64_t salt, uint64_t a, uint64_t b = 0) {
  return Mix64(Mix64(Mix64(seed ^ salt) ^ a) ^ b);
}

int64_t Pick(uint64_t h, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(h % static_cast<uint64_t>(hi - lo + 1));
}

int64_t ShelfPrice(int64_t cents) {
  cents = cents < 19 ? 19 : cents;
  return cents / 10 * 10 + 9;
}

enum Salt : uint64_t {
  kProductSalt = 1,
  kStoreSalt,
  kPriceSalt,
  kZoneSalt,
  kStockSalt,
  kPromotedSalt,
};

struct Range {
  std::string_view path;
  std::string_view google_category;  // Google product taxonomy id
  std::string_view nouns[4];
  std::string_view sizes[3];
  std::string_view brands[3];
  int min_cents;
  int max_cents;
  bool perishable;
};

// A grocery range broad enough that unit prices, perishables and every package size occur.
constexpr Range kRanges[] = {
    {"Épicerie sucrée > Chocolat",
     "4748",
     {"Chocolat noir", "Chocolat au lait", "Tablette praliné", "Chocolat blanc"},
     {"100 g", "200 g", "3 x 100 g"},
     {"Milka", "Côte d'Or", "Lindt"},
     129,
     599,
     false},
    {"Épicerie sucrée > Biscuits et gâteaux",
     "2229",
     {"Biscuits sablés", "Cookies", "Madeleines", "Galettes bretonnes"},
     {"150 g", "200 g", "300 g"},
     {"LU", "Bonne Maman", "St Michel"},
     99,
     349,
     false},
    {"Crèmerie > Fromages",
     "429",
     {"Camembert", "Emmental râpé", "Comté", "Chèvre frais"},
     {"150 g", "200 g", "250 g"},
     {"Président", "Société", "Entremont"},
     159,
     499,
     true},
    {"Crèmerie > Yaourts et desserts",
     "1954",
     {"Yaourt nature", "Yaourt aux fruits", "Crème dessert", "Fromage blanc"},
     {"4 x 125 g", "8 x 125 g", "500 g"},
     {"Danone", "Yoplait", "Activia"},
     139,
     449,
     true},
    {"Crèmerie > Lait",
     "418",
     {"Lait demi-écrémé", "Lait entier", "Lait bio", "Lait sans lactose"},
     {"1 l", "6 x 1 l", "50 cl"},
     {"Lactel", "Candia", "Bridel"},
     69,
     899,
     false},
    {"Boucherie-Charcuterie > Jambon et charcuterie",
     "5804",
     {"Jambon blanc", "Jambon sec", "Saucisson", "Lardons fumés"},
     {"100 g", "160 g", "200 g"},
     {"Herta", "Fleury Michon", "Justin Bridou"},
     149,
     449,
     true},
    {"Épicerie salée > Pâtes",
     "434",
     {"Spaghetti", "Penne rigate", "Coquillettes", "Fusilli"},
     {"500 g", "1 kg", "500 g"},
     {"Barilla", "Panzani", "Lustucru"},
     89,
     399,
     false},
    {"Épicerie salée > Riz et céréales",
     "4682",
     {"Riz basmati", "Riz long grain", "Quinoa", "Couscous moyen"},
     {"500 g", "1 kg", "1 kg"},
     {"Taureau Ailé", "Tipiak", "Sabarot"},
     119,
     449,
     false},
    {"Boissons chaudes > Café",
     "1868",
     {"Café moulu", "Café en grains", "Capsules espresso", "Café soluble"},
     {"250 g", "500 g", "1 kg"},
     {"Carte Noire", "Lavazza", "Malongo"},
     229,
     1599,
     false},
    {"Boissons > Jus de fruits",
     "2887",
     {"Pur jus d'orange", "Jus de pomme", "Nectar de mangue", "Jus multifruit"},
     {"1 l", "1,5 l", "6 x 20 cl"},
     {"Tropicana", "Joker", "Innocent"},
     149,
     399,
     false},
    {"Boissons > Eaux",
     "420",
     {"Eau minérale", "Eau de source", "Eau gazeuse", "Eau aromatisée"},
     {"1,5 l", "6 x 1,5 l", "50 cl"},
     {"Evian", "Cristaline", "Volvic"},
     35,
     449,
     false},
    {"Boissons > Bières",
     "414",
     {"Bière blonde", "Bière blanche", "Bière ambrée", "IPA"},
     {"33 cl", "6 x 25 cl", "12 x 25 cl"},
     {"Kronenbourg", "Leffe", "Pelforth"},
     99,
     1199,
     false},
    {"Cave > Vins",
     "421",
     {"Bordeaux rouge", "Côtes du Rhône", "Rosé de Provence", "Chablis"},
     {"75 cl", "75 cl", "75 cl"},
     {"Mouton Cadet", "Listel", "Cellier des Dauphins"},
     399,
     1499,
     false},
    {"Épicerie salée > Huiles et vinaigres",
     "2126",
     {"Huile d'olive vierge extra", "Huile de tournesol", "Vinaigre balsamique", "Huile de colza"},
     {"50 cl", "75 cl", "1 l"},
     {"Lesieur", "Puget", "Maille"},
     199,
     899,
     false},
    {"Petit-déjeuner > Céréales",
     "4689",
     {"Muesli croustillant", "Pétales de maïs", "Flocons d'avoine", "Granola"},
     {"375 g", "500 g", "750 g"},
     {"Kellogg's", "Jordans", "Bjorg"},
     199,
     599,
     false},
    {"Boulangerie > Pains et viennoiseries",
     "424",
     {"Pain de mie", "Brioche tranchée", "Pain complet", "Croissants"},
     {"250 g", "400 g", "500 g"},
     {"Harry's", "Jacquet", "Pasquier"},
     89,
     279,
     true},
};

constexpr std::string_view kQualifiers[] = {
    "classique",   "bio",           "extra",    "tradition",         "intense",
    "doux",        "au naturel",    "familial", "recette originale", "sans sucres ajoutés",
    "label rouge", "de nos régions"};

// The retailer's own labels, on a fifth of the range as in French supermarkets.
constexpr std::string_view kHouseBrands[] = {"Vitrine", "Vitrine Bio", "Vitrine Sélection"};

constexpr std::string_view kCities[] = {
    "Paris",     "Marseille",       "Lyon",       "Toulouse",      "Nice",
    "Nantes",    "Montpellier",     "Strasbourg", "Bordeaux",      "Lille",
    "Rennes",    "Reims",           "Toulon",     "Saint-Étienne", "Le Havre",
    "Grenoble",  "Dijon",           "Angers",     "Nîmes",         "Clermont-Ferrand",
    "Le Mans",   "Aix-en-Provence", "Brest",      "Tours",         "Amiens",
    "Limoges",   "Annecy",          "Perpignan",  "Metz",          "Besançon",
    "Orléans",   "Rouen",           "Mulhouse",   "Caen",          "Nancy",
    "Argenteuil"};

constexpr std::string_view kStreets[] = {"rue de la République",  "avenue Jean Jaurès",
                                         "boulevard Victor Hugo", "rue Nationale",
                                         "avenue de la Gare",     "route de Paris"};

std::string Padded(char prefix, int64_t n, int width) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%c%0*lld", prefix, width, static_cast<long long>(n));
  return buf;
}

std::string ProductId(int64_t i) { return Padded('B', i + 1, 8); }
std::string StoreId(int64_t s) { return Padded('S', s + 1, 6); }
std::string ZoneId(int64_t z) { return Padded('Z', z + 1, 2); }

const Range& RangeOf(uint64_t h) { return kRanges[h % std::size(kRanges)]; }

std::string UnitPricingBase(std::string_view size) {
  return size.ends_with(" g") || size.ends_with("kg") ? "1 kg" : "1 l";
}

Status WriteProducts(const fs::path& path, const ScenarioOptions& o) {
  Result<CsvWriter> writer = CsvWriter::Create(path);
  if (!writer.ok()) return writer.status();
  CsvWriter& w = *writer;
  w.Row({"id", "gtin", "title", "brand", "description", "category", "google_category",
         "net_quantity", "unit_pricing_base", "image_url", "perishable", "attributes"});
  char gtin[16];
  std::string title;
  for (int64_t i = 0; i < o.products; ++i) {
    const uint64_t h = Hash(o.seed, kProductSalt, static_cast<uint64_t>(i));
    const Range& range = RangeOf(h);
    // GTIN-13 in the French GS1 range (37...), unique per product index.
    std::snprintf(gtin, sizeof gtin, "37%010lld", static_cast<long long>(i));
    gtin[12] = static_cast<char>('0' + Gtin::CheckDigit(std::string_view(gtin, 12)));
    gtin[13] = '\0';
    const std::string_view size = range.sizes[(h >> 8) % 3];
    title.assign(range.nouns[(h >> 12) % 4]);
    title += ' ';
    title += kQualifiers[(h >> 16) % std::size(kQualifiers)];
    const std::string id = ProductId(i);
    w.Field(id);
    w.Field(gtin);
    w.Field(title);
    w.Field((h >> 24) % 5 == 0 ? kHouseBrands[(h >> 28) % std::size(kHouseBrands)]
                               : range.brands[(h >> 28) % 3]);
    w.Field(title + ", " + std::string(size) + ". Référence de banc d'essai " + id + ".");
    w.Field(range.path);
    w.Field(range.google_category);
    w.Field(size);
    w.Field(UnitPricingBase(size));
    w.Field("https://images.example.com/products/" + id + ".jpg");
    w.Field(range.perishable ? "true" : "false");
    w.Field("{}");
    w.EndRow();
  }
  return w.Close();
}

Status WriteStores(const fs::path& path, const ScenarioOptions& o) {
  Result<CsvWriter> writer = CsvWriter::Create(path);
  if (!writer.ok()) return writer.status();
  CsvWriter& w = *writer;
  w.Row({"id", "name", "banner", "address", "postal_code", "city", "country", "lat", "lon",
         "timezone", "price_zone", "services"});
  char postal[8];
  for (int64_t s = 0; s < o.stores; ++s) {
    const uint64_t h = Hash(o.seed, kStoreSalt, static_cast<uint64_t>(s));
    const int format = static_cast<int>(h % 10);  // 2 in 10 hypers, 5 markets, 3 city stores
    const std::string_view banner = format < 2 ? "Hyper" : format < 7 ? "Market" : "City";
    const std::string_view services = format < 2   ? "click_and_collect|delivery|drive"
                                      : format < 7 ? "click_and_collect|delivery"
                                                   : "click_and_collect";
    const std::string id = StoreId(s);
    std::snprintf(postal, sizeof postal, "%05d", static_cast<int>(Pick(h >> 8, 1000, 95999)));
    w.Field(id);
    w.Field("Vitrine " + std::string(banner) + " " + id);
    w.Field(banner);
    w.Field(std::to_string(Pick(h >> 20, 1, 180)) + " " +
            std::string(kStreets[(h >> 28) % std::size(kStreets)]));
    w.Field(postal);
    w.Field(kCities[(h >> 32) % std::size(kCities)]);
    w.Field("FR");
    // Within metropolitan France's bounding box.
    w.FloatField(42.5 + static_cast<double>(Pick(h >> 36, 0, 85000)) / 10000.0, 5);
    w.FloatField(-4.5 + static_cast<double>(Mix64(h) % 120000) / 10000.0, 5);
    w.Field("Europe/Paris");
    // Round-robin, so every zone has stores and zones are equally large.
    w.Field(ZoneId(s % o.zones));
    w.Field(services);
    w.EndRow();
  }
  return w.Close();
}

Result<int64_t> WritePrices(const fs::path& path, const ScenarioOptions& o) {
  constexpr int kHistoryDays = 90;
  const TimeZone& paris = TimeZone::Paris();
  const auto today = std::chrono::floor<std::chrono::days>(paris.ToLocal(o.now));
  std::vector<std::string> midnights(kHistoryDays + 1);
  for (int d = 0; d <= kHistoryDays; ++d) {
    midnights[static_cast<size_t>(d)] =
        paris.FormatRfc3339(paris.FromLocal(LocalTime(today - std::chrono::days(d))));
  }
  std::vector<std::string> zone_ids(static_cast<size_t>(o.zones));
  for (int z = 0; z < o.zones; ++z) zone_ids[static_cast<size_t>(z)] = ZoneId(z);

  Result<CsvWriter> writer = CsvWriter::Create(path);
  if (!writer.ok()) return writer.status();
  CsvWriter& w = *writer;
  w.Row({"product_id", "level", "level_id", "price", "currency", "effective_from"});
  // A quarter of the zones price each product differently from the national price.
  const int zones_per_product = o.zones < 4 ? 1 : o.zones / 4;
  for (int64_t i = 0; i < o.products; ++i) {
    const uint64_t ph = Hash(o.seed, kProductSalt, static_cast<uint64_t>(i));
    const Range& range = RangeOf(ph);
    const uint64_t h = Hash(o.seed, kPriceSalt, static_cast<uint64_t>(i));
    const std::string id = ProductId(i);
    const int64_t launch = ShelfPrice(Pick(h, range.min_cents, range.max_cents));
    auto row = [&](std::string_view level, std::string_view level_id, int64_t cents, int days) {
      w.Field(id);
      w.Field(level);
      w.Field(level_id);
      w.DecimalField(cents, 2);
      w.Field("EUR");
      w.Field(midnights[static_cast<size_t>(days)]);
      w.EndRow();
    };
    row("national", "", launch, kHistoryDays);
    // One product in five changed price since: the reference price has history to read.
    if ((h >> 20) % 5 == 0) {
      const int percent = static_cast<int>(Pick(h >> 24, 2, 8)) * ((h >> 28) % 2 ? 1 : -1);
      row("national", "", ShelfPrice(launch * (100 + percent) / 100),
          static_cast<int>(Pick(h >> 32, 5, 60)));
    }
    const int first_zone = static_cast<int>((h >> 40) % static_cast<uint64_t>(o.zones));
    for (int j = 0; j < zones_per_product; ++j) {
      const int zone = (first_zone + j) % o.zones;
      const uint64_t zh = Hash(o.seed, kZoneSalt, static_cast<uint64_t>(i), zone);
      const int percent = static_cast<int>(Pick(zh, -3, 6));
      row("zone", zone_ids[static_cast<size_t>(zone)], ShelfPrice(launch * (100 + percent) / 100),
          kHistoryDays);
    }
  }
  const int64_t rows = w.rows() - 1;
  VITRINE_RETURN_IF_ERROR(w.Close());
  return rows;
}

Result<int64_t> WriteStock(const fs::path& path, const ScenarioOptions& o) {
  const TimeZone& paris = TimeZone::Paris();
  // Ids and timestamps are formatted once, not once per row: this loop writes a million rows.
  std::vector<std::string> product_ids(static_cast<size_t>(o.products));
  for (int64_t i = 0; i < o.products; ++i) product_ids[static_cast<size_t>(i)] = ProductId(i);

  Result<CsvWriter> writer = CsvWriter::Create(path, size_t{4} << 20);
  if (!writer.ok()) return writer.status();
  CsvWriter& w = *writer;
  w.Row({"product_id", "store_id", "quantity", "measured_at"});
  const int64_t per_store = o.stock_rows / o.stores;
  const int64_t remainder = o.stock_rows % o.stores;
  for (int64_t s = 0; s < o.stores; ++s) {
    const int64_t count = per_store + (s < remainder ? 1 : 0);
    if (count == 0) continue;
    const uint64_t sh = Hash(o.seed, kStoreSalt, static_cast<uint64_t>(s));
    const std::string store_id = StoreId(s);
    const std::string measured =
        paris.FormatRfc3339(o.now - std::chrono::minutes(Pick(sh >> 44, 30, 6 * 60)));
    // `count` distinct products spread evenly over the range from a per-store offset:
    // j * stride < count * stride <= products, so no pair repeats.
    const int64_t stride = o.products / count;
    const int64_t offset = static_cast<int64_t>(sh % static_cast<uint64_t>(o.products));
    for (int64_t j = 0; j < count; ++j) {
      const int64_t p = (offset + j * stride) % o.products;
      const uint64_t h = Hash(o.seed, kStockSalt, static_cast<uint64_t>(p), s);
      const int roll = static_cast<int>(h % 100);
      const int64_t quantity = roll < 4 ? 0 : roll < 12 ? Pick(h >> 8, 1, 4) : Pick(h >> 8, 5, 200);
      w.Field(product_ids[static_cast<size_t>(p)]);
      w.Field(store_id);
      w.IntField(quantity);
      w.Field(measured);
      w.EndRow();
    }
  }
  const int64_t rows = w.rows() - 1;
  VITRINE_RETURN_IF_ERROR(w.Close());
  return rows;
}

Status WritePromoted(const fs::path& path, const ScenarioOptions& o) {
  Result<CsvWriter> writer = CsvWriter::Create(path);
  if (!writer.ok()) return writer.status();
  CsvWriter& w = *writer;
  w.Row({"product_id"});
  if (o.promoted > 0) {
    const int64_t stride = o.products / o.promoted;
    const int64_t offset =
        static_cast<int64_t>(Hash(o.seed, kPromotedSalt, 0) % static_cast<uint64_t>(o.products));
    for (int64_t j = 0; j < o.promoted; ++j) {
      w.Field(ProductId((offset + j * stride) % o.products));
      w.EndRow();
    }
  }
  return w.Close();
}

}  // namespace

Result<ScenarioFiles> WriteScenario(const ScenarioOptions& o) {
  if (o.products < 1 || o.products > 10'000'000) {
    return Status::InvalidArgument("products must be 1 to 10,000,000");
  }
  if (o.stores < 1 || o.stores > 100'000) {
    return Status::InvalidArgument("stores must be 1 to 100,000");
  }
  if (o.zones < 1 || o.zones > o.stores) {
    return Status::InvalidArgument("zones must be 1 to the number of stores");
  }
  if (o.promoted < 0 || o.promoted > o.products) {
    return Status::InvalidArgument("promoted must be 0 to the number of products");
  }
  if (o.stock_rows < 0 || o.stock_rows > static_cast<int64_t>(o.products) * o.stores) {
    return Status::InvalidArgument(
        "stock-rows must be 0 to products × stores (one row per product in a store)");
  }
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return Status::IoError("cannot create " + o.out_dir.string() + ": " + ec.message());

  ScenarioFiles f;
  f.products_csv = o.out_dir / "products.csv";
  f.stores_csv = o.out_dir / "stores.csv";
  f.prices_csv = o.out_dir / "prices.csv";
  f.stock_csv = o.out_dir / "stock.csv";
  f.promoted_csv = o.out_dir / "promoted.csv";

  VITRINE_RETURN_IF_ERROR(WriteProducts(f.products_csv, o));
  f.products = o.products;
  VITRINE_RETURN_IF_ERROR(WriteStores(f.stores_csv, o));
  f.stores = o.stores;
  Result<int64_t> prices = WritePrices(f.prices_csv, o);
  if (!prices.ok()) return prices.status();
  f.price_rows = *prices;
  Result<int64_t> stock = WriteStock(f.stock_csv, o);
  if (!stock.ok()) return stock.status();
  f.stock_rows = *stock;
  VITRINE_RETURN_IF_ERROR(WritePromoted(f.promoted_csv, o));
  f.promoted = o.promoted;
  return f;
}

}  // namespace vitrine
