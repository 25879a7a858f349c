#include "feed_validation.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <array>
#include <cstdio>
#include <filesystem>

namespace vitrine::testing {
namespace {

// Runs `command` with stderr folded into stdout; returns its exit code and output.
int Run(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> chunk;
  size_t n;
  while ((n = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) output->append(chunk.data(), n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace

std::string RelaxNgErrors(const std::string& schema, const std::string& file) {
  std::string output;
  const int code =
      Run("xmllint --noout --relaxng " +
              Quote(std::string(VITRINE_SOURCE_DIR) + "/docs/feeds/" + schema) + " " + Quote(file),
          &output);
  return code == 0 ? "" : output.substr(0, 4000);
}

std::string JsonSchemaErrors(const std::string& schema, const std::string& file) {
  if (!std::filesystem::exists(std::string(VITRINE_SOURCE_DIR) +
                               "/tools/openapi-lint/node_modules/ajv")) {
    return "ajv is not installed: run scripts/lint-openapi once (npm ci in tools/openapi-lint)";
  }
  std::string output;
  const int code = Run(
      "node " + Quote(std::string(VITRINE_SOURCE_DIR) + "/tests/feeds/validate_json.cjs") + " " +
          Quote(std::string(VITRINE_SOURCE_DIR) + "/docs/feeds/" + schema) + " " + Quote(file),
      &output);
  return code == 0 ? "" : "exit " + std::to_string(code) + ": " + output.substr(0, 4000);
}

std::vector<FeedItem> ReadRssItems(const std::string& file) {
  std::vector<FeedItem> items;
  xmlDocPtr doc = xmlReadFile(file.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_HUGE);
  EXPECT_NE(doc, nullptr) << file << " is not well-formed XML";
  if (!doc) return items;
  xmlNodePtr rss = xmlDocGetRootElement(doc);
  for (xmlNodePtr channel = rss->children; channel; channel = channel->next) {
    if (channel->type != XML_ELEMENT_NODE) continue;
    for (xmlNodePtr item = channel->children; item; item = item->next) {
      if (item->type != XML_ELEMENT_NODE || xmlStrcmp(item->name, BAD_CAST "item") != 0) continue;
      FeedItem fields;
      for (xmlNodePtr field = item->children; field; field = field->next) {
        if (field->type != XML_ELEMENT_NODE) continue;
        std::string name = reinterpret_cast<const char*>(field->name);
        if (field->ns && field->ns->prefix) {
          name = std::string(reinterpret_cast<const char*>(field->ns->prefix)) + ":" + name;
        }
        xmlChar* text = xmlNodeGetContent(field);
        fields.emplace(name, text ? reinterpret_cast<const char*>(text) : "");
        xmlFree(text);
      }
      items.push_back(std::move(fields));
    }
  }
  xmlFreeDoc(doc);
  return items;
}

std::string First(const FeedItem& item, const std::string& name) {
  auto it = item.find(name);
  return it == item.end() ? "" : it->second;
}

}  // namespace vitrine::testing
