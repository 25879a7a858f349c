// Product text as the feed writers put it into XML: CleanFeedText, CutAtWord / FeedText and
// AppendXmlEscaped, in an element and in an attribute, as a hostile title, brand or
// description would arrive from an import. The first byte sets the length limit (0-255
// characters); the rest is the text.
// Oracle: libxml2 reads the document as well-formed XML with the text unchanged, the text
// is valid UTF-8 within the limit, without control characters, and cleaning is idempotent.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "feeds/feed_text.h"
#include "fuzz_check.h"

namespace {

void Silent(void*, const char*, ...) {}

// The text content of the root element and its attribute `a`, or nullopt when libxml2
// does not read `document` as well-formed XML.
bool ReadBack(const std::string& document, std::string* element, std::string* attribute) {
  xmlDocPtr doc = xmlReadMemory(document.data(), static_cast<int>(document.size()), "feed.xml",
                                "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == nullptr) return false;
  xmlNodePtr root = xmlDocGetRootElement(doc);
  xmlChar* content = xmlNodeGetContent(root);
  xmlChar* value = xmlGetProp(root, reinterpret_cast<const xmlChar*>("a"));
  *element = content ? reinterpret_cast<const char*>(content) : "";
  *attribute = value ? reinterpret_cast<const char*>(value) : "";
  xmlFree(content);
  xmlFree(value);
  xmlFreeDoc(doc);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 8 * 1024) return 0;
  static const bool initialised = [] {
    xmlInitParser();
    xmlSetGenericErrorFunc(nullptr, Silent);
    return true;
  }();
  (void)initialised;
  const size_t max_chars = data[0];
  const std::string_view raw(reinterpret_cast<const char*>(data + 1), size - 1);

  const std::string clean = vitrine::CleanFeedText(raw);
  FUZZ_CHECK(fuzz::IsValidUtf8(clean), "cleaned text is not UTF-8");
  FUZZ_CHECK(vitrine::CleanFeedText(clean) == clean, "cleaning twice changes the text");
  for (unsigned char c : clean) {
    FUZZ_CHECK(c >= 0x20 && c != 0x7F, "control character 0x%02x kept", c);
  }
  FUZZ_CHECK(clean.empty() || (clean.front() != ' ' && clean.back() != ' '), "edge space kept");
  FUZZ_CHECK(clean.find("  ") == std::string::npos, "double space kept");

  const std::string text = vitrine::FeedText(raw, max_chars);
  FUZZ_CHECK(vitrine::CountCodePoints(text) <= max_chars, "%zu characters over %zu",
             vitrine::CountCodePoints(text), max_chars);
  FUZZ_CHECK(clean.compare(0, text.size(), text) == 0, "the cut is not a prefix");
  FUZZ_CHECK(fuzz::IsValidUtf8(text), "cut text is not UTF-8");

  std::string document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<title a=\"";
  vitrine::AppendXmlEscaped(text, &document);
  document += "\">";
  vitrine::AppendXmlEscaped(text, &document);
  document += "</title>\n";
  std::string element;
  std::string attribute;
  FUZZ_CHECK(ReadBack(document, &element, &attribute), "not well-formed XML: %s", document.c_str());
  FUZZ_CHECK(element == text && attribute == text, "XML reads back \"%s\" / \"%s\" for \"%s\"",
             element.c_str(), attribute.c_str(), text.c_str());
  return 0;
}
