#include "store/migrations.h"
#include "sqlite_migrations.h"

#include <sqlite3.h>

#include <filesystem>

#include "common/time.h"
#include "sqlite_connection.h"

namespace vitrine {
namespace {

using store_internal::SqliteConnection;
using store_internal::SqliteError;

// Version 1: the catalogue. Notes on choices that are not obvious:
// - products.doc_id is an INTEGER PRIMARY KEY so the FTS rowids that point at it survive
//   VACUUM (the implicit rowid of a table keyed by TEXT may be renumbered); id stays the key
//   every other table references.
// - brand_key holds the case-folded brand, computed by the application, so the brand filter
//   is an index lookup without a custom SQL function.
// - Quantities are stored as the three integers Quantity is made of, so they round-trip
//   exactly; the unit is its feed symbol ("g", "cl", "ct").
// - prices.level is 0 national, 1 zone, 2 store (PriceLevel's order); level_id is '' for
//   national prices. zone_id/store_id repeat level_id for the level they name so that
//   foreign keys hold and deleting a store cascades to its store-level prices.
// - stock has no index on store_id on purpose: keeping one up to date made bulk stock imports
//   about 3x slower (random inserts into a second B-tree of a million rows), while the reads
//   that would use it (one store's stock, deleting a store) are rare or scan-friendly.
constexpr std::string_view kCatalogV1 = R"sql(
CREATE TABLE price_zones (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE products (
  doc_id INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  gtin TEXT,
  title TEXT NOT NULL,
  brand TEXT NOT NULL,
  brand_key TEXT NOT NULL,
  description TEXT NOT NULL,
  category TEXT NOT NULL,
  google_category TEXT NOT NULL,
  net_quantity_per_item_milli_base INTEGER,
  net_quantity_pack_count INTEGER,
  net_quantity_unit TEXT,
  unit_pricing_base_per_item_milli_base INTEGER,
  unit_pricing_base_pack_count INTEGER,
  unit_pricing_base_unit TEXT,
  image_url TEXT NOT NULL,
  perishable INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX products_by_id_nocase ON products(id COLLATE NOCASE);
CREATE INDEX products_by_gtin ON products(gtin);
CREATE INDEX products_by_brand ON products(brand_key);
CREATE INDEX products_by_category ON products(category);

CREATE VIRTUAL TABLE products_fts USING fts5(
  title, brand, description,
  content='products', content_rowid='doc_id',
  tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
  INSERT INTO products_fts(rowid, title, brand, description)
  VALUES (new.doc_id, new.title, new.brand, new.description);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
  INSERT INTO products_fts(products_fts, rowid, title, brand, description)
  VALUES ('delete', old.doc_id, old.title, old.brand, old.description);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF title, brand, description ON products BEGIN
  INSERT INTO products_fts(products_fts, rowid, title, brand, description)
  VALUES ('delete', old.doc_id, old.title, old.brand, old.description);
  INSERT INTO products_fts(rowid, title, brand, description)
  VALUES (new.doc_id, new.title, new.brand, new.description);
END;

CREATE TABLE stores (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  banner TEXT NOT NULL,
  address TEXT NOT NULL,
  postal_code TEXT NOT NULL,
  city TEXT NOT NULL,
  country TEXT NOT NULL,
  lat REAL NOT NULL,
  lon REAL NOT NULL,
  timezone TEXT NOT NULL,
  price_zone TEXT REFERENCES price_zones(id),
  services TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX stores_by_zone ON stores(price_zone);

CREATE TABLE prices (
  product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  level INTEGER NOT NULL CHECK (level IN (0, 1, 2)),
  level_id TEXT NOT NULL,
  zone_id TEXT REFERENCES price_zones(id),
  store_id TEXT REFERENCES stores(id) ON DELETE CASCADE,
  amount_minor INTEGER NOT NULL,
  currency TEXT NOT NULL,
  effective_from INTEGER NOT NULL,
  PRIMARY KEY (product_id, level, level_id, effective_from)
) WITHOUT ROWID;
CREATE INDEX prices_by_store ON prices(store_id);
CREATE INDEX prices_by_zone ON prices(zone_id);

CREATE TABLE stock (
  product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  store_id TEXT NOT NULL REFERENCES stores(id) ON DELETE CASCADE,
  quantity INTEGER NOT NULL,
  measured_at INTEGER NOT NULL,
  revision INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (product_id, store_id)
) WITHOUT ROWID;
)sql";

// Version 2: accounts and the audit log. Notes:
// - Roles are stored by RoleName, not by enum value, so reordering Role cannot silently
//   change anyone's rights; channel, created_by and request_id are '' when absent.
// - sessions.user_id has no foreign key: users are never deleted (they are disabled), and a
//   session of a disabled user is refused when it is used.
// - sessions_by_expiry serves the purge of expired sessions that CreateSession runs.
// - audit_log.seq is AUTOINCREMENT so a committed seq is never handed out again, even if the
//   newest entries were removed by hand (the hub never deletes any): a seq quoted in a report
//   or a before_seq cursor keeps naming one entry. before_json/after_json are NULL for a JSON
//   null. audit_by_entity serves "the history of this product", newest first.
constexpr std::string_view kAccountsV2 = R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  channel TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
) WITHOUT ROWID;
CREATE UNIQUE INDEX api_tokens_by_secret_hash ON api_tokens(secret_hash);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT,
  request_id TEXT NOT NULL
);
CREATE INDEX audit_by_entity ON audit_log(entity, entity_id, seq);
)sql";

// Version 3: campaigns, promotions and published offers. Notes:
// - Campaign scope, channels and theme, and a promotion's selector, mechanic parameters and
//   scope are JSON text: they are read and written whole, never filtered on in SQL.
//   start_local/end_local are wall-clock seconds (LocalTime), not UTC instants.
// - counters hands out campaign and promotion numbers and the offer seq; a MAX() would hand
//   the number of a deleted newest campaign out again.
// - offers.seq is the rowid: the change feed reads the table in its own order, and a first
//   publication appends to it without a separate seq index to maintain. A changed offer gets
//   a new seq, so its row moves to the end.
// - Money is in minor units with one currency per offer; channels are ",google,meta," so one
//   channel is an exact substring test. Tombstones keep their row (deleted = 1) so the feed
//   can still filter them by channel and a republished offer continues its version.
// - offers_by_store is partial (live offers only): it serves the API's listing of one
//   store, which never shows tombstones. offers_by_promotion serves ReplaceOffers reading
//   the scope it replaces.
constexpr std::string_view kOffersV3 = R"sql(
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  start_local INTEGER NOT NULL,
  end_local INTEGER NOT NULL,
  channels TEXT NOT NULL,
  scope TEXT NOT NULL,
  theme TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE promotions (
  id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  selector TEXT NOT NULL,
  mechanic TEXT NOT NULL,
  mechanic_parameters TEXT NOT NULL,
  priority INTEGER NOT NULL,
  exclusive INTEGER NOT NULL,
  scope TEXT,
  badge_override TEXT,
  legal_override TEXT,
  per_customer_limit INTEGER,
  version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX promotions_by_campaign ON promotions(campaign_id);

CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters(name, value) VALUES ('campaign', 0), ('promotion', 0), ('offer_seq', 0);

CREATE TABLE offers (
  seq INTEGER PRIMARY KEY,
  offer_id TEXT NOT NULL,
  store_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  promotion_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  category TEXT NOT NULL,
  channels TEXT NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_until INTEGER NOT NULL,
  timezone TEXT NOT NULL,
  currency TEXT NOT NULL,
  regular_minor INTEGER NOT NULL,
  shelf_minor INTEGER NOT NULL,
  effective_unit_minor INTEGER NOT NULL,
  unit_price_minor INTEGER,
  unit_pricing_base TEXT NOT NULL,
  reference_minor INTEGER,
  discount_percent INTEGER,
  mechanic TEXT NOT NULL,
  mechanic_parameters TEXT NOT NULL,
  loyalty_credit_minor INTEGER,
  badge TEXT NOT NULL,
  headline TEXT NOT NULL,
  legal TEXT NOT NULL,
  stock_quantity INTEGER NOT NULL,
  availability TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL
);
CREATE UNIQUE INDEX offers_by_key ON offers(offer_id, store_id);
CREATE INDEX offers_by_store ON offers(store_id, offer_id) WHERE deleted = 0;
CREATE INDEX offers_by_promotion ON offers(promotion_id, product_id);
)sql";

// Version 4: narrow offer rows. A national chain publishes millions of store-level offers
// that repeat the same few texts (category, channels, mechanic, badge, legal...): each text
// is now stored once in offer_texts and referenced by id from offer_records, and
// promotion_id / product_id are read back from offer_id ("PROMOTION~PRODUCT"). A row
// shrinks from about 330 to about 110 bytes, which is most of the cost of a full assembly.
// offers_by_promotion goes: a promotion's offers are the offer_id range "PROMOTION~" of
// offers_by_key. Readers keep the version 3 columns through the view `offers`; its LEFT
// JOINs on a unique key are left out by SQLite when a query does not use their column.
constexpr std::string_view kNarrowOffersV4 = R"sql(
CREATE TABLE offer_texts (
  id INTEGER PRIMARY KEY,
  text TEXT NOT NULL UNIQUE
);
INSERT INTO offer_texts(text)
  SELECT category FROM offers UNION SELECT channels FROM offers
  UNION SELECT timezone FROM offers UNION SELECT unit_pricing_base FROM offers
  UNION SELECT mechanic FROM offers UNION SELECT mechanic_parameters FROM offers
  UNION SELECT badge FROM offers UNION SELECT headline FROM offers
  UNION SELECT legal FROM offers UNION SELECT availability FROM offers;

CREATE TABLE offer_records (
  seq INTEGER PRIMARY KEY,
  offer_id TEXT NOT NULL,
  store_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  category_text INTEGER NOT NULL,
  channels_text INTEGER NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_until INTEGER NOT NULL,
  timezone_text INTEGER NOT NULL,
  currency TEXT NOT NULL,
  regular_minor INTEGER NOT NULL,
  shelf_minor INTEGER NOT NULL,
  effective_unit_minor INTEGER NOT NULL,
  unit_price_minor INTEGER,
  unit_pricing_base_text INTEGER NOT NULL,
  reference_minor INTEGER,
  discount_percent INTEGER,
  mechanic_text INTEGER NOT NULL,
  mechanic_parameters_text INTEGER NOT NULL,
  loyalty_credit_minor INTEGER,
  badge_text INTEGER NOT NULL,
  headline_text INTEGER NOT NULL,
  legal_text INTEGER NOT NULL,
  stock_quantity INTEGER NOT NULL,
  availability_text INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL
);
INSERT INTO offer_records
  SELECT o.seq, o.offer_id, o.store_id, o.campaign_id,
         (SELECT id FROM offer_texts WHERE text = o.category),
         (SELECT id FROM offer_texts WHERE text = o.channels),
         o.valid_from, o.valid_until,
         (SELECT id FROM offer_texts WHERE text = o.timezone),
         o.currency, o.regular_minor, o.shelf_minor, o.effective_unit_minor, o.unit_price_minor,
         (SELECT id FROM offer_texts WHERE text = o.unit_pricing_base),
         o.reference_minor, o.discount_percent,
         (SELECT id FROM offer_texts WHERE text = o.mechanic),
         (SELECT id FROM offer_texts WHERE text = o.mechanic_parameters),
         o.loyalty_credit_minor,
         (SELECT id FROM offer_texts WHERE text = o.badge),
         (SELECT id FROM offer_texts WHERE text = o.headline),
         (SELECT id FROM offer_texts WHERE text = o.legal),
         o.stock_quantity,
         (SELECT id FROM offer_texts WHERE text = o.availability),
         o.content_hash, o.version, o.deleted
  FROM offers o ORDER BY o.seq;
DROP TABLE offers;
CREATE UNIQUE INDEX offers_by_key ON offer_records(offer_id, store_id);
CREATE INDEX offers_by_store ON offer_records(store_id, offer_id) WHERE deleted = 0;

CREATE VIEW offers AS
  SELECT o.seq, o.offer_id, o.store_id, o.campaign_id,
         substr(o.offer_id, 1, instr(o.offer_id, '~') - 1) AS promotion_id,
         substr(o.offer_id, instr(o.offer_id, '~') + 1) AS product_id,
         category.text AS category, channels.text AS channels, o.valid_from, o.valid_until,
         timezone.text AS timezone, o.currency, o.regular_minor, o.shelf_minor,
         o.effective_unit_minor, o.unit_price_minor, base.text AS unit_pricing_base,
         o.reference_minor, o.discount_percent, mechanic.text AS mechanic,
         parameters.text AS mechanic_parameters, o.loyalty_credit_minor, badge.text AS badge,
         headline.text AS headline, legal.text AS legal, o.stock_quantity,
         availability.text AS availability, o.content_hash, o.version, o.deleted
  FROM offer_records o
  LEFT JOIN offer_texts category ON category.id = o.category_text
  LEFT JOIN offer_texts channels ON channels.id = o.channels_text
  LEFT JOIN offer_texts timezone ON timezone.id = o.timezone_text
  LEFT JOIN offer_texts base ON base.id = o.unit_pricing_base_text
  LEFT JOIN offer_texts mechanic ON mechanic.id = o.mechanic_text
  LEFT JOIN offer_texts parameters ON parameters.id = o.mechanic_parameters_text
  LEFT JOIN offer_texts badge ON badge.id = o.badge_text
  LEFT JOIN offer_texts headline ON headline.id = o.headline_text
  LEFT JOIN offer_texts legal ON legal.id = o.legal_text
  LEFT JOIN offer_texts availability ON availability.id = o.availability_text;
)sql";

// Version 5: an offer's content is stored once per variant, not once per store. The offers
// of one promotion and product differ between stores only by their stock as long as the
// stores share a price timeline (a price zone), so offer_variants holds the content of each
// (offer, price group) and offer_records keeps per store what is the store's own: stock,
// availability, content hash, version, seq. A full assembly of 2,000,000 store offers then
// writes about 40,000 variants, and rows of about 60 bytes instead of 110. Variants are
// found again by variant_hash (VariantHash, offers/published_offer.h). A migrated row gets a
// variant of its own under a hash no new variant has ("v4:" seq); its content_hash, computed
// by the previous definition, makes the next assembly publish it once more.
constexpr std::string_view kOfferVariantsV5 = R"sql(
DROP VIEW offers;
CREATE TABLE offer_variants (
  id INTEGER PRIMARY KEY,
  variant_hash TEXT NOT NULL UNIQUE,
  campaign_id TEXT NOT NULL,
  category_text INTEGER NOT NULL,
  channels_text INTEGER NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_until INTEGER NOT NULL,
  timezone_text INTEGER NOT NULL,
  currency TEXT NOT NULL,
  regular_minor INTEGER NOT NULL,
  shelf_minor INTEGER NOT NULL,
  effective_unit_minor INTEGER NOT NULL,
  unit_price_minor INTEGER,
  unit_pricing_base_text INTEGER NOT NULL,
  reference_minor INTEGER,
  discount_percent INTEGER,
  mechanic_text INTEGER NOT NULL,
  mechanic_parameters_text INTEGER NOT NULL,
  loyalty_credit_minor INTEGER,
  badge_text INTEGER NOT NULL,
  headline_text INTEGER NOT NULL,
  legal_text INTEGER NOT NULL
);
INSERT INTO offer_variants
  SELECT seq, 'v4:' || seq, campaign_id, category_text, channels_text, valid_from, valid_until,
         timezone_text, currency, regular_minor, shelf_minor, effective_unit_minor,
         unit_price_minor, unit_pricing_base_text, reference_minor, discount_percent,
         mechanic_text, mechanic_parameters_text, loyalty_credit_minor, badge_text,
         headline_text, legal_text
  FROM offer_records;
CREATE TABLE offer_store_records (
  seq INTEGER PRIMARY KEY,
  offer_id TEXT NOT NULL,
  store_id TEXT NOT NULL,
  variant INTEGER NOT NULL,
  stock_quantity INTEGER NOT NULL,
  availability TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL
);
INSERT INTO offer_store_records
  SELECT o.seq, o.offer_id, o.store_id, o.seq, o.stock_quantity, a.text, o.content_hash,
         o.version, o.deleted
  FROM offer_records o JOIN offer_texts a ON a.id = o.availability_text ORDER BY o.seq;
DROP TABLE offer_records;
ALTER TABLE offer_store_records RENAME TO offer_records;
CREATE UNIQUE INDEX offers_by_key ON offer_records(offer_id, store_id);
CREATE INDEX offers_by_store ON offer_records(store_id, offer_id) WHERE deleted = 0;

CREATE VIEW offers AS
  SELECT o.seq, o.offer_id, o.store_id, v.campaign_id,
         substr(o.offer_id, 1, instr(o.offer_id, '~') - 1) AS promotion_id,
         substr(o.offer_id, instr(o.offer_id, '~') + 1) AS product_id,
         category.text AS category, channels.text AS channels, v.valid_from, v.valid_until,
         timezone.text AS timezone, v.currency, v.regular_minor, v.shelf_minor,
         v.effective_unit_minor, v.unit_price_minor, base.text AS unit_pricing_base,
         v.reference_minor, v.discount_percent, mechanic.text AS mechanic,
         parameters.text AS mechanic_parameters, v.loyalty_credit_minor, badge.text AS badge,
         headline.text AS headline, legal.text AS legal, o.stock_quantity, o.availability,
         o.content_hash, o.version, o.deleted
  FROM offer_records o
  JOIN offer_variants v ON v.id = o.variant
  LEFT JOIN offer_texts category ON category.id = v.category_text
  LEFT JOIN offer_texts channels ON channels.id = v.channels_text
  LEFT JOIN offer_texts timezone ON timezone.id = v.timezone_text
  LEFT JOIN offer_texts base ON base.id = v.unit_pricing_base_text
  LEFT JOIN offer_texts mechanic ON mechanic.id = v.mechanic_text
  LEFT JOIN offer_texts parameters ON parameters.id = v.mechanic_parameters_text
  LEFT JOIN offer_texts badge ON badge.id = v.badge_text
  LEFT JOIN offer_texts headline ON headline.id = v.headline_text
  LEFT JOIN offer_texts legal ON legal.id = v.legal_text;
)sql";

// Version 6: the change log (catalog/change_log.h). One row per write call, its keys joined
// by newlines: a 200,000-row stock batch is one row, not 200,000, so imports keep their
// pace. AUTOINCREMENT so that ids are never reused once old entries are pruned. The first
// entry asks for a full assembly: offers of a database written by an older binary may lag
// behind writes that binary never propagated (a `vitrine import` from the command line).
constexpr char kChangeLogV6[] = R"sql(
CREATE TABLE change_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind INTEGER NOT NULL,
  keys TEXT NOT NULL
);
CREATE TABLE change_consumers (
  name TEXT PRIMARY KEY,
  applied_id INTEGER NOT NULL
);
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
INSERT INTO change_log(kind, keys) SELECT 5, '' WHERE EXISTS (SELECT 1 FROM offer_records);
)sql";

// Version 7: a promotion may publish several successive offers per product and store, one
// per stretch of time over which it offers the same (published_offer.h, OfferIdParts): the
// later ones' ids end in "~" + their local start, so the view reads the product id up to
// that suffix. Overlaps are now resolved on time intervals: the entry asks the next
// assembly to redo every offer.
constexpr char kOfferSegmentsV7[] = R"sql(
DROP VIEW offers;
CREATE VIEW offers AS
  SELECT o.seq, o.offer_id, o.store_id, v.campaign_id,
         substr(o.offer_id, 1, instr(o.offer_id, '~') - 1) AS promotion_id,
         CASE instr(substr(o.offer_id, instr(o.offer_id, '~') + 1), '~')
           WHEN 0 THEN substr(o.offer_id, instr(o.offer_id, '~') + 1)
           ELSE substr(o.offer_id, instr(o.offer_id, '~') + 1,
                       instr(substr(o.offer_id, instr(o.offer_id, '~') + 1), '~') - 1)
         END AS product_id,
         category.text AS category, channels.text AS channels, v.valid_from, v.valid_until,
         timezone.text AS timezone, v.currency, v.regular_minor, v.shelf_minor,
         v.effective_unit_minor, v.unit_price_minor, base.text AS unit_pricing_base,
         v.reference_minor, v.discount_percent, mechanic.text AS mechanic,
         parameters.text AS mechanic_parameters, v.loyalty_credit_minor, badge.text AS badge,
         headline.text AS headline, legal.text AS legal, o.stock_quantity, o.availability,
         o.content_hash, o.version, o.deleted
  FROM offer_records o
  JOIN offer_variants v ON v.id = o.variant
  LEFT JOIN offer_texts category ON category.id = v.category_text
  LEFT JOIN offer_texts channels ON channels.id = v.channels_text
  LEFT JOIN offer_texts timezone ON timezone.id = v.timezone_text
  LEFT JOIN offer_texts base ON base.id = v.unit_pricing_base_text
  LEFT JOIN offer_texts mechanic ON mechanic.id = v.mechanic_text
  LEFT JOIN offer_texts parameters ON parameters.id = v.mechanic_parameters_text
  LEFT JOIN offer_texts badge ON badge.id = v.badge_text
  LEFT JOIN offer_texts headline ON headline.id = v.headline_text
  LEFT JOIN offer_texts legal ON legal.id = v.legal_text;
INSERT INTO change_log(kind, keys) SELECT 5, '' WHERE EXISTS (SELECT 1 FROM offer_records);
)sql";

// Version 8: a promotion's optional name, the label messages for people call it by.
constexpr char kPromotionNameV8[] = "ALTER TABLE promotions ADD COLUMN name TEXT;";

// Version 9: the product writes (SqliteDatabase::PutProducts) keep products_fts in step
// themselves, once per transaction, instead of the insert and update triggers: FTS5 writes
// its pending terms to a new segment at every statement that writes, so the triggers made
// an import batch leave dozens of small segments to merge, which cost more than the rest of
// the row. The delete trigger stays: a delete is one row and one statement anyway.
constexpr char kSearchIndexV9[] = R"sql(
DROP TRIGGER products_fts_insert;
DROP TRIGGER products_fts_update;
)sql";

// Version 10: revisions of approved campaigns and the four-eyes rule (offers/campaign.h).
// - campaigns.authorship is JSON {"created_by", "edited_by", "last_review"}: read and written
//   whole with the row. Campaigns created before it get their creator from the audit log.
// - A pending revision is kept whole as the JSON of ToJson(CampaignRevision), one row per
//   campaign; campaign_revision_promotions indexes its promotion ids, so that a promotion
//   that exists only in a revision is found by its id. Both go with their campaign.
constexpr char kCampaignRevisionsV10[] = R"sql(
ALTER TABLE campaigns ADD COLUMN authorship TEXT NOT NULL DEFAULT '{}';
UPDATE campaigns SET authorship = json_object('created_by', (
  SELECT a.actor FROM audit_log a
  WHERE a.entity = 'campaign' AND a.action = 'create' AND a.entity_id = campaigns.id
  ORDER BY a.seq LIMIT 1));
CREATE TABLE campaign_revisions (
  campaign_id TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  revision TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE campaign_revision_promotions (
  promotion_id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL REFERENCES campaign_revisions(campaign_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX campaign_revision_promotions_by_campaign
  ON campaign_revision_promotions(campaign_id);
)sql";

// Version 11: a lighter search index. Product search only asks whether a row holds every
// token of the query as a prefix (ListProducts): no phrase, column filter, NEAR or rank. So
// products_fts keeps neither positions and columns (detail=none) nor each row's token counts
// (columnsize=0, which bm25 alone reads), and an import writes a third less per product:
// no products_fts_docsize row, no position lists.
constexpr char kLighterSearchIndexV11[] = R"sql(
DROP TRIGGER products_fts_delete;
DROP TABLE products_fts;
CREATE VIRTUAL TABLE products_fts USING fts5(
  title, brand, description,
  content='products', content_rowid='doc_id',
  tokenize='unicode61 remove_diacritics 2',
  detail=none, columnsize=0
);
INSERT INTO products_fts(products_fts) VALUES ('rebuild');
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
  INSERT INTO products_fts(products_fts, rowid, title, brand, description)
  VALUES ('delete', old.doc_id, old.title, old.brand, old.description);
END;
)sql";

// The feed-pull log: one row per download of a feed, and the newest pull of each (feed,
// platform) kept beside it, so the feed list reads a handful of rows rather than the log.
constexpr char kFeedPullsV12[] = R"sql(
CREATE TABLE feed_pulls (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  feed TEXT NOT NULL,
  platform TEXT NOT NULL,
  actor TEXT NOT NULL,
  status INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  etag TEXT NOT NULL,
  saw_latest INTEGER NOT NULL
);
CREATE INDEX feed_pulls_by_feed ON feed_pulls(feed, seq);
CREATE INDEX feed_pulls_by_platform ON feed_pulls(platform, seq);
CREATE TABLE feed_pull_latest (
  feed TEXT NOT NULL,
  platform TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (feed, platform)
) WITHOUT ROWID;
)sql";

// Version 13: what the dashboard reads instead of the offers. offer_counts holds the live
// offers per store, campaign, channel list and availability, kept by every offer write in its
// own transaction (a few hundred rows change per write, whatever the number of offers);
// assembly_runs holds the assembly calls of the last day, whose offers make the change
// feed's rate per minute.
constexpr char kOfferCountsV13[] = R"sql(
CREATE TABLE offer_counts (
  store_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  channels TEXT NOT NULL,
  availability TEXT NOT NULL,
  offers INTEGER NOT NULL,
  PRIMARY KEY (store_id, campaign_id, channels, availability)
) WITHOUT ROWID;
INSERT INTO offer_counts
  SELECT o.store_id, v.campaign_id, t.text, o.availability, count(*)
  FROM offer_records o
  JOIN offer_variants v ON v.id = o.variant
  JOIN offer_texts t ON t.id = v.channels_text
  WHERE o.deleted = 0
  GROUP BY 1, 2, 3, 4;
CREATE TABLE assembly_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  offers_written INTEGER NOT NULL
);
CREATE INDEX assembly_runs_by_time ON assembly_runs(at);
)sql";

// Version 14: the outbound side (catalog/outbound.h). Notes:
// - A destination's string lists are JSON arrays, as stores.services; kinds and delivery
//   states are stored by name, so reordering the enums cannot change a stored row.
// - deliveries.destination_id has no foreign key: a deleted destination's deliveries stay,
//   cancelled, so the log still shows them. AUTOINCREMENT so that ids keep increasing once
//   old deliveries are pruned. `replay` marks the next attempt as made after a replay.
// - deliveries_owed (partial: pending and in flight) finds each destination's oldest owed
//   delivery in one seek however long its history; deliveries_due finds the due ones.
// - Source runs go with their source (ON DELETE CASCADE).
constexpr char kOutboundV14[] = R"sql(
CREATE TABLE destinations (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  channels TEXT NOT NULL,
  campaign_ids TEXT NOT NULL,
  store_ids TEXT NOT NULL,
  batch_seconds INTEGER NOT NULL,
  feed TEXT NOT NULL,
  method TEXT NOT NULL,
  schedule_seconds INTEGER NOT NULL,
  username TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  credential_file TEXT NOT NULL,
  host_key_sha256 TEXT NOT NULL,
  disable_after_seconds INTEGER NOT NULL,
  enabled INTEGER NOT NULL,
  disabled_reason TEXT NOT NULL,
  failing_since INTEGER,
  offer_seq INTEGER NOT NULL,
  audit_seq INTEGER NOT NULL,
  feed_etag TEXT NOT NULL,
  next_batch_at INTEGER NOT NULL,
  last_delivered_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  destination_id TEXT NOT NULL,
  message_id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL,
  seq_from INTEGER NOT NULL,
  seq_to INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL,
  lease_owner TEXT NOT NULL,
  last_status INTEGER NOT NULL,
  last_error TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  replay INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_due ON deliveries(state, next_at);
CREATE INDEX deliveries_by_destination ON deliveries(destination_id, id);
CREATE INDEX deliveries_owed ON deliveries(destination_id, id)
  WHERE state IN ('pending', 'inflight');

CREATE TABLE delivery_attempts (
  delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  http_status INTEGER NOT NULL,
  error TEXT NOT NULL,
  response_excerpt TEXT NOT NULL,
  replay INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
) WITHOUT ROWID;

CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  format TEXT NOT NULL,
  url TEXT NOT NULL,
  interval_seconds INTEGER NOT NULL,
  username TEXT NOT NULL,
  secret_sealed TEXT NOT NULL,
  credential_file TEXT NOT NULL,
  host_key_sha256 TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified TEXT NOT NULL,
  remote_mtime INTEGER NOT NULL,
  remote_size INTEGER NOT NULL,
  next_run_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE source_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
  trigger TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  error TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE INDEX source_runs_by_source ON source_runs(source_id, id);
)sql";

constexpr SchemaMigration kMigrations[] = {
    {1, "catalog: products, stores, price zones, prices, stock", kCatalogV1},
    {2, "accounts: users, API tokens, sessions; audit log", kAccountsV2},
    {3, "offers: campaigns, promotions, published offers and their change feed", kOffersV3},
    {4, "offers: narrow rows, their texts stored once", kNarrowOffersV4},
    {5, "offers: content stored once per variant, stock per store", kOfferVariantsV5},
    {6, "change log: what every write changed, its consumers and leases", kChangeLogV6},
    {7, "offers: successive offers of one promotion per product and store", kOfferSegmentsV7},
    {8, "offers: promotion names", kPromotionNameV8},
    {9, "catalog: the product writes keep the search index in step", kSearchIndexV9},
    {10, "campaigns: pending revisions of approved campaigns, authors and last review",
     kCampaignRevisionsV10},
    {11, "catalog: a search index without positions or row sizes", kLighterSearchIndexV11},
    {12, "feeds: the log of feed pulls and the newest pull per feed and platform", kFeedPullsV12},
    {13,
     "offers: live offers counted per store, campaign, channels and availability; assembly runs",
     kOfferCountsV13},
    {14, "outbound: destinations, the delivery outbox and its attempts, sources and their runs",
     kOutboundV14},
};

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

Status NewerSchema(int current) {
  return Status::FailedPrecondition("the database schema is at version " + std::to_string(current) +
                                    ", newer than this binary knows (" +
                                    std::to_string(LatestSchemaVersion()) +
                                    "); use a newer vitrine");
}

}  // namespace

std::span<const SchemaMigration> CatalogMigrations() { return kMigrations; }

int LatestSchemaVersion() { return std::end(kMigrations)[-1].version; }

Result<int> CurrentSchemaVersion(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  // Prepared by hand rather than cached: it runs once per open, and the table may not exist.
  const char* kExists =
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
  if (sqlite3_prepare_v2(db, kExists, -1, &stmt, nullptr) != SQLITE_OK) {
    return SqliteError(db, "read schema version");
  }
  int rc = sqlite3_step(stmt);
  const bool exists = rc == SQLITE_ROW && sqlite3_column_int(stmt, 0) > 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return SqliteError(db, "read schema version");
  if (!exists) return 0;
  if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1, &stmt,
                         nullptr) != SQLITE_OK) {
    return SqliteError(db, "read schema version");
  }
  rc = sqlite3_step(stmt);
  const int version = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW) return SqliteError(db, "read schema version");
  return version;
}

Result<int> Migrate(sqlite3* db) {
  auto exec = [db](std::string_view sql) -> Status {
    if (sqlite3_exec(db, std::string(sql).c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return SqliteError(db, "migrate");
    }
    return Status::Ok();
  };
  // IMMEDIATE takes the write lock before reading the version, so two processes migrating
  // at once cannot both apply the same step.
  VITRINE_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status status) -> Result<int> {
    (void)exec("ROLLBACK");
    return status;
  };
  if (Status s = exec(kCreateMigrationsTable); !s.ok()) return fail(std::move(s));
  Result<int> current = CurrentSchemaVersion(db);
  if (!current.ok()) return fail(current.status());
  if (*current > LatestSchemaVersion()) return fail(NewerSchema(*current));

  int applied = 0;
  const int64_t now = ToUnixSeconds(SystemClock::Instance().Now());
  for (const SchemaMigration& m : kMigrations) {
    if (m.version <= *current) continue;
    if (Status s = exec(m.sql); !s.ok()) {
      return fail(s.WithContext("migration " + std::to_string(m.version)));
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO schema_migrations(version, name, applied_at) "
                           "VALUES (?, ?, ?)",
                           -1, &stmt, nullptr) != SQLITE_OK) {
      return fail(SqliteError(db, "record migration"));
    }
    sqlite3_bind_int(stmt, 1, m.version);
    sqlite3_bind_text(stmt, 2, m.name.data(), static_cast<int>(m.name.size()), SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, now);
    const int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) return fail(SqliteError(db, "record migration"));
    ++applied;
  }
  if (Status s = exec("COMMIT"); !s.ok()) return fail(std::move(s));
  return applied;
}

Result<int> CurrentSchemaVersion(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return 0;
  Result<std::unique_ptr<SqliteConnection>> conn =
      SqliteConnection::Open(path, SQLITE_OPEN_READONLY, 5000);
  if (!conn.ok()) return conn.status();
  return CurrentSchemaVersion((*conn)->db());
}

Result<int> Migrate(const std::string& path) {
  Result<std::unique_ptr<SqliteConnection>> conn =
      SqliteConnection::Open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 5000);
  if (!conn.ok()) return conn.status();
  // The catalogue runs in WAL mode; setting it here too means a database created by
  // `vitrine migrate` is in the same mode as one created by SqliteDatabase::Open.
  VITRINE_RETURN_IF_ERROR((*conn)->Exec("PRAGMA journal_mode=WAL"));
  return Migrate((*conn)->db());
}

}  // namespace vitrine
