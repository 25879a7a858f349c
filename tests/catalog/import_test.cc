#include "catalog/import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "store/memory_database.h"
#include "store/sqlite_database.h"

namespace vitrine {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const Instant kNow = FromUnixSeconds(1795510800);  // 2026-11-24T07:00:00Z

}  // namespace

void PrintTo(const RowError& e, std::ostream* os) {
  *os << "{line " << e.line << ", field \"" << e.field << "\", id \"" << e.id << "\": " << e.reason
      << "}";
}

namespace {

auto ErrorAt(int64_t line, const std::string& field) {
  return AllOf(Field(&RowError::line, line), Field(&RowError::field, field));
}

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/vitrine_import_test_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    options_.clock = &clock_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path WriteFile(const std::string& name, const std::string& content) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    out << content;
    return path;
  }

  ImportReport Run(ImportKind kind, const std::string& content, CatalogRepository* repo = nullptr) {
    std::istringstream in(content);
    auto report = Import(repo ? *repo : catalog_, kind, in, options_);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? std::move(report).value() : ImportReport();
  }

  void SeedStoresAndProducts() {
    const auto stores = Run(ImportKind::kStores,
                            "id,name,lat,lon,price_zone\n"
                            "S1,Paris Bastille,48.853,2.369,Z1\n"
                            "S2,Lyon Part-Dieu,45.760,4.859,Z2\n");
    ASSERT_EQ(stores.inserted, 2);
    const auto products = Run(ImportKind::kProducts, "id,title\nP1,Lait\nP2,Beurre\n");
    ASSERT_EQ(products.inserted, 2);
  }

  Product GetProduct(const std::string& id) {
    auto p = catalog_.GetProduct(id);
    EXPECT_TRUE(p.ok() && p->has_value()) << "product " << id;
    return p.ok() && p->has_value() ? **p : Product();
  }
  bool HasProduct(const std::string& id) {
    auto p = catalog_.GetProduct(id);
    return p.ok() && p->has_value();
  }
  int64_t ProductCount() { return catalog_.Counts()->products; }

  std::filesystem::path dir_;
  ManualClock clock_{kNow};
  ImportOptions options_;
  MemoryDatabase catalog_;
};

// ---- Products, CSV ----------------------------------------------------------------------

TEST_F(ImportTest, ProductsFromCommaCsvLandWithEveryColumn) {
  const auto report = Run(ImportKind::kProducts,
                          "id,gtin,title,brand,description,category,google_category,"
                          "net_quantity,unit_pricing_base,image_url,perishable,attributes\n"
                          "SKU1,3017620422003,Pâte à tartiner,Nutella,\"Noisettes, cacao\","
                          "Épicerie > Sucré,5,400 g,1 kg,https://img.example/n.jpg,non,"
                          "\"{\"\"origin\"\":\"\"Italie\"\"}\"\n");
  EXPECT_TRUE(report.committed);
  EXPECT_EQ(report.format, ImportFormat::kCsv);
  EXPECT_EQ(report.rows_read, 1);
  EXPECT_EQ(report.inserted, 1);
  EXPECT_THAT(report.errors, IsEmpty());
  const Product p = GetProduct("SKU1");
  EXPECT_EQ(p.title, "Pâte à tartiner");
  EXPECT_EQ(p.gtin->digits(), "3017620422003");
  EXPECT_EQ(p.description, "Noisettes, cacao");
  EXPECT_EQ(p.category, "Épicerie > Sucré");
  EXPECT_EQ(p.net_quantity->total_milli_base(), 400'000);  // milligrams
  EXPECT_EQ(p.unit_pricing_base->total_milli_base(), 1'000'000);
  EXPECT_FALSE(p.perishable);
  EXPECT_EQ(p.attributes["origin"], "Italie");
  EXPECT_EQ(p.updated_at, kNow);
}

TEST_F(ImportTest, SemicolonCsvWithBomCrlfAndMultilineFieldsKeepsAccents) {
  const auto report = Run(ImportKind::kProducts,
                          "\xEF\xBB\xBFID;Title;Description;Perishable\r\n"
                          "A1;Crème fraîche épaisse;\"Crème;\r\nlait \"\"entier\"\"\";oui\r\n"
                          "A2;Bière blonde;Orge, houblon;0\r\n");
  EXPECT_EQ(report.inserted, 2);
  EXPECT_THAT(report.errors, IsEmpty());
  const Product a1 = GetProduct("A1");
  EXPECT_EQ(a1.title, "Crème fraîche épaisse");
  EXPECT_EQ(a1.description, "Crème;\r\nlait \"entier\"");
  EXPECT_TRUE(a1.perishable);
  EXPECT_EQ(GetProduct("A2").description, "Orge, houblon");
}

TEST_F(ImportTest, TabSeparatedFilesAreRead) {
  const auto report = Run(ImportKind::kProducts, "id\ttitle\nA1\tThé vert\n");
  EXPECT_EQ(report.inserted, 1);
  EXPECT_EQ(GetProduct("A1").title, "Thé vert");
}

TEST_F(ImportTest, SecondImportCountsUnchangedAndUpdated) {
  Run(ImportKind::kProducts, "id,title\nA1,Lait\nA2,Beurre\n");
  const auto report = Run(ImportKind::kProducts, "id,title\nA1,Lait\nA2,Beurre doux\nA3,Oeufs\n");
  EXPECT_EQ(report.inserted, 1);
  EXPECT_EQ(report.updated, 1);
  EXPECT_EQ(report.unchanged, 1);
  EXPECT_EQ(GetProduct("A2").title, "Beurre doux");
}

TEST_F(ImportTest, WrongCheckDigitIsReportedOnItsLineAndOtherRowsLand) {
  const auto report = Run(ImportKind::kProducts,
                          "id,gtin,title\n"
                          "A1,3017620422003,Nutella\n"
                          "A2,3017620422004,Faux\n"
                          "A3,12345,Trop court\n"
                          "A4,96385074,Huit\n");
  EXPECT_EQ(report.rows_read, 4);
  EXPECT_EQ(report.inserted, 2);
  EXPECT_EQ(report.rejected, 2);
  ASSERT_EQ(report.errors.size(), 2u);
  EXPECT_THAT(report.errors[0], ErrorAt(3, "gtin"));
  EXPECT_EQ(report.errors[0].id, "A2");
  EXPECT_THAT(report.errors[0].reason, HasSubstr("check digit"));
  EXPECT_THAT(report.errors[1], ErrorAt(4, "gtin"));
  EXPECT_TRUE(report.committed);
  EXPECT_TRUE(HasProduct("A4"));
  EXPECT_FALSE(HasProduct("A2"));
}

TEST_F(ImportTest, EveryBadFieldOfARowIsReportedButTheRowCountsOnce) {
  const auto report = Run(ImportKind::kProducts,
                          "id,title,net_quantity,perishable,attributes,image_url\n"
                          "bad id,,5 parsecs,peut-être,[1],ftp://x\n");
  EXPECT_EQ(report.rejected, 1);
  std::set<std::string> fields;
  for (const RowError& e : report.errors) {
    EXPECT_EQ(e.line, 2);
    fields.insert(e.field);
  }
  EXPECT_EQ(fields, (std::set<std::string>{"id", "title", "net_quantity", "perishable",
                                           "attributes", "image_url"}));
}

// A quantity over Quantity's limit is a row error on its line and field; it once parsed
// and then overflowed int64 when the product was formatted for a feed.
TEST_F(ImportTest, HugeNetQuantityIsRejectedOnItsLineAndOtherRowsLand) {
  const auto report = Run(ImportKind::kProducts,
                          "id,title,net_quantity\n"
                          "Q1,Eau,\"6 x 1,5 l\"\n"
                          "Q2,Citerne,\"00176204222,425l x 80\"\n"
                          "Q3,Sucre,1 kg\n");
  EXPECT_EQ(report.rows_read, 3);
  EXPECT_EQ(report.inserted, 2);
  EXPECT_EQ(report.rejected, 1);
  ASSERT_EQ(report.errors.size(), 1u);
  EXPECT_THAT(report.errors[0], ErrorAt(3, "net_quantity"));
  EXPECT_EQ(report.errors[0].id, "Q2");
  EXPECT_THAT(report.errors[0].reason, HasSubstr("limit"));
  EXPECT_TRUE(report.committed);
  EXPECT_FALSE(HasProduct("Q2"));
  EXPECT_EQ(GetProduct("Q1").net_quantity->ToFeedString(), "9l");
  EXPECT_EQ(GetProduct("Q3").net_quantity->ToFeedString(), "1kg");
}

TEST_F(ImportTest, UnknownColumnsWarnAndAreIgnored) {
  const auto report = Run(ImportKind::kProducts, "id,title,colour,\nA1,Lait,blanc,\n");
  EXPECT_EQ(report.inserted, 1);
  ASSERT_EQ(report.warnings.size(), 2u);
  EXPECT_THAT(report.warnings[0], HasSubstr("unknown column \"colour\""));
  EXPECT_THAT(report.warnings[1], HasSubstr("column 4 has no name"));
}

TEST_F(ImportTest, MissingRequiredColumnLandsNothing) {
  const auto report = Run(ImportKind::kProducts, "id,brand\nA1,Lactel\n");
  EXPECT_FALSE(report.committed);
  EXPECT_EQ(report.rows_read, 0);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(1, "")));
  EXPECT_THAT(report.errors[0].reason, HasSubstr("required column \"title\" is missing"));
  EXPECT_EQ(ProductCount(), 0);
}

TEST_F(ImportTest, DuplicateColumnLandsNothing) {
  const auto report = Run(ImportKind::kProducts, "id,title,Title\nA1,Lait,Milk\n");
  EXPECT_FALSE(report.committed);
  EXPECT_THAT(report.errors[0].reason, HasSubstr("appears twice (columns 2 and 3)"));
  EXPECT_EQ(ProductCount(), 0);
}

TEST_F(ImportTest, WrongColumnCountIsRejectedOnItsLine) {
  const auto report = Run(ImportKind::kProducts, "id,title\nA1,Lait,extra\nA2\nA3,Oeufs\n");
  EXPECT_EQ(report.rejected, 2);
  EXPECT_EQ(report.inserted, 1);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(2, ""), ErrorAt(3, "")));
  EXPECT_THAT(report.errors[0].reason, HasSubstr("expected 2 fields as in the header, found 3"));
  EXPECT_EQ(report.errors[0].id, "A1");
}

TEST_F(ImportTest, UnbalancedQuoteIsRejectedAndFollowingRowsLand) {
  const auto report = Run(ImportKind::kProducts, "id,title\nA1,\"Lait\nA2,Beurre\nA3,Oeufs\n");
  EXPECT_EQ(report.rejected, 1);
  EXPECT_EQ(report.inserted, 2);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(2, "title")));
  EXPECT_THAT(report.errors[0].reason, HasSubstr("unbalanced quote"));
}

TEST_F(ImportTest, InvalidUtf8IsRejectedWithItsField) {
  const auto report = Run(ImportKind::kProducts, "id,title\nA1,Caf\xE9\nA2,Café\n");
  EXPECT_EQ(report.rejected, 1);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(2, "title")));
  EXPECT_EQ(report.errors[0].id, "A1");
  EXPECT_THAT(report.errors[0].reason, HasSubstr("invalid UTF-8"));
  EXPECT_EQ(GetProduct("A2").title, "Café");
  // The report is valid JSON even so.
  EXPECT_NO_THROW(report.ToJson().dump());
}

TEST_F(ImportTest, LineOverOneMebibyteIsRejectedAndTheNextLands) {
  std::string content = "id,title\nA1,";
  content.append((size_t{1} << 20) + 1, 'x');
  content += "\nA2,Beurre\n";
  const auto report = Run(ImportKind::kProducts, content);
  EXPECT_EQ(report.rejected, 1);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(2, "")));
  EXPECT_THAT(report.errors[0].reason, HasSubstr("1 MiB"));
  EXPECT_TRUE(HasProduct("A2"));
}

TEST_F(ImportTest, EmptyInputIsAClearErrorAndLandsNothing) {
  for (const std::string content : {"", "\xEF\xBB\xBF", "  \n\n"}) {
    const auto report = Run(ImportKind::kProducts, content);
    EXPECT_FALSE(report.committed);
    ASSERT_EQ(report.errors.size(), 1u);
    EXPECT_THAT(report.errors[0].reason, HasSubstr("empty input"));
  }
}

TEST_F(ImportTest, HeaderOnlyIsAnEmptySuccessfulImport) {
  const auto report = Run(ImportKind::kProducts, "id,title\n");
  EXPECT_TRUE(report.committed);
  EXPECT_EQ(report.rows_read, 0);
  EXPECT_THAT(report.errors, IsEmpty());
}

TEST_F(ImportTest, SameIdTwiceRejectsTheLaterRowNamingTheEarlierLine) {
  const auto report = Run(ImportKind::kProducts, "id,title\nA1,Lait\nA2,Beurre\nA1,Lait entier\n");
  EXPECT_EQ(report.inserted, 2);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(4, "id")));
  EXPECT_THAT(report.errors[0].reason, HasSubstr("duplicate of line 2"));
  EXPECT_EQ(GetProduct("A1").title, "Lait");
}

TEST_F(ImportTest, WithoutIdColumnTheGtinIsTheId) {
  const auto report = Run(ImportKind::kProducts, "gtin,title\n3017620422003,Nutella\n");
  EXPECT_EQ(report.inserted, 1);
  EXPECT_EQ(GetProduct("3017620422003").title, "Nutella");
}

TEST_F(ImportTest, ColumnAliasesFeedDocumentedColumns) {
  options_.column_aliases = {{"Ingrédients", "description"}, {"EAN", "gtin"}};
  const auto report = Run(ImportKind::kProducts, "ean,title,ingrédients\n96385074,Lait,Lait cru\n");
  EXPECT_EQ(report.inserted, 1);
  EXPECT_EQ(GetProduct("96385074").description, "Lait cru");
  options_.column_aliases = {{"x", "no_such_column"}};
  std::istringstream in("id,title\nA1,Lait\n");
  EXPECT_EQ(Import(catalog_, ImportKind::kProducts, in, options_).status().code(),
            StatusCode::kInvalidArgument);
}

// ---- JSON and NDJSON --------------------------------------------------------------------

TEST_F(ImportTest, JsonArrayReportsBadElementsByLineAndLandsTheRest) {
  const auto report = Run(ImportKind::kProducts,
                          "[\n"
                          "  {\"id\": \"A1\", \"title\": \"Crêpes\", \"perishable\": true,\n"
                          "   \"attributes\": {\"label\": \"Bio\"}, \"gtin\": 96385074},\n"
                          "  {\"id\": \"A2\", \"title\": },\n"
                          "  42,\n"
                          "  {\"id\": \"A3\", \"title\": \"Galettes [sarrasin], \\\"bio\\\"\","
                          " \"colour\": \"brun\"},\n"
                          "  {\"id\": \"A4\", \"gtin\": \"1234\", \"title\": \"X\"}\n"
                          "]\n");
  EXPECT_EQ(report.format, ImportFormat::kJson);
  EXPECT_EQ(report.rows_read, 5);
  EXPECT_EQ(report.inserted, 2);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(4, ""), ErrorAt(5, ""), ErrorAt(7, "gtin")));
  EXPECT_THAT(report.errors[0].reason, HasSubstr("invalid JSON"));
  EXPECT_THAT(report.errors[1].reason, HasSubstr("expected a JSON object"));
  EXPECT_THAT(report.warnings, ElementsAre(HasSubstr("unknown field \"colour\"")));
  const Product a1 = GetProduct("A1");
  EXPECT_TRUE(a1.perishable);
  EXPECT_EQ(a1.gtin->digits(), "96385074");
  EXPECT_EQ(a1.attributes["label"], "Bio");
  EXPECT_EQ(GetProduct("A3").title, "Galettes [sarrasin], \"bio\"");
}

TEST_F(ImportTest, TruncatedJsonArrayKeepsTheCompleteElements) {
  const auto report =
      Run(ImportKind::kProducts, "[{\"id\": \"A1\", \"title\": \"Lait\"},\n{\"id\": \"A2\", \"ti");
  EXPECT_EQ(report.inserted, 1);
  EXPECT_EQ(report.rejected, 1);
  EXPECT_THAT(report.errors, Contains(ErrorAt(2, "")));
}

TEST_F(ImportTest, NdjsonReportsBadLinesAndLandsTheRest) {
  const auto report = Run(ImportKind::kProducts,
                          "{\"id\": \"A1\", \"title\": \"Pâtes\"}\n"
                          "\n"
                          "{\"id\": \"A2\", \"title\": \"Riz\"\n"
                          "{\"id\": \"A3\", \"title\": \"Caf\xE9\"}\r\n"
                          "{\"id\": \"A4\", \"title\": \"Thé\"}\r\n");
  EXPECT_EQ(report.format, ImportFormat::kNdjson);
  EXPECT_EQ(report.rows_read, 4);
  EXPECT_EQ(report.inserted, 2);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(3, ""), ErrorAt(4, "")));
  EXPECT_THAT(report.errors[1].reason, HasSubstr("invalid UTF-8"));
  EXPECT_EQ(GetProduct("A4").title, "Thé");
}

TEST_F(ImportTest, ExplicitFormatOverridesDetection) {
  options_.format = ImportFormat::kJson;
  const auto report = Run(ImportKind::kProducts, "id,title\nA1,Lait\n");
  EXPECT_FALSE(report.committed);
  EXPECT_THAT(report.errors[0].reason, HasSubstr("expected a JSON array"));
}

// ---- Stores ---------------------------------------------------------------------------

TEST_F(ImportTest, StoresFromCsvAndJson) {
  auto report = Run(ImportKind::kStores,
                    "id;name;lat;lon;price_zone;services;country;timezone\n"
                    "S1;Rennes Centre;48,1113;-1,6800;Z-OUEST;click_and_collect | drive;fr;\n"
                    "S2;Nulle part;91;0;Z1;;FR;\n"
                    "S3;Sans zone;45;5;;;;\n");
  EXPECT_EQ(report.inserted, 1);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(3, "lat"), ErrorAt(4, "price_zone")));
  const Store s1 = **catalog_.GetStore("S1");
  EXPECT_DOUBLE_EQ(s1.lat, 48.1113);
  EXPECT_DOUBLE_EQ(s1.lon, -1.68);
  EXPECT_EQ(s1.country, "FR");
  EXPECT_EQ(s1.timezone, "Europe/Paris");
  EXPECT_THAT(s1.services, ElementsAre("click_and_collect", "drive"));
  report = Run(ImportKind::kStores,
               "[{\"id\": \"S4\", \"name\": \"Fort-de-France\", \"lat\": 14.6, \"lon\": -61.07,"
               " \"price_zone\": \"DOM\", \"timezone\": \"America/Martinique\","
               " \"services\": [\"delivery\"]}]");
  EXPECT_EQ(report.inserted, 1);
  EXPECT_THAT((**catalog_.GetStore("S4")).services, ElementsAre("delivery"));
}

// ---- Prices -----------------------------------------------------------------------------

TEST_F(ImportTest, PricesParseFrenchAndFeedFormsAndRejectBadOnes) {
  SeedStoresAndProducts();
  const auto report = Run(ImportKind::kPrices,
                          "product_id;level;level_id;price;currency;effective_from\n"
                          "P1;;;2,49;;\n"                               // 2
                          "P2;zone;Z1;2.49 EUR;EUR;2026-11-01\n"        // 3
                          "P1;store;S2;1,99 €;;2026-11-02T08:00:00Z\n"  // 4
                          "P1;national;;-1,00;;2026-10-01\n"            // 5 negative
                          "P1;national;;gratuit;;2026-10-02\n"          // 6 not a number
                          "P9;national;;1,00;;\n"                       // 7 unknown product
                          "P1;zone;Z9;1,00;;\n"                         // 8 unknown zone
                          "P1;store;S9;1,00;;\n"                        // 9 unknown store
                          "P1;regional;;1,00;;\n"                       // 10 bad level
                          "P2;national;;3.00 USD;EUR;\n"                // 11 currency clash
                          "P1;national;;1,00;;demain\n"                 // 12 bad date
                          "P2;zone;Z1;2,59;;2026-11-01\n");             // 13 duplicate of 3
  EXPECT_EQ(report.inserted, 3);
  EXPECT_EQ(report.rejected, 9);
  EXPECT_THAT(
      report.errors,
      ElementsAre(ErrorAt(5, "price"), ErrorAt(6, "price"), ErrorAt(7, "product_id"),
                  ErrorAt(8, "level_id"), ErrorAt(9, "level_id"), ErrorAt(10, "level"),
                  ErrorAt(11, "price"), ErrorAt(12, "effective_from"), ErrorAt(13, "product_id")));
  EXPECT_THAT(report.errors[2].reason, HasSubstr("unknown product \"P9\""));
  EXPECT_THAT(report.errors[8].reason, HasSubstr("duplicate of line 3"));
  const auto history = *catalog_.ListPriceHistory("P1");
  ASSERT_EQ(history.size(), 2u);
  const Price* national = history[0].level == PriceLevel::kNational ? &history[0] : &history[1];
  EXPECT_EQ(national->amount, Money::Euros(249));
  EXPECT_EQ(national->effective_from, kNow);  // no effective_from: the clock's now
  const auto p2 = *catalog_.ListPriceHistory("P2");
  ASSERT_EQ(p2.size(), 1u);
  EXPECT_EQ(p2[0].effective_from, *ParseInstant("2026-11-01"));
}

TEST_F(ImportTest, PricesFromJsonAcceptNumbers) {
  SeedStoresAndProducts();
  const auto report = Run(ImportKind::kPrices,
                          "{\"product_id\": \"P1\", \"price\": 2.49}\n"
                          "{\"product_id\": \"P2\", \"price\": \"1,25\", \"currency\": \"EUR\"}\n");
  EXPECT_EQ(report.inserted, 2);
  EXPECT_EQ((*catalog_.ListPriceHistory("P1"))[0].amount, Money::Euros(249));
}

// ---- Stock ------------------------------------------------------------------------------

// With a hint the references are looked up one by one; an id the hint lacks is unknown, so
// the hint must name every id the input uses (the API collects them from the body).
TEST_F(ImportTest, ReferenceHintChecksOnlyTheNamedIds) {
  SeedStoresAndProducts();
  options_.reference_hint = ReferenceHint{{"P1", "P9"}, {"S1"}};
  const auto report = Run(ImportKind::kStock,
                          "product_id,store_id,quantity\n"
                          "P1,S1,7\n"
                          "P9,S1,4\n"
                          "P2,S1,5\n");
  EXPECT_EQ(report.inserted, 1);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(3, "product_id"), ErrorAt(4, "product_id")));
  EXPECT_EQ((**catalog_.GetStock("P1", "S1")).quantity, 7);
}

TEST_F(ImportTest, StockChecksReferencesAndQuantities) {
  SeedStoresAndProducts();
  const auto report = Run(ImportKind::kStock,
                          "product_id,store_id,quantity,measured_at\n"
                          "P1,S1,12,\n"
                          "P2,S1,-3,2026-11-24T06:00:00Z\n"
                          "P1,S9,4,\n"
                          "P9,S1,4,\n"
                          "P2,S2,douze,\n"
                          "P2,S2,1.5,\n"
                          "P1,S1,13,\n");
  EXPECT_EQ(report.inserted, 2);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(4, "store_id"), ErrorAt(5, "product_id"),
                                         ErrorAt(6, "quantity"), ErrorAt(7, "quantity"),
                                         ErrorAt(7, "product_id"), ErrorAt(8, "product_id")));
  // A rejected row still claims its key: line 7 repeats line 6's product and store.
  EXPECT_THAT(report.errors[4].reason, HasSubstr("duplicate of line 6"));
  EXPECT_EQ(report.errors[0].id, "P1|S9");
  EXPECT_THAT(report.errors[0].reason, HasSubstr("unknown store \"S9\""));
  const auto level = **catalog_.GetStock("P1", "S1");
  EXPECT_EQ(level.quantity, 12);
  EXPECT_EQ(level.measured_at, kNow);
  EXPECT_EQ((**catalog_.GetStock("P2", "S1")).quantity, -3);
}

// ---- Strict mode and batches ----------------------------------------------------------

TEST_F(ImportTest, StrictModeLandsNothingWhenOneRowIsBad) {
  options_.strict = true;
  options_.batch_size = 2;
  const auto report =
      Run(ImportKind::kProducts, "id,title\nA1,Lait\nA2,Beurre\nA3,Oeufs\nA4,\nA5,Sel\n");
  EXPECT_FALSE(report.committed);
  EXPECT_TRUE(report.strict);
  EXPECT_EQ(report.rejected, 1);
  EXPECT_EQ(report.inserted, 0);
  EXPECT_THAT(report.errors, ElementsAre(ErrorAt(5, "title")));
  EXPECT_EQ(ProductCount(), 0);
}

TEST_F(ImportTest, StrictModeLandsEverythingWhenAllRowsAreGood) {
  options_.strict = true;
  options_.batch_size = 2;
  const auto report = Run(ImportKind::kProducts, "id,title\nA1,Lait\nA2,Beurre\nA3,Oeufs\n");
  EXPECT_TRUE(report.committed);
  EXPECT_EQ(report.inserted, 3);
  EXPECT_EQ(ProductCount(), 3);
}

TEST_F(ImportTest, DefaultModeLandsEveryBatchOfValidRows) {
  options_.batch_size = 3;
  std::string content = "id,title\n";
  for (int i = 0; i < 10; ++i)
    content += "A" + std::to_string(i) + ",Produit " + std::to_string(i) + "\n";
  content += "bad id,x\n";
  const auto report = Run(ImportKind::kProducts, content);
  EXPECT_TRUE(report.committed);
  EXPECT_EQ(report.inserted, 10);
  EXPECT_EQ(report.rejected, 1);
  EXPECT_EQ(ProductCount(), 10);
}

// Delegates to another repository but fails the Nth PutProducts after writing half of it inside
// a transaction, as a crash or a full disk would in the middle of a batch (0: never). Records
// the size of every PutProducts call.
class FailingCatalog : public CatalogRepository {
 public:
  FailingCatalog(CatalogRepository& inner, int fail_on_call)
      : inner_(inner), fail_on_(fail_on_call) {}

  Status Transaction(const std::function<Status()>& body) override {
    return inner_.Transaction(body);
  }
  Result<std::vector<WriteOutcome>> PutProducts(std::span<const Product> products,
                                                Instant now) override {
    batch_sizes_.push_back(products.size());
    if (++calls_ != fail_on_) return inner_.PutProducts(products, now);
    Status status = inner_.Transaction([&]() -> Status {
      auto half = inner_.PutProducts(products.first(products.size() / 2), now);
      if (!half.ok()) return half.status();
      return Status::IoError("disk full");
    });
    return status;
  }
  Result<std::optional<Product>> GetProduct(std::string_view id) override {
    return inner_.GetProduct(id);
  }
  Result<bool> DeleteProduct(std::string_view id) override { return inner_.DeleteProduct(id); }
  Result<Page<Product>> ListProducts(const ProductQuery& q) override {
    return inner_.ListProducts(q);
  }
  Result<std::vector<std::string>> ListProductIds() override { return inner_.ListProductIds(); }
  Result<std::vector<WriteOutcome>> PutStores(std::span<const Store> s, Instant now) override {
    return inner_.PutStores(s, now);
  }
  Result<std::optional<Store>> GetStore(std::string_view id) override {
    return inner_.GetStore(id);
  }
  Result<bool> DeleteStore(std::string_view id) override { return inner_.DeleteStore(id); }
  Result<Page<Store>> ListStores(const StoreQuery& q) override { return inner_.ListStores(q); }
  Result<std::vector<Store>> ListAllStores() override { return inner_.ListAllStores(); }
  Result<std::vector<PriceZone>> ListPriceZones() override { return inner_.ListPriceZones(); }
  Result<std::vector<WriteOutcome>> PutPrices(std::span<const Price> p) override {
    return inner_.PutPrices(p);
  }
  Result<std::vector<Price>> ListPriceHistory(std::string_view id) override {
    return inner_.ListPriceHistory(id);
  }
  Result<Page<Price>> ListPrices(const PriceQuery& q) override { return inner_.ListPrices(q); }
  Result<std::vector<WriteOutcome>> PutStock(std::span<const StockLevel> s) override {
    return inner_.PutStock(s);
  }
  Result<std::optional<StockLevel>> GetStock(std::string_view p, std::string_view s) override {
    return inner_.GetStock(p, s);
  }
  Result<std::vector<std::optional<StockLevel>>> GetStockLevels(
      std::span<const std::pair<std::string, std::string>> keys) override {
    return inner_.GetStockLevels(keys);
  }
  Result<Page<StockLevel>> ListStock(const StockQuery& q) override { return inner_.ListStock(q); }
  Result<CatalogCounts> Counts() override { return inner_.Counts(); }

  int calls() const { return calls_; }
  const std::vector<size_t>& batch_sizes() const { return batch_sizes_; }

 private:
  CatalogRepository& inner_;
  const int fail_on_;
  int calls_ = 0;
  std::vector<size_t> batch_sizes_;
};

std::string NumberedProducts(int n) {
  std::string content = "id,title\n";
  for (int i = 1; i <= n; ++i) content += "A" + std::to_string(i) + ",Produit\n";
  return content;
}

TEST_F(ImportTest, FailedBatchLeavesNothingAndEarlierBatchesStay) {
  FailingCatalog failing(catalog_, /*fail_on_call=*/3);
  options_.batch_size = 4;
  std::istringstream in(NumberedProducts(20));
  auto report = Import(failing, ImportKind::kProducts, in, options_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kIoError);
  EXPECT_THAT(report.status().message(), HasSubstr("lines 10-13"));
  EXPECT_THAT(report.status().message(), HasSubstr("8 rows had landed"));
  EXPECT_EQ(ProductCount(), 8);  // batches 1 and 2: A1..A8 (lines 2-9)
  EXPECT_TRUE(HasProduct("A8"));
  EXPECT_FALSE(HasProduct("A9"));  // half of batch 3 was written, then rolled back
  EXPECT_FALSE(HasProduct("A13"));
  EXPECT_EQ(failing.calls(), 3);  // nothing written after the failure
}

// The writer waits for the first batch: a small one gets it started while the reader goes on.
TEST_F(ImportTest, TheFirstBatchHoldsAThousandRowsAtMostAndTheOthersBatchSize) {
  FailingCatalog recording(catalog_, /*fail_on_call=*/0);
  options_.batch_size = 2500;
  std::istringstream in(NumberedProducts(7000));
  auto report = Import(recording, ImportKind::kProducts, in, options_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->inserted, 7000);
  EXPECT_THAT(recording.batch_sizes(), ElementsAre(1000, 2500, 2500, 1000));
  EXPECT_EQ(ProductCount(), 7000);
}

TEST_F(ImportTest, StrictImportWithAFailingStoreLandsNothing) {
  FailingCatalog failing(catalog_, /*fail_on_call=*/3);
  options_.batch_size = 4;
  options_.strict = true;
  std::istringstream in(NumberedProducts(20));
  auto report = Import(failing, ImportKind::kProducts, in, options_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kIoError);
  EXPECT_EQ(ProductCount(), 0);
}

// An input whose device fails after the bytes given (a disk error, a dropped network share).
class FailingInput : public std::streambuf {
 public:
  explicit FailingInput(std::string data) : data_(std::move(data)) {
    setg(data_.data(), data_.data(), data_.data() + data_.size());
  }

 protected:
  int_type underflow() override { throw std::runtime_error("Input/output error"); }

 private:
  std::string data_;
};

TEST_F(ImportTest, AReadErrorInTheHeaderIsAnIoErrorNotMissingColumns) {
  FailingInput buffer("id,ti");
  std::istream in(&buffer);
  auto report = Import(catalog_, ImportKind::kProducts, in, options_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kIoError) << report.status().ToString();
  EXPECT_EQ(ProductCount(), 0);
}

TEST_F(ImportTest, ARowCutShortByAReadErrorDoesNotLand) {
  // Two reads of 256 KiB: the rows of the first land; the second fails, and the row the
  // first read ended in (A3930, cut inside its title) must not land truncated, whichever
  // layer (the CSV reader, the import's batching) holds it back.
  const std::string title = "Tablette de chocolat noir 70 % cacao origine Équateur 100 g";
  std::string content = "id,title\n";
  for (int i = 1; i <= 5000; ++i) content += "A" + std::to_string(i) + "," + title + "\n";
  FailingInput buffer(content + "A5001,Tablette de");
  std::istream in(&buffer);
  auto report = Import(catalog_, ImportKind::kProducts, in, options_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kIoError) << report.status().ToString();
  EXPECT_FALSE(HasProduct("A5001"));
  EXPECT_TRUE(HasProduct("A3929"));
  ProductQuery page;
  page.limit = 1000;
  do {
    auto landed = catalog_.ListProducts(page);
    ASSERT_TRUE(landed.ok());
    for (const Product& p : landed->items) ASSERT_EQ(p.title, title) << p.id;
    page.after = landed->next_after;
  } while (!page.after.empty());
}

// ---- Files, progress, report ------------------------------------------------------------

TEST_F(ImportTest, ImportFileReportsProgressUpToTheFileSize) {
  std::string content = NumberedProducts(100);
  const auto path = WriteFile("products.csv", content);
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  options_.batch_size = 10;
  options_.progress = [&](uint64_t read, uint64_t total) { calls.emplace_back(read, total); };
  auto report = ImportFile(catalog_, ImportKind::kProducts, path, options_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->inserted, 100);
  ASSERT_GE(calls.size(), 11u);
  for (size_t i = 1; i < calls.size(); ++i) EXPECT_GE(calls[i].first, calls[i - 1].first);
  EXPECT_EQ(calls.back(), std::make_pair(uint64_t{content.size()}, uint64_t{content.size()}));
}

TEST_F(ImportTest, ImportFileOfAMissingFileIsNotFound) {
  auto report = ImportFile(catalog_, ImportKind::kProducts, dir_ / "absent.csv", options_);
  EXPECT_EQ(report.status().code(), StatusCode::kNotFound);
}

TEST_F(ImportTest, InvalidOptionsAreInvalidArgument) {
  options_.batch_size = 0;
  std::istringstream in("id,title\nA1,Lait\n");
  EXPECT_EQ(Import(catalog_, ImportKind::kProducts, in, options_).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ImportTest, ListedErrorsAreCappedButAllCounted) {
  options_.max_listed_errors = 3;
  std::string content = "id,title\n";
  for (int i = 0; i < 10; ++i) content += "A" + std::to_string(i) + ",\n";
  const auto report = Run(ImportKind::kProducts, content);
  EXPECT_EQ(report.rejected, 10);
  EXPECT_EQ(report.errors.size(), 3u);
  EXPECT_EQ(report.errors_not_listed, 7);
}

TEST_F(ImportTest, ReportToJsonHasTheDocumentedShape) {
  const auto report = Run(ImportKind::kProducts, "id,title,x\nA1,Lait,1\nA2,,2\n");
  const nlohmann::json j = report.ToJson();
  EXPECT_EQ(j["kind"], "products");
  EXPECT_EQ(j["format"], "csv");
  EXPECT_EQ(j["committed"], true);
  EXPECT_EQ(j["strict"], false);
  EXPECT_EQ(j["rows_read"], 2);
  EXPECT_EQ(j["inserted"], 1);
  EXPECT_EQ(j["updated"], 0);
  EXPECT_EQ(j["unchanged"], 0);
  EXPECT_EQ(j["rejected"], 1);
  EXPECT_EQ(
      j["errors"][0],
      (nlohmann::json{{"line", 3}, {"field", "title"}, {"reason", "is required"}, {"id", "A2"}}));
  EXPECT_EQ(j["errors_not_listed"], 0);
  EXPECT_EQ(j["warnings"].size(), 1u);
}

TEST(ImportNamesTest, KindsAndFormatsRoundTrip) {
  for (ImportKind kind :
       {ImportKind::kProducts, ImportKind::kStores, ImportKind::kPrices, ImportKind::kStock}) {
    EXPECT_EQ(ParseImportKind(ImportKindName(kind)), kind);
    EXPECT_FALSE(ImportColumns(kind).empty());
  }
  EXPECT_EQ(ParseImportFormat("ndjson"), ImportFormat::kNdjson);
  EXPECT_EQ(ParseImportKind("promotions"), std::nullopt);
  EXPECT_EQ(ImportColumns(ImportKind::kStock).size(), 4u);
}

// ---- The real Open Food Facts sample ---------------------------------------------------

bool ValidGtinByHand(const std::string& code) {
  if (code.size() != 8 && code.size() != 12 && code.size() != 13 && code.size() != 14) {
    return false;
  }
  int sum = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    if (code[i] < '0' || code[i] > '9') return false;
  }
  // From the right, the digit before the check digit weighs 3, the next 1, and so on.
  for (size_t i = 0; i + 1 < code.size(); ++i) {
    const size_t from_right = code.size() - 1 - i;
    sum += (code[i] - '0') * (from_right % 2 == 1 ? 3 : 1);
  }
  return (10 - sum % 10) % 10 == code.back() - '0';
}

// The second field of a one-line record, unquoted: enough for this file, whose barcodes
// are never quoted and whose records never span lines (checked below).
std::string SecondField(const std::string& line) {
  size_t i = line.find(',') + 1;
  std::string out;
  if (line[i] != '"') return line.substr(i, line.find(',', i) - i);
  for (++i; i < line.size(); ++i) {
    if (line[i] == '"') {
      if (i + 1 < line.size() && line[i + 1] == '"') {
        out += '"';
        ++i;
      } else {
        break;
      }
    } else {
      out += line[i];
    }
  }
  return out;
}

TEST_F(ImportTest, OpenFoodFactsSampleReportsEveryBadBarcodeAndLandsEveryGoodRow) {
  const std::filesystem::path path =
      std::filesystem::path(VITRINE_SOURCE_DIR) / "data" / "off-products-sample.csv";
  std::ifstream raw(path, std::ios::binary);
  ASSERT_TRUE(raw) << path;
  std::map<int64_t, std::string> bad_lines;      // line -> barcode
  std::map<std::string, std::string> good_rows;  // barcode -> title
  std::string line;
  int64_t number = 0;
  while (std::getline(raw, line)) {
    ++number;
    if (number == 1) continue;
    ASSERT_EQ(std::count(line.begin(), line.end(), '"') % 2, 0) << "multi-line record " << number;
    const std::string gtin = line.substr(0, line.find(','));
    if (ValidGtinByHand(gtin)) {
      // Titles are trimmed of surrounding ASCII spaces, as every text field is.
      std::string title = SecondField(line);
      while (!title.empty() && title.back() == ' ') title.pop_back();
      while (!title.empty() && title.front() == ' ') title.erase(0, 1);
      good_rows[gtin] = title;
    } else {
      bad_lines[number] = gtin;
    }
  }
  ASSERT_GT(bad_lines.size(), 5u);
  ASSERT_GT(good_rows.size(), 2500u);

  options_.column_aliases = {{"ingredients", "description"}};
  auto report = ImportFile(catalog_, ImportKind::kProducts, path, options_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->committed);
  EXPECT_EQ(report->rows_read, number - 1);
  EXPECT_THAT(report->warnings, IsEmpty());

  std::map<int64_t, std::string> reported;
  for (const RowError& e : report->errors) {
    EXPECT_EQ(e.field, "gtin") << "line " << e.line << ": " << e.reason;
    reported[e.line] = e.id;
  }
  EXPECT_EQ(reported, bad_lines);
  EXPECT_EQ(report->rejected, static_cast<int64_t>(bad_lines.size()));
  EXPECT_EQ(report->inserted, static_cast<int64_t>(good_rows.size()));
  EXPECT_EQ(ProductCount(), static_cast<int64_t>(good_rows.size()));

  for (const auto& [gtin, title] : good_rows) {
    auto product = catalog_.GetProduct(gtin);
    ASSERT_TRUE(product.ok() && product->has_value()) << gtin;
    ASSERT_EQ((*product)->title, title) << gtin;
  }
  // A few, spelled out byte for byte.
  EXPECT_EQ(GetProduct("20859688").title, "chleb \xC5\xBCytni");
  EXPECT_EQ(GetProduct("20861216").title, "Biscuits color\xC3\xA9s");
  EXPECT_EQ(GetProduct("20865047").title, "Le Cremeux Cremig-w\xC3\xBCrzig");
  EXPECT_THAT(GetProduct("20859688").description, HasSubstr("Sk\xC5\x82"
                                                            "adniki"));
}

// ---- The same guarantees over SQLite ----------------------------------------------------

TEST_F(ImportTest, SqliteBatchesAreTransactionsAndStrictRollsBack) {
  auto opened = SqliteDatabase::Open((dir_ / "vitrine.db").string());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  SqliteDatabase& db = **opened;
  options_.batch_size = 4;

  FailingCatalog failing(db, /*fail_on_call=*/3);
  std::istringstream in(NumberedProducts(20));
  auto failed = Import(failing, ImportKind::kProducts, in, options_);
  EXPECT_EQ(failed.status().code(), StatusCode::kIoError);
  EXPECT_EQ(db.Counts()->products, 8);  // half of batch 3 was rolled back by SQLite

  options_.strict = true;
  auto strict = Run(ImportKind::kProducts, "id,title\nB1,Lait\nB2,\n", &db);
  EXPECT_FALSE(strict.committed);
  EXPECT_EQ(db.Counts()->products, 8);

  options_.strict = false;
  options_.column_aliases = {{"ingredients", "description"}};
  auto off = ImportFile(
      db, ImportKind::kProducts,
      std::filesystem::path(VITRINE_SOURCE_DIR) / "data" / "off-products-sample.csv", options_);
  ASSERT_TRUE(off.ok()) << off.status().ToString();
  EXPECT_GT(off->inserted, 2500);
  EXPECT_EQ(db.Counts()->products, 8 + off->inserted);
  auto product = db.GetProduct("20861216");
  ASSERT_TRUE(product.ok() && product->has_value());
  EXPECT_EQ((*product)->title, "Biscuits color\xC3\xA9s");
}

}  // namespace
}  // namespace vitrine
