#include "catalog/import.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <thread>
#include <unordered_map>
#include <utility>

#include "catalog/price.h"
#include "catalog/product.h"
#include "catalog/stock.h"
#include "catalog/store.h"
#include "common/bulk_memory.h"
#include "common/csv.h"
#include "common/gtin.h"
#include "common/quantity.h"
#include "common/text.h"

namespace vitrine {
namespace {

constexpr size_t kMaxRecordBytes = size_t{1} << 20;
constexpr size_t kMaxColumns = 12;
constexpr size_t kMaxReasonBytes = 300;
// The first batch holds at most this many rows: the writing thread waits for it, idle, so a
// full first batch (200,000 stock rows) would keep the writer, the slower of the two, from
// starting for the whole time it takes to read it.
constexpr size_t kFirstBatchRows = 1000;

// ---------------------------------------------------------------------------------------
// Column sets. The order of each table is the index the mappers use.

constexpr ImportColumn kProductColumns[] = {
    {"id", true},
    {"gtin", false},
    {"title", true},
    {"brand", false},
    {"description", false},
    {"category", false},
    {"google_category", false},
    {"net_quantity", false},
    {"unit_pricing_base", false},
    {"image_url", false},
    {"perishable", false},
    {"attributes", false},
};
enum ProductColumn {
  kProductId,
  kProductGtin,
  kProductTitle,
  kProductBrand,
  kProductDescription,
  kProductCategory,
  kProductGoogleCategory,
  kProductNetQuantity,
  kProductUnitPricingBase,
  kProductImageUrl,
  kProductPerishable,
  kProductAttributes,
};

constexpr ImportColumn kStoreColumns[] = {
    {"id", true},           {"name", true},      {"banner", false},    {"address", false},
    {"postal_code", false}, {"city", false},     {"country", false},   {"lat", true},
    {"lon", true},          {"timezone", false}, {"price_zone", true}, {"services", false},
};
enum StoreColumn {
  kStoreId,
  kStoreName,
  kStoreBanner,
  kStoreAddress,
  kStorePostalCode,
  kStoreCity,
  kStoreCountry,
  kStoreLat,
  kStoreLon,
  kStoreTimezone,
  kStorePriceZone,
  kStoreServices,
};

constexpr ImportColumn kPriceColumns[] = {
    {"product_id", true}, {"level", false},    {"level_id", false},
    {"price", true},      {"currency", false}, {"effective_from", false},
};
enum PriceColumn {
  kPriceProductId,
  kPriceLevel,
  kPriceLevelId,
  kPriceAmount,
  kPriceCurrency,
  kPriceEffectiveFrom,
};

constexpr ImportColumn kStockColumns[] = {
    {"product_id", true}, {"store_id", true}, {"quantity", true}, {"measured_at", false}};
enum StockColumn { kStockProductId, kStockStoreId, kStockQuantity, kStockMeasuredAt };

std::span<const ImportColumn> ColumnTable(ImportKind kind) {
  switch (kind) {
    case ImportKind::kProducts:
      return kProductColumns;
    case ImportKind::kStores:
      return kStoreColumns;
    case ImportKind::kPrices:
      return kPriceColumns;
    case ImportKind::kStock:
      return kStockColumns;
  }
  return {};
}

// Maps input names (headers, keys) to column indexes: case-insensitive, surrounding spaces
// ignored, aliases included.
class ColumnResolver {
 public:
  explicit ColumnResolver(ImportKind kind) : kind_(kind), columns_(ColumnTable(kind)) {
    for (size_t i = 0; i < columns_.size(); ++i) by_name_.emplace(columns_[i].name, i);
  }

  Status AddAliases(const std::map<std::string, std::string>& aliases) {
    for (const auto& [from, to] : aliases) {
      auto target = by_name_.find(ToLowerAscii(TrimAscii(to)));
      if (target == by_name_.end() || target->second >= columns_.size()) {
        return Status::InvalidArgument("column alias \"" + from + "\" names \"" + to +
                                       "\", which is not a column of " +
                                       std::string(ImportKindName(kind_)));
      }
      by_name_[ToLowerAscii(TrimAscii(from))] = target->second;
    }
    return Status::Ok();
  }

  // The column index, or -1 for a name outside the set.
  int Find(std::string_view name) const {
    auto it = by_name_.find(ToLowerAscii(TrimAscii(name)));
    return it == by_name_.end() ? -1 : static_cast<int>(it->second);
  }
  ImportKind kind() const { return kind_; }
  std::span<const ImportColumn> columns() const { return columns_; }
  std::string_view Name(size_t index) const { return columns_[index].name; }

 private:
  ImportKind kind_;
  std::span<const ImportColumn> columns_;
  std::map<std::string, size_t, std::less<>> by_name_;
};

// ---------------------------------------------------------------------------------------
// One record, whatever its format: for each documented column, the text (a view into the
// reader's buffers or the parsed JSON) or, for JSON objects and arrays, the value itself.

struct Cell {
  std::string_view text;
  const nlohmann::json* json = nullptr;  // set for JSON objects and arrays only
  bool present = false;                  // the column or key exists (possibly empty)
};

struct Fields {
  int64_t line = 0;
  std::array<Cell, kMaxColumns> cells;
  void Reset(int64_t at) {
    line = at;
    cells.fill(Cell{});
  }
};

// Receives the records the format readers find. Implemented by the row processor.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void OnRecord(const Fields& fields) = 0;
  // A record that could not be read (bad quoting, invalid UTF-8, invalid JSON...).
  virtual void OnBadRecord(int64_t line, std::string field, std::string reason, std::string id) = 0;
  // A problem with the input that is not one record. `fatal`: nothing can be read at all.
  virtual void OnInputError(int64_t line, std::string reason, bool fatal) = 0;
  virtual void Warn(std::string warning) = 0;
  // True once the writer gave up: readers stop early.
  virtual bool Cancelled() const = 0;
  virtual void SetBytesRead(uint64_t bytes) = 0;
};

// ---------------------------------------------------------------------------------------
// Small parsers shared by the mappers.

void AddError(std::vector<FieldError>& errors, std::string_view field, std::string message) {
  for (const FieldError& e : errors) {
    if (e.field == field) return;  // one error per field: the first is the cause
  }
  errors.push_back({std::string(field), std::move(message)});
}

bool HasError(const std::vector<FieldError>& errors, std::string_view field) {
  return std::any_of(errors.begin(), errors.end(),
                     [&](const FieldError& e) { return e.field == field; });
}

// The trimmed text of a scalar cell; an object or array where text belongs is an error.
std::string_view TextOf(const Cell& cell, std::string_view field, std::vector<FieldError>& errors) {
  if (cell.json != nullptr) {
    AddError(errors, field,
             "must be a string or a number, not a JSON " + std::string(cell.json->type_name()));
    return {};
  }
  return TrimAscii(cell.text);
}

std::optional<int64_t> ParseInteger(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Accepts a decimal comma ("48,8566"), as French spreadsheets write coordinates.
std::optional<double> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  char buffer[64];
  size_t n = 0;
  for (char c : text) buffer[n++] = c == ',' ? '.' : c;
  const char* begin = buffer;
  if (*begin == '+') ++begin;
  double value = 0;
  const auto [end, ec] = std::from_chars(begin, buffer + n, value);
  if (ec != std::errc() || end != buffer + n || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<bool> ParseFlag(std::string_view text) {
  const std::string lower = ToLowerAscii(text);
  if (lower.empty() || lower == "false" || lower == "0" || lower == "non" || lower == "no" ||
      lower == "n") {
    return false;
  }
  if (lower == "true" || lower == "1" || lower == "oui" || lower == "yes" || lower == "o" ||
      lower == "y") {
    return true;
  }
  return std::nullopt;
}

struct MapContext {
  Instant now;
  const TimeZone* zone;
  Currency default_currency;
};

void SetText(std::string& out, const Cell& cell, std::string_view field,
             std::vector<FieldError>& errors) {
  out.assign(TextOf(cell, field, errors));
}

std::optional<Quantity> QuantityOf(const Cell& cell, std::string_view field,
                                   std::vector<FieldError>& errors) {
  const std::string_view text = TextOf(cell, field, errors);
  if (text.empty()) return std::nullopt;
  auto parsed = Quantity::Parse(text);
  if (!parsed.ok()) {
    AddError(errors, field, parsed.status().message());
    return std::nullopt;
  }
  return *parsed;
}

Instant InstantOf(const Cell& cell, std::string_view field, const MapContext& ctx,
                  std::vector<FieldError>& errors) {
  const std::string_view text = TextOf(cell, field, errors);
  if (text.empty()) return ctx.now;
  auto parsed = ParseInstant(text, *ctx.zone);
  if (!parsed.ok()) {
    AddError(errors, field, parsed.status().message());
    return ctx.now;
  }
  return *parsed;
}

// ---------------------------------------------------------------------------------------
// Per-kind mapping, keys, reference checks and writes.

// What prices and stock rows may refer to, loaded once per import.
struct References {
  std::vector<std::string> product_ids;  // sorted
  std::vector<std::string> store_ids;    // sorted
  std::vector<std::string> zone_ids;     // sorted

  // The position of `id` in `sorted`, if there.
  static std::optional<size_t> Find(const std::vector<std::string>& sorted, std::string_view id) {
    auto it = std::lower_bound(sorted.begin(), sorted.end(), id,
                               [](const std::string& a, std::string_view b) { return a < b; });
    if (it == sorted.end() || *it != id) return std::nullopt;
    return static_cast<size_t>(it - sorted.begin());
  }
  static bool Has(const std::vector<std::string>& sorted, std::string_view id) {
    return Find(sorted, id).has_value();
  }
};

// The first line of each key of an import, for keys reduced to a number: open addressing
// in one array, so a million stock rows take 32 MiB and no allocation each, where a map of
// strings took twice that and a tenth of the import's time to build and free.
class FirstLineOfNumber {
 public:
  // The line `key` was first seen on, or nullopt after recording `line` for it.
  std::optional<int64_t> FindOrAdd(uint64_t key, int64_t line) {
    if ((size_ + 1) * 10 > slots_.size() * 7) Grow();
    const size_t mask = slots_.size() - 1;
    // Fibonacci hashing: the top bits of the product depend on every bit of the key.
    for (size_t i = static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);;
         i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (!slot.used) {
        slot = {key, line, true};
        ++size_;
        return std::nullopt;
      }
      if (slot.key == key) return slot.line;
    }
  }

 private:
  struct Slot {
    uint64_t key = 0;
    int64_t line = 0;
    bool used = false;
  };
  void Grow() {
    const size_t capacity = std::max<size_t>(1024, slots_.size() * 2);  // a power of two
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity));
    shift_ = 64 - std::countr_zero(capacity);
    size_ = 0;
    for (const Slot& slot : old) {
      if (slot.used) FindOrAdd(slot.key, slot.line);
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  int shift_ = 64;
};

struct ProductTraits {
  using Entity = Product;
  static constexpr bool kNeedsReferences = false;
  // Fields the duplicate key is made of: no key is taken from a row where one is bad.
  static constexpr std::string_view kKeyFields[] = {"id"};
  static constexpr std::string_view kKeyField = "id";
  static constexpr std::string_view kKeyDescription = "id";

  static void Map(const Fields& f, const MapContext&, Product& p, std::vector<FieldError>& errors) {
    const std::string_view gtin = TextOf(f.cells[kProductGtin], "gtin", errors);
    if (!gtin.empty()) {
      auto parsed = Gtin::Parse(gtin);
      if (parsed.ok()) {
        p.gtin = *parsed;
      } else {
        AddError(errors, "gtin", parsed.status().message());
      }
    }
    // Without an id column (or key), the barcode is the SKU: many retailers key on it.
    if (f.cells[kProductId].present) {
      SetText(p.id, f.cells[kProductId], "id", errors);
    } else {
      p.id.assign(gtin);
    }
    SetText(p.title, f.cells[kProductTitle], "title", errors);
    SetText(p.brand, f.cells[kProductBrand], "brand", errors);
    SetText(p.description, f.cells[kProductDescription], "description", errors);
    SetText(p.category, f.cells[kProductCategory], "category", errors);
    SetText(p.google_category, f.cells[kProductGoogleCategory], "google_category", errors);
    SetText(p.image_url, f.cells[kProductImageUrl], "image_url", errors);
    p.net_quantity = QuantityOf(f.cells[kProductNetQuantity], "net_quantity", errors);
    p.unit_pricing_base = QuantityOf(f.cells[kProductUnitPricingBase], "unit_pricing_base", errors);
    const std::string_view perishable = TextOf(f.cells[kProductPerishable], "perishable", errors);
    if (auto flag = ParseFlag(perishable)) {
      p.perishable = *flag;
    } else {
      AddError(errors, "perishable", "must be true/false, 1/0, oui/non or yes/no");
    }
    const Cell& attributes = f.cells[kProductAttributes];
    if (attributes.json != nullptr) {
      if (attributes.json->is_object()) {
        p.attributes = *attributes.json;
      } else {
        AddError(errors, "attributes", "must be a JSON object");
      }
    } else if (!TrimAscii(attributes.text).empty()) {
      nlohmann::json parsed = nlohmann::json::parse(attributes.text, nullptr, false);
      if (parsed.is_object()) {
        p.attributes = std::move(parsed);
      } else {
        AddError(errors, "attributes", "must be a JSON object, e.g. {\"origin\": \"France\"}");
      }
    }
  }
  static bool Key(const Product& p, std::string& key) {
    key = p.id;
    return !key.empty();
  }
  static std::string Id(const Product& p) { return p.id; }
  static void CheckReferences(const Product&, const References&, std::vector<FieldError>&) {}
  static Result<std::vector<WriteOutcome>> Put(CatalogRepository& repo,
                                               std::span<const Product> items, Instant now) {
    return repo.PutProducts(items, now);
  }
};

struct StoreTraits {
  using Entity = Store;
  static constexpr bool kNeedsReferences = false;
  // Fields the duplicate key is made of: no key is taken from a row where one is bad.
  static constexpr std::string_view kKeyFields[] = {"id"};
  static constexpr std::string_view kKeyField = "id";
  static constexpr std::string_view kKeyDescription = "id";

  static void Map(const Fields& f, const MapContext&, Store& s, std::vector<FieldError>& errors) {
    SetText(s.id, f.cells[kStoreId], "id", errors);
    SetText(s.name, f.cells[kStoreName], "name", errors);
    SetText(s.banner, f.cells[kStoreBanner], "banner", errors);
    SetText(s.address, f.cells[kStoreAddress], "address", errors);
    SetText(s.postal_code, f.cells[kStorePostalCode], "postal_code", errors);
    SetText(s.city, f.cells[kStoreCity], "city", errors);
    const std::string_view country = TextOf(f.cells[kStoreCountry], "country", errors);
    if (!country.empty()) {
      s.country = std::string(country);
      for (char& c : s.country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    for (auto [column, field, out] :
         {std::tuple{kStoreLat, "lat", &s.lat}, std::tuple{kStoreLon, "lon", &s.lon}}) {
      const std::string_view text = TextOf(f.cells[column], field, errors);
      if (text.empty()) continue;  // reported as required by the processor
      if (auto value = ParseDecimal(text)) {
        *out = *value;
      } else {
        AddError(errors, field, "must be a decimal number, e.g. 48.8566");
      }
    }
    const std::string_view timezone = TextOf(f.cells[kStoreTimezone], "timezone", errors);
    if (!timezone.empty()) s.timezone = std::string(timezone);
    SetText(s.price_zone, f.cells[kStorePriceZone], "price_zone", errors);
    const Cell& services = f.cells[kStoreServices];
    if (services.json != nullptr) {
      if (!services.json->is_array()) {
        AddError(errors, "services", "must be an array of service names");
      } else {
        for (const nlohmann::json& service : *services.json) {
          if (!service.is_string()) {
            AddError(errors, "services", "must be an array of service names");
            break;
          }
          s.services.push_back(service.get<std::string>());
        }
      }
    } else {
      std::string_view rest = services.text;
      while (!TrimAscii(rest).empty()) {
        const size_t bar = rest.find('|');
        const std::string_view service = TrimAscii(rest.substr(0, bar));
        if (!service.empty()) s.services.emplace_back(service);
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
      }
    }
  }
  static bool Key(const Store& s, std::string& key) {
    key = s.id;
    return !key.empty();
  }
  static std::string Id(const Store& s) { return s.id; }
  static void CheckReferences(const Store&, const References&, std::vector<FieldError>&) {}
  static Result<std::vector<WriteOutcome>> Put(CatalogRepository& repo,
                                               std::span<const Store> items, Instant now) {
    return repo.PutStores(items, now);
  }
};

struct PriceTraits {
  using Entity = Price;
  static constexpr bool kNeedsReferences = true;
  // Fields the duplicate key is made of: no key is taken from a row where one is bad.
  static constexpr std::string_view kKeyFields[] = {"product_id", "level", "level_id",
                                                    "effective_from"};
  static constexpr std::string_view kKeyField = "product_id";
  static constexpr std::string_view kKeyDescription =
      "product_id, level, level_id and "
      "effective_from";

  static void Map(const Fields& f, const MapContext& ctx, Price& p,
                  std::vector<FieldError>& errors) {
    SetText(p.product_id, f.cells[kPriceProductId], "product_id", errors);
    const std::string level = ToLowerAscii(TextOf(f.cells[kPriceLevel], "level", errors));
    if (auto parsed = ParsePriceLevel(level)) {
      p.level = *parsed;
    } else {
      AddError(errors, "level", "must be national, zone or store, not \"" + level + "\"");
    }
    SetText(p.level_id, f.cells[kPriceLevelId], "level_id", errors);
    std::optional<Currency> currency;
    const std::string_view code = TextOf(f.cells[kPriceCurrency], "currency", errors);
    if (!code.empty()) {
      auto parsed = Currency::Parse(code);
      if (parsed.ok()) {
        currency = *parsed;
      } else {
        AddError(errors, "currency", parsed.status().message());
      }
    }
    const std::string_view amount = TextOf(f.cells[kPriceAmount], "price", errors);
    if (!amount.empty()) {
      auto parsed = Money::Parse(amount, currency.value_or(ctx.default_currency));
      if (!parsed.ok()) {
        AddError(errors, "price", parsed.status().message());
      } else if (currency && parsed->currency() != *currency) {
        AddError(errors, "price",
                 "is in " + parsed->currency().code() + " but the currency column says " +
                     currency->code());
      } else if (parsed->sign() < 0) {
        AddError(errors, "price", "must not be negative (\"" + std::string(amount) + "\")");
      } else {
        p.amount = *parsed;
      }
    }
    p.effective_from = InstantOf(f.cells[kPriceEffectiveFrom], "effective_from", ctx, errors);
  }
  static bool Key(const Price& p, std::string& key) {
    key.clear();
    key.append(p.product_id).append(1, '|').append(PriceLevelName(p.level)).append(1, '|');
    key.append(p.level_id).append(1, '|').append(std::to_string(ToUnixSeconds(p.effective_from)));
    return !p.product_id.empty();
  }
  static std::string Id(const Price& p) { return p.product_id; }
  static void CheckReferences(const Price& p, const References& refs,
                              std::vector<FieldError>& errors) {
    if (!HasError(errors, "product_id") && !References::Has(refs.product_ids, p.product_id)) {
      AddError(errors, "product_id", "unknown product \"" + p.product_id + "\"");
    }
    if (HasError(errors, "level") || HasError(errors, "level_id")) return;
    if (p.level == PriceLevel::kZone && !References::Has(refs.zone_ids, p.level_id)) {
      AddError(errors, "level_id", "unknown price zone \"" + p.level_id + "\"");
    } else if (p.level == PriceLevel::kStore && !References::Has(refs.store_ids, p.level_id)) {
      AddError(errors, "level_id", "unknown store \"" + p.level_id + "\"");
    }
  }
  static Result<std::vector<WriteOutcome>> Put(CatalogRepository& repo,
                                               std::span<const Price> items, Instant) {
    return repo.PutPrices(items);
  }
};

struct StockTraits {
  using Entity = StockLevel;
  static constexpr bool kNeedsReferences = true;
  // Fields the duplicate key is made of: no key is taken from a row where one is bad.
  static constexpr std::string_view kKeyFields[] = {"product_id", "store_id"};
  static constexpr std::string_view kKeyField = "product_id";
  static constexpr std::string_view kKeyDescription = "product_id and store_id";

  static void Map(const Fields& f, const MapContext& ctx, StockLevel& s,
                  std::vector<FieldError>& errors) {
    SetText(s.product_id, f.cells[kStockProductId], "product_id", errors);
    SetText(s.store_id, f.cells[kStockStoreId], "store_id", errors);
    const std::string_view quantity = TextOf(f.cells[kStockQuantity], "quantity", errors);
    if (!quantity.empty()) {
      if (auto value = ParseInteger(quantity)) {
        s.quantity = *value;
      } else {
        AddError(errors, "quantity",
                 "must be a whole number, not \"" + std::string(quantity) + "\"");
      }
    }
    s.measured_at = InstantOf(f.cells[kStockMeasuredAt], "measured_at", ctx, errors);
  }
  static bool Key(const StockLevel& s, std::string& key) {
    key.clear();
    key.append(s.product_id).append(1, '|').append(s.store_id);
    return !s.product_id.empty() && !s.store_id.empty();
  }
  static std::string Id(const StockLevel& s) { return s.product_id + "|" + s.store_id; }
  // The key as one number, when both references exist: the duplicate check of a million
  // rows then keeps numbers instead of strings.
  static std::optional<uint64_t> NumericKey(const StockLevel& s, const References& refs) {
    const std::optional<size_t> product = References::Find(refs.product_ids, s.product_id);
    if (!product) return std::nullopt;
    const std::optional<size_t> store = References::Find(refs.store_ids, s.store_id);
    if (!store) return std::nullopt;
    return static_cast<uint64_t>(*product) * refs.store_ids.size() + *store;
  }
  static void CheckReferences(const StockLevel& s, const References& refs,
                              std::vector<FieldError>& errors) {
    if (!HasError(errors, "product_id") && !References::Has(refs.product_ids, s.product_id)) {
      AddError(errors, "product_id", "unknown product \"" + s.product_id + "\"");
    }
    if (!HasError(errors, "store_id") && !References::Has(refs.store_ids, s.store_id)) {
      AddError(errors, "store_id", "unknown store \"" + s.store_id + "\"");
    }
  }
  static Result<std::vector<WriteOutcome>> Put(CatalogRepository& repo,
                                               std::span<const StockLevel> items, Instant) {
    return repo.PutStock(items);
  }
};

// ---------------------------------------------------------------------------------------
// The hand-off between the reading thread and the writing thread.

template <typename Entity>
struct Batch {
  std::vector<Entity> items;
  std::vector<int64_t> lines;  // line of each item, for error context
};

// A bounded queue: the reader runs at most `capacity` batches ahead of the writer, which
// bounds memory whatever the input size.
template <typename T>
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full. False when the consumer cancelled: the item is dropped.
  bool Push(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return cancelled_ || items_.size() < capacity_; });
    if (cancelled_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  // The producer has no more items.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }
  // Blocks while empty and open. False when closed and drained.
  bool Pop(T* item) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return false;
    *item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  // The consumer hands back an item it is done with, for the producer to free (Drop): the
  // rows' memory then goes back to the heap of the thread that allocated it, and the two
  // threads do not take turns on that heap's lock.
  void GiveBack(T item) {
    std::lock_guard lock(mu_);
    given_back_.push_back(std::move(item));
  }
  void DropGivenBack() {
    std::vector<T> dropped;  // destroyed after the lock is released
    std::lock_guard lock(mu_);
    dropped.swap(given_back_);
  }
  // The consumer gives up: pending and future items are dropped.
  void Cancel() {
    std::lock_guard lock(mu_);
    cancelled_.store(true, std::memory_order_relaxed);
    items_.clear();
    not_full_.notify_all();
  }
  // Lock-free: the reader polls it once per record.
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  std::vector<T> given_back_;
  bool closed_ = false;
  std::atomic<bool> cancelled_{false};
};

// Report strings end up in JSON: they must be valid UTF-8, and stay short even when they
// quote a huge field.
std::string Printable(std::string text) {
  if (text.size() > kMaxReasonBytes) {
    size_t cut = kMaxReasonBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "…";
  }
  size_t bad = 0;
  while (!IsValidUtf8(text, &bad)) text.replace(bad, 1, "\xEF\xBF\xBD");
  return text;
}

// What the reading side learns: everything of the report except what landed.
struct ReadReport {
  int64_t rows_read = 0;
  int64_t rejected = 0;
  std::vector<RowError> errors;
  int64_t errors_not_listed = 0;
  std::vector<std::string> warnings;
  bool input_unusable = false;
  Status stream_status;
};

// Maps, validates and checks each record, and groups the valid ones into batches.
template <typename Traits>
class RowProcessor final : public RecordSink {
 public:
  using Entity = typename Traits::Entity;

  RowProcessor(const ColumnResolver& columns, const MapContext& ctx, const References& refs,
               const ImportOptions& options, BatchQueue<Batch<Entity>>& queue)
      : columns_(columns),
        ctx_(ctx),
        refs_(refs),
        options_(options),
        queue_(queue),
        batch_rows_(std::min(options_.batch_size, kFirstBatchRows)) {
    batch_.items.reserve(batch_rows_);
    batch_.lines.reserve(batch_rows_);
  }

  void OnRecord(const Fields& f) override {
    ++report_.rows_read;
    errors_.clear();
    Entity entity;
    const auto table = columns_.columns();
    for (size_t c = 0; c < table.size(); ++c) {
      if (!table[c].required) continue;
      const Cell& cell = f.cells[c];
      // A products file without an id column keys products on their barcode (Map).
      if (columns_.kind() == ImportKind::kProducts && c == kProductId && !cell.present) continue;
      if (cell.json == nullptr && TrimAscii(cell.text).empty()) {
        AddError(errors_, table[c].name, "is required");
      }
    }
    Traits::Map(f, ctx_, entity, errors_);
    for (FieldError& e : Validate(entity)) AddError(errors_, e.field, std::move(e.message));
    const bool key_readable =
        std::none_of(std::begin(Traits::kKeyFields), std::end(Traits::kKeyFields),
                     [&](std::string_view field) { return HasError(errors_, field); });
    if (key_readable) {
      std::optional<int64_t> first_line;
      std::optional<uint64_t> number;
      if constexpr (requires { Traits::NumericKey(entity, refs_); }) {
        number = Traits::NumericKey(entity, refs_);
      }
      if (number) {
        first_line = first_line_of_number_.FindOrAdd(*number, f.line);
      } else if (Traits::Key(entity, key_)) {
        // A key without a number (unknown references) never equals one with a number.
        auto [it, fresh] = first_line_of_key_.try_emplace(key_, f.line);
        if (!fresh) first_line = it->second;
      }
      if (first_line) {
        AddError(errors_, Traits::kKeyField,
                 "duplicate of line " + std::to_string(*first_line) + " (same " +
                     std::string(Traits::kKeyDescription) + ")");
      }
    }
    Traits::CheckReferences(entity, refs_, errors_);
    if (!errors_.empty()) {
      Reject(f.line, Traits::Id(entity));
      return;
    }
    // In strict mode nothing will land once a row failed: stop building batches.
    if (options_.strict && any_error_.load(std::memory_order_relaxed)) return;
    batch_.items.push_back(std::move(entity));
    batch_.lines.push_back(f.line);
    if (batch_.items.size() >= batch_rows_) Flush();
  }

  void OnBadRecord(int64_t line, std::string field, std::string reason, std::string id) override {
    ++report_.rows_read;
    errors_.clear();
    errors_.push_back({std::move(field), std::move(reason)});
    Reject(line, std::move(id));
  }

  void OnInputError(int64_t line, std::string reason, bool fatal) override {
    AddRowError({line, "", Printable(std::move(reason)), ""});
    any_error_.store(true, std::memory_order_relaxed);
    if (fatal) report_.input_unusable = true;
  }

  void Warn(std::string warning) override { report_.warnings.push_back(Printable(warning)); }
  bool Cancelled() const override { return cancelled_ || queue_.cancelled(); }
  void SetBytesRead(uint64_t bytes) override {
    bytes_read_.store(bytes, std::memory_order_relaxed);
  }

  // Hands over the last partial batch.
  void Finish() {
    if (!batch_.items.empty()) Flush();
    // Freed here, on the reader thread, while the writer still works: 50,000 keys take the
    // writer ten milliseconds to free at the end.
    first_line_of_key_ = {};
    first_line_of_number_ = {};
  }

  ReadReport& report() { return report_; }
  bool any_error() const { return any_error_.load(std::memory_order_relaxed); }
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }

 private:
  void Reject(int64_t line, std::string id) {
    ++report_.rejected;
    any_error_.store(true, std::memory_order_relaxed);
    id = Printable(std::move(id));
    for (FieldError& e : errors_) {
      AddRowError({line, std::move(e.field), Printable(std::move(e.message)), id});
    }
  }
  void AddRowError(RowError error) {
    if (report_.errors.size() < options_.max_listed_errors) {
      report_.errors.push_back(std::move(error));
    } else {
      ++report_.errors_not_listed;
    }
  }
  void Flush() {
    queue_.DropGivenBack();
    if (!queue_.Push(std::move(batch_))) cancelled_ = true;
    batch_rows_ = options_.batch_size;
    batch_ = Batch<Entity>();
    batch_.items.reserve(options_.batch_size);
    batch_.lines.reserve(options_.batch_size);
  }

  const ColumnResolver& columns_;
  const MapContext& ctx_;
  const References& refs_;
  const ImportOptions& options_;
  BatchQueue<Batch<Entity>>& queue_;

  ReadReport report_;
  std::atomic<bool> any_error_{false};
  std::atomic<uint64_t> bytes_read_{0};
  bool cancelled_ = false;
  size_t batch_rows_;  // the size of the batch being built: kFirstBatchRows at most, at first
  Batch<Entity> batch_;
  std::vector<FieldError> errors_;  // reused across records
  std::string key_;                 // reused across records
  std::unordered_map<std::string, int64_t> first_line_of_key_;
  FirstLineOfNumber first_line_of_number_;  // keys with a Traits::NumericKey
};

// ---------------------------------------------------------------------------------------
// Format readers.

void ReadCsv(std::istream& in, std::string prefix, char delimiter, const ColumnResolver& columns,
             RecordSink& sink, Status* stream_status) {
  CsvOptions csv_options;
  csv_options.delimiter = delimiter;
  csv_options.max_record_bytes = kMaxRecordBytes;
  CsvReader reader(in, csv_options, std::move(prefix));
  CsvRecord record;
  if (!reader.Next(&record)) {
    *stream_status = reader.status();
    if (stream_status->ok()) sink.OnInputError(1, "empty input: no header line", true);
    return;
  }
  if (!record.ok()) {
    sink.OnInputError(record.line, "the header line cannot be read: " + record.error_message, true);
    return;
  }
  // Header: which column each field feeds (-1: ignored).
  std::vector<int> column_of_field(record.fields.size(), -1);
  std::vector<int> field_of_column(columns.columns().size(), -1);
  const int64_t header_line = record.line;
  bool usable = true;
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const std::string_view name = TrimAscii(record.fields[i]);
    const int column = columns.Find(name);
    if (column < 0) {
      sink.Warn(name.empty() ? "column " + std::to_string(i + 1) + " has no name; ignored"
                             : "unknown column \"" + std::string(name) + "\" (column " +
                                   std::to_string(i + 1) + ") ignored");
      continue;
    }
    if (field_of_column[column] >= 0) {
      sink.OnInputError(header_line,
                        "column \"" + std::string(columns.Name(column)) + "\" appears twice " +
                            "(columns " + std::to_string(field_of_column[column] + 1) + " and " +
                            std::to_string(i + 1) + ")",
                        true);
      usable = false;
      continue;
    }
    field_of_column[column] = static_cast<int>(i);
    column_of_field[i] = column;
  }
  for (size_t c = 0; c < columns.columns().size(); ++c) {
    if (!columns.columns()[c].required || field_of_column[c] >= 0) continue;
    if (columns.kind() == ImportKind::kProducts && c == kProductId &&
        field_of_column[kProductGtin] >= 0) {
      continue;  // ids come from the barcodes
    }
    sink.OnInputError(header_line,
                      "required column \"" + std::string(columns.Name(c)) + "\" is missing", true);
    usable = false;
  }
  if (!usable) return;

  const int id_field = field_of_column[0];  // the key column of every kind is the first
  const size_t expected = record.fields.size();
  Fields fields;
  while (!sink.Cancelled() && reader.Next(&record)) {
    sink.SetBytesRead(reader.bytes_read());
    std::string id;
    if (id_field >= 0 && static_cast<size_t>(id_field) < record.fields.size()) {
      id = std::string(TrimAscii(record.fields[id_field]));
    }
    if (!record.ok()) {
      std::string field;
      if (record.error_field >= 0 && static_cast<size_t>(record.error_field) < expected &&
          column_of_field[record.error_field] >= 0) {
        field = std::string(columns.Name(column_of_field[record.error_field]));
      }
      sink.OnBadRecord(record.line, std::move(field), record.error_message, std::move(id));
      continue;
    }
    if (record.fields.size() != expected) {
      sink.OnBadRecord(record.line, "",
                       "expected " + std::to_string(expected) + " fields as in the header, found " +
                           std::to_string(record.fields.size()),
                       std::move(id));
      continue;
    }
    fields.Reset(record.line);
    for (size_t i = 0; i < expected; ++i) {
      if (column_of_field[i] >= 0)
        fields.cells[column_of_field[i]] = {record.fields[i], nullptr, true};
    }
    sink.OnRecord(fields);
  }
  sink.SetBytesRead(reader.bytes_read());
  *stream_status = reader.status();
}

// Reads bytes one at a time from a prefix and then the stream, in chunks.
class ByteInput {
 public:
  ByteInput(std::istream& in, std::string prefix)
      : in_(in), buf_(std::move(prefix)), bytes_read_(buf_.size()) {}

  int Get() {
    if (pos_ == buf_.size() && !Fill()) return -1;
    return static_cast<unsigned char>(buf_[pos_++]);
  }
  uint64_t bytes_read() const { return bytes_read_; }
  const Status& status() const { return status_; }

 private:
  bool Fill() {
    if (eof_) return false;
    buf_.resize(size_t{256} << 10);
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    const size_t got = static_cast<size_t>(in_.gcount());
    if (in_.bad()) status_ = Status::IoError("reading the input failed");
    buf_.resize(got);
    pos_ = 0;
    bytes_read_ += got;
    if (got == 0) eof_ = true;
    return got > 0;
  }

  std::istream& in_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t bytes_read_;
  bool eof_ = false;
  Status status_;
};

// Parses one JSON object and hands it over as a record.
class JsonElementReader {
 public:
  JsonElementReader(const ColumnResolver& columns, RecordSink& sink)
      : columns_(columns), sink_(sink) {}

  void Read(std::string_view text, int64_t line) {
    size_t bad = 0;
    if (!IsValidUtf8(text, &bad)) {
      sink_.OnBadRecord(line, "", "invalid UTF-8 at byte " + std::to_string(bad + 1), "");
      return;
    }
    try {
      doc_ = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      // nlohmann prefixes "[json.exception.parse_error.101] ": keep the sentence only.
      std::string_view what = e.what();
      const size_t bracket = what.find("] ");
      if (bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
      sink_.OnBadRecord(line, "",
                        "invalid JSON (positions within the element): " + std::string(what), "");
      return;
    }
    if (!doc_.is_object()) {
      sink_.OnBadRecord(line, "", "expected a JSON object, found " + std::string(doc_.type_name()),
                        "");
      return;
    }
    fields_.Reset(line);
    for (auto it = doc_.begin(); it != doc_.end(); ++it) {
      const int column = columns_.Find(it.key());
      if (column < 0) {
        if (warned_.insert(it.key()).second) {
          sink_.Warn("unknown field \"" + it.key() + "\" (first seen on line " +
                     std::to_string(line) + ") ignored");
        }
        continue;
      }
      const nlohmann::json& value = it.value();
      Cell& cell = fields_.cells[column];
      cell = Cell{};
      if (value.is_null()) continue;
      cell.present = true;
      if (value.is_string()) {
        cell.text = value.get_ref<const std::string&>();
      } else if (value.is_boolean()) {
        cell.text = value.get<bool>() ? "true" : "false";
      } else if (value.is_number()) {
        scalars_[column] = value.dump();
        cell.text = scalars_[column];
      } else {
        cell.json = &value;
      }
    }
    sink_.OnRecord(fields_);
  }

 private:
  const ColumnResolver& columns_;
  RecordSink& sink_;
  nlohmann::json doc_;
  Fields fields_;
  std::array<std::string, kMaxColumns> scalars_;  // text of numbers, one slot per column
  std::set<std::string> warned_;
};

bool IsJsonSpace(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void ReadJsonArray(ByteInput& input, const ColumnResolver& columns, RecordSink& sink) {
  JsonElementReader elements(columns, sink);
  int64_t line = 1;
  int c = 0;
  auto next_token = [&] {
    do {
      c = input.Get();
      if (c == '\n') ++line;
    } while (IsJsonSpace(c));
  };
  next_token();
  if (c != '[') {
    sink.OnInputError(line, "expected a JSON array starting with '['", true);
    return;
  }
  std::string element;
  for (;;) {
    next_token();
    if (c == ']') break;
    if (c == -1) {
      sink.OnInputError(line, "the JSON array is not closed with ']'", false);
      return;
    }
    if (c == ',') {
      sink.OnInputError(line, "unexpected ',' where an element belongs", false);
      continue;
    }
    // Split the element out ourselves, tracking strings and nesting, so each element gets
    // its line and one bad element does not stop the others.
    const int64_t start_line = line;
    element.clear();
    bool too_long = false;
    bool in_string = false;
    bool escaped = false;
    int depth = 0;
    for (;;) {
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0 && c == ']') break;
        if (depth > 0) --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
      if (c == '\n') ++line;
      if (!too_long) {
        if (element.size() >= kMaxRecordBytes) {
          too_long = true;
          element = std::string();
        } else {
          element.push_back(static_cast<char>(c));
        }
      }
      c = input.Get();
      if (c == -1) break;
    }
    sink.SetBytesRead(input.bytes_read());
    if (too_long) {
      sink.OnBadRecord(start_line, "", "element longer than 1 MiB; skipped", "");
    } else if (c == -1 && (in_string || depth > 0)) {
      sink.OnBadRecord(start_line, "", "the input ends inside this element", "");
    } else {
      while (!element.empty() && IsJsonSpace(static_cast<unsigned char>(element.back()))) {
        element.pop_back();
      }
      elements.Read(element, start_line);
    }
    if (c == -1) {
      sink.OnInputError(line, "the JSON array is not closed with ']'", false);
      return;
    }
    if (c == ']') break;
    if (sink.Cancelled()) return;
  }
  next_token();
  if (c != -1) {
    sink.OnInputError(line, "unexpected content after the closing ']' of the JSON array", false);
  }
  sink.SetBytesRead(input.bytes_read());
}

void ReadNdjson(ByteInput& input, const ColumnResolver& columns, RecordSink& sink) {
  JsonElementReader elements(columns, sink);
  std::string text;
  int64_t line = 0;
  int c = 0;
  while (c != -1 && !sink.Cancelled()) {
    ++line;
    text.clear();
    bool too_long = false;
    while ((c = input.Get()) != -1 && c != '\n') {
      if (text.size() < kMaxRecordBytes) {
        text.push_back(static_cast<char>(c));
      } else {
        too_long = true;
      }
    }
    sink.SetBytesRead(input.bytes_read());
    if (too_long) {
      sink.OnBadRecord(line, "", "line longer than 1 MiB; skipped", "");
      continue;
    }
    const std::string_view object = TrimAscii(text);
    if (object.empty()) continue;
    elements.Read(object, line);
  }
}

// ---------------------------------------------------------------------------------------
// The import itself.

// Reads the leading byte order mark and white space, which decide nothing but must not be
// lost (CSV counts lines in them). `first` is the first other byte, or -1 at end of input.
struct Sniffed {
  std::string prefix;  // bytes read, the byte order mark excepted
  int first = -1;
};

Sniffed Sniff(std::istream& in) {
  Sniffed s;
  int c = in.get();
  if (c == 0xEF) {
    const int c2 = in.get();
    const int c3 = c2 == 0xBB ? in.get() : std::char_traits<char>::eof();
    if (c2 == 0xBB && c3 == 0xBF) {
      c = in.get();
    } else {
      s.prefix.push_back(static_cast<char>(c));
      if (c2 != std::char_traits<char>::eof()) s.prefix.push_back(static_cast<char>(c2));
      if (c3 != std::char_traits<char>::eof()) s.prefix.push_back(static_cast<char>(c3));
      s.first = 0xEF;
      return s;
    }
  }
  while (c != std::char_traits<char>::eof()) {
    s.prefix.push_back(static_cast<char>(c));
    if (!IsJsonSpace(c)) {
      s.first = c;
      break;
    }
    c = in.get();
  }
  return s;
}

Result<References> LoadReferences(CatalogRepository& repo,
                                  const std::optional<ReferenceHint>& hint) {
  References refs;
  if (hint) {
    for (const std::string& id : hint->product_ids) {
      auto product = repo.GetProduct(id);
      if (!product.ok()) return product.status().WithContext("looking up products");
      if (product->has_value()) refs.product_ids.push_back(id);
    }
    for (const std::string& id : hint->store_ids) {
      auto store = repo.GetStore(id);
      if (!store.ok()) return store.status().WithContext("looking up stores");
      if (store->has_value()) {
        refs.store_ids.push_back(id);
        refs.zone_ids.push_back((*store)->price_zone);
      }
    }
    auto zones = repo.ListPriceZones();
    if (!zones.ok()) return zones.status().WithContext("loading price zones");
    for (const PriceZone& z : *zones) refs.zone_ids.push_back(z.id);
    for (auto* ids : {&refs.product_ids, &refs.store_ids, &refs.zone_ids}) {
      std::sort(ids->begin(), ids->end());
      ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
    }
    return refs;
  }
  auto products = repo.ListProductIds();
  if (!products.ok()) return products.status().WithContext("loading product ids");
  refs.product_ids = std::move(products).value();
  std::sort(refs.product_ids.begin(), refs.product_ids.end());
  auto stores = repo.ListAllStores();
  if (!stores.ok()) return stores.status().WithContext("loading stores");
  for (const Store& s : *stores) {
    refs.store_ids.push_back(s.id);
    refs.zone_ids.push_back(s.price_zone);
  }
  auto zones = repo.ListPriceZones();
  if (!zones.ok()) return zones.status().WithContext("loading price zones");
  for (const PriceZone& z : *zones) refs.zone_ids.push_back(z.id);
  for (auto* ids : {&refs.store_ids, &refs.zone_ids}) {
    std::sort(ids->begin(), ids->end());
    ids->erase(std::unique(ids->begin(), ids->end()), ids->end());
  }
  return refs;
}

template <typename Traits>
Result<ImportReport> RunImport(CatalogRepository& repo, ImportKind kind, std::istream& in,
                               const ImportOptions& options, uint64_t total_bytes) {
  using Entity = typename Traits::Entity;
  if (options.batch_size == 0) return Status::InvalidArgument("batch_size must be at least 1");
  ColumnResolver columns(kind);
  VITRINE_RETURN_IF_ERROR(columns.AddAliases(options.column_aliases));
  const MapContext ctx{options.clock ? options.clock->Now() : SystemClock::Instance().Now(),
                       options.time_zone ? options.time_zone : &TimeZone::Paris(),
                       options.default_currency};
  References refs;
  if constexpr (Traits::kNeedsReferences) {
    auto loaded = LoadReferences(repo, options.reference_hint);
    if (!loaded.ok())
      return loaded.status().WithContext("import " + std::string(ImportKindName(kind)));
    refs = std::move(loaded).value();
  }

  ImportReport report;
  report.kind = kind;
  report.strict = options.strict;
  Sniffed sniffed = Sniff(in);
  if (in.bad()) return Status::IoError("reading the import input failed");
  if (sniffed.first < 0) {
    report.format = options.format;
    report.errors.push_back({1, "", "empty input: no header and no rows", ""});
    return report;
  }
  report.format = options.format;
  if (report.format == ImportFormat::kAuto) {
    report.format = sniffed.first == '['   ? ImportFormat::kJson
                    : sniffed.first == '{' ? ImportFormat::kNdjson
                                           : ImportFormat::kCsv;
  }

  // Two batches in flight: one being written, one ready, while the next is being read.
  BatchQueue<Batch<Entity>> queue(2);
  RowProcessor<Traits> processor(columns, ctx, refs, options, queue);
  auto read_all = [&] {
    AdviseHugePagesForThisThread();  // a no-op unless the command prepared for bulk work
    Status stream_status;
    try {
      if (report.format == ImportFormat::kCsv) {
        ReadCsv(in, std::move(sniffed.prefix), options.csv_delimiter, columns, processor,
                &stream_status);
      } else {
        ByteInput input(in, std::move(sniffed.prefix));
        if (report.format == ImportFormat::kJson) {
          ReadJsonArray(input, columns, processor);
        } else {
          ReadNdjson(input, columns, processor);
        }
        stream_status = input.status();
      }
      processor.Finish();
    } catch (const std::exception& e) {
      stream_status = Status::Internal(std::string("reading the import failed: ") + e.what());
    }
    processor.report().stream_status = std::move(stream_status);
    queue.Close();
  };

  int64_t inserted = 0, updated = 0, unchanged = 0;
  int64_t landed = 0;
  auto notify = [&] {
    if (options.progress) options.progress(processor.bytes_read(), total_bytes);
  };
  // Writes every batch the reader produces, on this thread (Transaction() is per thread).
  auto write_all = [&]() -> Status {
    Batch<Entity> batch;
    while (queue.Pop(&batch)) {
      if (options.strict && processor.any_error()) continue;  // it will all roll back
      auto outcomes = Traits::Put(repo, std::span<const Entity>(batch.items), ctx.now);
      if (!outcomes.ok()) {
        return outcomes.status().WithContext(
            "writing the batch of lines " + std::to_string(batch.lines.front()) + "-" +
            std::to_string(batch.lines.back()) + " (" + std::to_string(landed) +
            " rows had landed before it)");
      }
      if (outcomes->size() != batch.items.size()) {
        return Status::Internal("the repository returned " + std::to_string(outcomes->size()) +
                                " outcomes for " + std::to_string(batch.items.size()) + " rows");
      }
      for (WriteOutcome o : *outcomes) {
        inserted += o == WriteOutcome::kInserted;
        updated += o == WriteOutcome::kUpdated;
        unchanged += o == WriteOutcome::kUnchanged;
      }
      landed += static_cast<int64_t>(batch.items.size());
      queue.GiveBack(std::exchange(batch, {}));
      notify();
    }
    return Status::Ok();
  };

  std::thread reader;
  try {
    reader = std::thread(read_all);
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("cannot start the import reader: ") + e.what());
  }
  // Whatever happens below, the reader is stopped and joined before the locals it uses die.
  struct Joiner {
    std::thread& thread;
    BatchQueue<Batch<Entity>>& queue;
    ~Joiner() {
      queue.Cancel();
      if (thread.joinable()) thread.join();
    }
  } joiner{reader, queue};

  bool rolled_back_for_errors = false;
  Status status;
  try {
    if (options.strict) {
      status = repo.Transaction([&]() -> Status {
        VITRINE_RETURN_IF_ERROR(write_all());
        if (reader.joinable()) reader.join();
        VITRINE_RETURN_IF_ERROR(processor.report().stream_status);
        if (processor.any_error()) {
          rolled_back_for_errors = true;
          return Status::FailedPrecondition("strict import: rows were rejected");
        }
        return Status::Ok();
      });
    } else {
      status = write_all();
    }
  } catch (const std::exception& e) {
    status = Status::Internal(std::string("import failed: ") + e.what());
  }
  queue.Cancel();
  if (reader.joinable()) reader.join();
  ReadReport& read = processor.report();
  const std::string context = "import " + std::string(ImportKindName(kind));
  if (!status.ok() && !rolled_back_for_errors) return status.WithContext(context);
  if (!read.stream_status.ok()) {
    return read.stream_status.WithContext(context + " (" + std::to_string(landed) +
                                          " rows had landed)");
  }
  notify();

  report.rows_read = read.rows_read;
  report.rejected = read.rejected;
  report.errors = std::move(read.errors);
  report.errors_not_listed = read.errors_not_listed;
  report.warnings = std::move(read.warnings);
  report.committed = !rolled_back_for_errors && !read.input_unusable;
  if (report.committed) {
    report.inserted = inserted;
    report.updated = updated;
    report.unchanged = unchanged;
  }
  return report;
}

Result<ImportReport> ImportWithTotal(CatalogRepository& repository, ImportKind kind,
                                     std::istream& in, const ImportOptions& options,
                                     uint64_t total_bytes) {
  switch (kind) {
    case ImportKind::kProducts:
      return RunImport<ProductTraits>(repository, kind, in, options, total_bytes);
    case ImportKind::kStores:
      return RunImport<StoreTraits>(repository, kind, in, options, total_bytes);
    case ImportKind::kPrices:
      return RunImport<PriceTraits>(repository, kind, in, options, total_bytes);
    case ImportKind::kStock:
      return RunImport<StockTraits>(repository, kind, in, options, total_bytes);
  }
  return Status::InvalidArgument("unknown import kind");
}

}  // namespace

std::string_view ImportKindName(ImportKind kind) {
  switch (kind) {
    case ImportKind::kProducts:
      return "products";
    case ImportKind::kStores:
      return "stores";
    case ImportKind::kPrices:
      return "prices";
    case ImportKind::kStock:
      return "stock";
  }
  return "unknown";
}

std::optional<ImportKind> ParseImportKind(std::string_view name) {
  for (ImportKind kind :
       {ImportKind::kProducts, ImportKind::kStores, ImportKind::kPrices, ImportKind::kStock}) {
    if (ImportKindName(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view ImportFormatName(ImportFormat format) {
  switch (format) {
    case ImportFormat::kAuto:
      return "auto";
    case ImportFormat::kCsv:
      return "csv";
    case ImportFormat::kJson:
      return "json";
    case ImportFormat::kNdjson:
      return "ndjson";
  }
  return "unknown";
}

std::optional<ImportFormat> ParseImportFormat(std::string_view name) {
  for (ImportFormat format :
       {ImportFormat::kAuto, ImportFormat::kCsv, ImportFormat::kJson, ImportFormat::kNdjson}) {
    if (ImportFormatName(format) == name) return format;
  }
  return std::nullopt;
}

std::vector<ImportColumn> ImportColumns(ImportKind kind) {
  const auto table = ColumnTable(kind);
  return {table.begin(), table.end()};
}

nlohmann::json ImportReport::ToJson() const {
  nlohmann::json error_list = nlohmann::json::array();
  for (const RowError& e : errors) {
    error_list.push_back(
        {{"line", e.line}, {"field", e.field}, {"reason", e.reason}, {"id", e.id}});
  }
  return {{"kind", ImportKindName(kind)},
          {"format", ImportFormatName(format)},
          {"strict", strict},
          {"committed", committed},
          {"rows_read", rows_read},
          {"inserted", inserted},
          {"updated", updated},
          {"unchanged", unchanged},
          {"rejected", rejected},
          {"errors", std::move(error_list)},
          {"errors_not_listed", errors_not_listed},
          {"warnings", warnings}};
}

Result<ImportReport> Import(CatalogRepository& repository, ImportKind kind, std::istream& in,
                            const ImportOptions& options) {
  // A seekable stream (file, string) tells its size, which progress bars want.
  uint64_t total = 0;
  const std::istream::pos_type here = in.tellg();
  if (here != std::istream::pos_type(-1)) {
    in.seekg(0, std::ios::end);
    const std::istream::pos_type end = in.tellg();
    if (end != std::istream::pos_type(-1) && end >= here) total = static_cast<uint64_t>(end - here);
    in.seekg(here);
  }
  in.clear(in.rdstate() & ~std::ios::failbit);
  return ImportWithTotal(repository, kind, in, options, total);
}

Result<ImportReport> ImportFile(CatalogRepository& repository, ImportKind kind,
                                const std::filesystem::path& path, const ImportOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::NotFound("import file " + path.string() + " does not exist");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + path.string() + " for reading");
  const uintmax_t size = std::filesystem::file_size(path, ec);
  return ImportWithTotal(repository, kind, in, options, ec ? 0 : static_cast<uint64_t>(size));
}

}  // namespace vitrine
