// TemplateRepository: where the templates a hub renders with are kept, and TemplateLibrary,
// its implementation over the built-in templates and a folder of JSON files.
//
// The built-ins are always there; a PUT of a template under any id (a built-in's included)
// stores it as <folder>/<id>.json, so an edited "classic" survives a restart and the
// built-in is the fallback when the file is removed. Every stored change bumps the version,
// which is part of every creative's cache key. TemplateLibrary is safe for concurrent use
// from multiple threads.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "templates/template.h"

namespace vitrine {

class TemplateRepository {
 public:
  virtual ~TemplateRepository() = default;
  // Every template, sorted by id.
  virtual Result<std::vector<CreativeTemplate>> ListTemplates() = 0;
  // The template as stored, shared rather than copied (it is drawn with on every creative
  // request); nullptr when there is no template of that id.
  virtual Result<std::shared_ptr<const CreativeTemplate>> GetTemplate(std::string_view id) = 0;
  // Stores `creative_template` (already validated) with version = the stored one + 1 (or its
  // own version when higher), and returns what was stored.
  virtual Result<CreativeTemplate> PutTemplate(CreativeTemplate creative_template) = 0;
};

class TemplateLibrary final : public TemplateRepository {
 public:
  // Built-ins only, kept in memory: for tests and the CLI.
  TemplateLibrary();
  // Built-ins overlaid with the *.json files of `folder` (created when missing). A file that
  // does not parse is an error naming the file and the JSON path.
  static Result<std::unique_ptr<TemplateLibrary>> Open(const std::filesystem::path& folder);

  Result<std::vector<CreativeTemplate>> ListTemplates() override;
  Result<std::shared_ptr<const CreativeTemplate>> GetTemplate(std::string_view id) override;
  Result<CreativeTemplate> PutTemplate(CreativeTemplate creative_template) override;

 private:
  const std::optional<std::filesystem::path> folder_;

  std::mutex mu_;
  // Each stored template is immutable: a PUT replaces the pointer. Guarded by mu_.
  std::map<std::string, std::shared_ptr<const CreativeTemplate>, std::less<>> templates_;

  explicit TemplateLibrary(std::optional<std::filesystem::path> folder);
};

// "layouts.square.layers[2].font: unknown font role" for each error, joined by "; ".
std::string Describe(const std::vector<TemplateError>& errors);

}  // namespace vitrine
