#include "feeds/sample.h"

#include <libxml/xmlreader.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/csv.h"

namespace vitrine {
namespace {

Status Gone(const std::string& path) {
  return Status::NotFound("the snapshot file " + path + " is gone (a newer one replaced it)");
}

std::string Joined(const std::vector<std::string>& path, std::string_view leaf = {}) {
  std::string name;
  for (const std::string& part : path) {
    if (!name.empty()) name += '/';
    name += part;
  }
  if (!leaf.empty()) {
    if (!name.empty()) name += '/';
    name += leaf;
  }
  return name;
}

// XML feeds: the elements named `item_name`, their attributes and the text of every element
// inside them, read with libxml2's streaming reader (no network, no entity expansion).
Result<std::vector<FeedSampleItem>> XmlSample(const std::string& path, std::string_view item_name,
                                              int limit) {
  std::unique_ptr<xmlTextReader, decltype(&xmlFreeTextReader)> reader(
      xmlReaderForFile(path.c_str(), nullptr,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
      xmlFreeTextReader);
  if (!reader) return Gone(path);
  std::vector<FeedSampleItem> items;
  FeedSampleItem* item = nullptr;
  int item_depth = -1;
  std::vector<std::string> inside;  // element names below the item
  auto text = [](const xmlChar* s) { return std::string(reinterpret_cast<const char*>(s)); };
  int read;
  while ((read = xmlTextReaderRead(reader.get())) == 1) {
    const int type = xmlTextReaderNodeType(reader.get());
    const int depth = xmlTextReaderDepth(reader.get());
    if (type == XML_READER_TYPE_ELEMENT) {
      const std::string name = text(xmlTextReaderConstName(reader.get()));
      const bool empty = xmlTextReaderIsEmptyElement(reader.get()) == 1;
      if (item == nullptr) {
        if (xmlTextReaderConstLocalName(reader.get()) == nullptr ||
            text(xmlTextReaderConstLocalName(reader.get())) != item_name) {
          continue;
        }
        item = &items.emplace_back();
        item_depth = depth;
        inside.clear();
      } else {
        inside.push_back(name);
      }
      while (xmlTextReaderMoveToNextAttribute(reader.get()) == 1) {
        item->push_back({Joined(inside, "@" + text(xmlTextReaderConstName(reader.get()))),
                         text(xmlTextReaderConstValue(reader.get()))});
      }
      xmlTextReaderMoveToElement(reader.get());
      if (empty && depth > item_depth) inside.pop_back();
      if (empty && depth == item_depth) {
        item = nullptr;
        if (static_cast<int>(items.size()) == limit) break;
      }
    } else if (item != nullptr && (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA)) {
      item->push_back({Joined(inside), text(xmlTextReaderConstValue(reader.get()))});
    } else if (item != nullptr && type == XML_READER_TYPE_END_ELEMENT) {
      if (depth == item_depth) {
        item = nullptr;
        if (static_cast<int>(items.size()) == limit) break;
      } else if (!inside.empty()) {
        inside.pop_back();
      }
    }
  }
  if (read == -1) {
    const xmlError* error = xmlGetLastError();
    return Status::Internal("the snapshot " + path + " does not parse as XML" +
                            (error && error->message ? std::string(": ") + error->message : ""));
  }
  return items;
}

// The leaflet JSON: the objects of the "offers" arrays, nested values flattened by path.
class OffersSax : public nlohmann::json::json_sax_t {
 public:
  explicit OffersSax(int limit) : limit_(limit) {}
  std::vector<FeedSampleItem> items;

  bool null() override { return Value("null"); }
  bool boolean(bool v) override { return Value(v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override { return Value(std::to_string(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Value(std::to_string(v)); }
  bool number_float(number_float_t, const string_t& text) override { return Value(text); }
  bool string(string_t& v) override { return Value(v); }
  bool binary(binary_t&) override { return Value(""); }
  bool start_object(std::size_t) override {
    frames_.push_back({false, TakeKey()});
    if (in_item_ == 0 && frames_.size() >= 2 && frames_[frames_.size() - 2].array &&
        frames_[frames_.size() - 2].name == "offers") {
      items.emplace_back();
      in_item_ = frames_.size();
    } else if (in_item_ > 0) {
      path_.push_back(frames_.back().name);
    }
    return true;
  }
  bool end_object() override {
    const size_t depth = frames_.size();
    frames_.pop_back();
    if (in_item_ == depth) {
      in_item_ = 0;
      return static_cast<int>(items.size()) < limit_;  // false stops the parse: enough
    }
    if (in_item_ > 0 && !path_.empty()) path_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    frames_.push_back({true, TakeKey()});
    if (in_item_ > 0) path_.push_back(frames_.back().name);
    return true;
  }
  bool end_array() override {
    frames_.pop_back();
    if (in_item_ > 0 && !path_.empty()) path_.pop_back();
    return true;
  }
  bool key(string_t& k) override {
    key_ = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::json::exception& e) override {
    error_ = e.what();
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  struct Frame {
    bool array;
    std::string name;  // the key it is the value of ("" in an array)
  };
  std::string TakeKey() { return std::exchange(key_, std::string()); }
  bool Value(std::string v) {
    if (in_item_ == 0) return true;
    FeedSampleItem& item = items.back();
    // The values of an array ("stores": ["S1", "S2"]) make one field: "S1, S2".
    if (!frames_.empty() && frames_.back().array && !item.empty() &&
        item.back().name == Joined(path_)) {
      item.back().value += ", " + v;
      return true;
    }
    item.push_back({Joined(path_, TakeKey()), std::move(v)});
    return true;
  }

  int limit_;
  std::vector<Frame> frames_;
  std::vector<std::string> path_;  // keys below the item
  std::string key_;
  size_t in_item_ = 0;  // frames_.size() of the item being read; 0 outside items
  std::string error_;
};

Result<std::vector<FeedSampleItem>> JsonSample(const std::string& path, int limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Gone(path);
  OffersSax sax(limit);
  nlohmann::json::sax_parse(in, &sax);
  if (!sax.error().empty()) {
    return Status::Internal("the snapshot " + path + " does not parse as JSON: " + sax.error());
  }
  return std::move(sax.items);
}

Result<std::vector<FeedSampleItem>> CsvSample(const std::string& path, int limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Gone(path);
  CsvOptions options;
  options.delimiter = ',';
  CsvReader reader(in, options);
  CsvRecord record;
  std::vector<std::string> header;
  if (reader.Next(&record) && record.ok())
    header.assign(record.fields.begin(), record.fields.end());
  std::vector<FeedSampleItem> items;
  while (static_cast<int>(items.size()) < limit && reader.Next(&record)) {
    if (!record.ok()) {
      return Status::Internal("the snapshot " + path + ", line " + std::to_string(record.line) +
                              ": " + record.error_message);
    }
    FeedSampleItem& item = items.emplace_back();
    for (size_t i = 0; i < record.fields.size(); ++i) {
      item.push_back({i < header.size() ? header[i] : "column " + std::to_string(i + 1),
                      std::string(record.fields[i])});
    }
  }
  if (!reader.status().ok()) return reader.status();
  return items;
}

}  // namespace

Result<std::vector<FeedSampleItem>> ReadFeedSample(FeedFormat format, const std::string& path,
                                                   int limit) {
  if (limit < 1 || limit > 100) return Status::InvalidArgument("limit must be between 1 and 100");
  switch (format) {
    case FeedFormat::kGoogleProducts:
    case FeedFormat::kGoogleLocalInventory:
    case FeedFormat::kGooglePromotions:
    case FeedFormat::kMetaCatalog:
      return XmlSample(path, "item", limit);
    case FeedFormat::kLeafletXml:
      return XmlSample(path, "offer", limit);
    case FeedFormat::kLeafletJson:
      return JsonSample(path, limit);
    case FeedFormat::kOffersCsv:
      return CsvSample(path, limit);
  }
  return Status::InvalidArgument("unknown feed format");
}

}  // namespace vitrine
