#include "templates/repository.h"

#include <fstream>
#include <sstream>

#include "templates/builtin.h"

namespace vitrine {

namespace fs = std::filesystem;

TemplateLibrary::TemplateLibrary() : TemplateLibrary(std::nullopt) {}

TemplateLibrary::TemplateLibrary(std::optional<fs::path> folder) : folder_(std::move(folder)) {
  for (const CreativeTemplate& t : BuiltinTemplates()) {
    templates_[t.id] = std::make_shared<const CreativeTemplate>(t);
  }
}

Result<std::unique_ptr<TemplateLibrary>> TemplateLibrary::Open(const fs::path& folder) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return Status::IoError("cannot create " + folder.string() + ": " + ec.message());
  std::unique_ptr<TemplateLibrary> library(new TemplateLibrary(folder));
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) return Status::IoError("cannot read " + entry.path().string());
    ParsedTemplate parsed = ParseTemplate(text.str());
    if (!parsed.value) {
      return Status::InvalidArgument(entry.path().string() + ": " + Describe(parsed.errors));
    }
    const std::string id = parsed.value->id;
    library->templates_[id] = std::make_shared<const CreativeTemplate>(std::move(*parsed.value));
  }
  if (ec) return Status::IoError("cannot list " + folder.string() + ": " + ec.message());
  return library;
}

Result<std::vector<CreativeTemplate>> TemplateLibrary::ListTemplates() {
  std::lock_guard lock(mu_);
  std::vector<CreativeTemplate> out;
  out.reserve(templates_.size());
  for (const auto& [id, t] : templates_) out.push_back(*t);
  return out;
}

Result<std::shared_ptr<const CreativeTemplate>> TemplateLibrary::GetTemplate(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = templates_.find(id);
  if (it == templates_.end()) return std::shared_ptr<const CreativeTemplate>();
  return it->second;
}

Result<CreativeTemplate> TemplateLibrary::PutTemplate(CreativeTemplate t) {
  std::lock_guard lock(mu_);
  auto it = templates_.find(t.id);
  if (it != templates_.end()) t.version = std::max(t.version, it->second->version + 1);
  if (folder_) {
    // Write then rename, so a crash leaves the old file or the new one, never half of one.
    const fs::path target = *folder_ / (t.id + ".json");
    const fs::path temporary = *folder_ / (t.id + ".json.tmp");
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out << ToJson(t).dump(2) << '\n';
      if (!out.good()) return Status::IoError("cannot write " + temporary.string());
    }
    std::error_code ec;
    fs::rename(temporary, target, ec);
    if (ec) return Status::IoError("cannot replace " + target.string() + ": " + ec.message());
  }
  templates_[t.id] = std::make_shared<const CreativeTemplate>(t);
  return t;
}

std::string Describe(const std::vector<TemplateError>& errors) {
  std::string out;
  for (const TemplateError& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.path.empty() ? e.message : e.path + ": " + e.message;
  }
  return out;
}

}  // namespace vitrine
