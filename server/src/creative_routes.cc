// Creatives: the format registry, templates (read, and write with validation and the
// template check), one creative by offer and format from the content-addressed cache, and
// the background render of a whole campaign with its progress.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <thread>
#include <unordered_map>

#include "api_routes.h"
#include "api_support.h"
#include "catalog/field_error.h"
#include "server/json_body.h"
#include "templates/format.h"

namespace vitrine::api {

// The demo retailer keeps the packshot's path (relative to its image folder) in
// attributes.packshot; a product without one falls back to its image URL, which an HTTP
// image source can fetch.
CreativeContent CreativeContentFor(const PublishedOffer& offer,
                                   const std::optional<Product>& product) {
  CreativeContent content;
  content.offer = offer;
  if (product) {
    content.product_title = product->title;
    content.product_brand = product->brand;
    if (product->net_quantity) content.product_quantity = product->net_quantity->ToDisplayString();
    auto packshot = product->attributes.find("packshot");
    if (packshot != product->attributes.end() && packshot->is_string()) {
      content.packshot = packshot->get<std::string>();
    } else {
      content.packshot = product->image_url;
    }
  }
  return content;
}

std::vector<FieldProblem> TemplateProblems(const std::vector<TemplateError>& errors) {
  std::vector<FieldProblem> out;
  for (const TemplateError& e : errors) {
    out.push_back({e.path.empty() ? "body" : e.path, e.line, e.message});
  }
  return out;
}

void AddWarningHeaders(const std::vector<std::string>& warnings, HttpResponse* response) {
  for (const std::string& w : warnings) {
    // A quoted-string: the sentence's own quotes are escaped.
    std::string quoted;
    for (char c : w) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    response->headers.Add("Warning", "199 - \"" + quoted + "\"");
  }
}

std::optional<CreativeTemplate> TemplateFromBody(const HttpRequest& request, const std::string& id,
                                                 std::optional<HttpResponse>* problem) {
  ParsedTemplate parsed = ParseTemplate(request.body);
  if (parsed.errors.size() == 1 && parsed.errors[0].line) {
    *problem = HttpResponse::Problem(400, "Invalid JSON", parsed.errors[0].message,
                                     TemplateProblems(parsed.errors));
  } else if (parsed.value && parsed.value->id != id) {
    *problem = HttpResponse::Problem(
        400, "Invalid template",
        "the body's id \"" + parsed.value->id + "\" is not the id of the URL \"" + id + "\"",
        {{"id", std::nullopt, "must be \"" + id + "\""}});
  } else if (!parsed.value) {
    *problem = HttpResponse::Problem(
        400, "Invalid template", std::to_string(parsed.errors.size()) + " error(s) in the template",
        TemplateProblems(parsed.errors));
  } else {
    return std::move(parsed.value);
  }
  return std::nullopt;
}

HttpResponse TemplateCheckFailed(const std::vector<TemplateError>& check) {
  return HttpResponse::Problem(422, "Template check failed",
                               "some text does not fit its box even at its minimum size",
                               TemplateProblems(check));
}

HttpResponse CreativeFailure(const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument ||
      status.code() == StatusCode::kResourceExhausted) {
    // The offer's own data cannot make this creative (a corrupt packshot, text that does not
    // fit, over the byte limit): a 422 naming why, for this offer only.
    return HttpResponse::Problem(422, "Creative cannot be rendered", status.message());
  }
  return HttpResponse::FromStatus(status);
}

namespace {

using nlohmann::json;

// One campaign render in the background: every offer of the campaign in every asked format.
struct RenderJob {
  std::string id;
  std::string campaign_id;
  std::optional<std::string> template_id;  // asked for in the body; else the campaign's theme
  std::vector<std::string> formats;
  std::map<std::string, CreativeLook> looks;  // by format, resolved when the job is created
  std::vector<std::string> look_warnings;
  Instant created_at{};
  std::atomic<int64_t> total{0};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> warnings{0};
  std::mutex mu;
  std::string state = "queued";  // queued, running, done, failed; guarded by mu
  std::string error;             // guarded by mu
  std::vector<json> failures;    // the first 20; guarded by mu
  Instant finished_at{};         // guarded by mu

  json ToJson() {
    std::lock_guard lock(mu);
    const int64_t t = total.load();
    json templates = json::object();
    std::string brand_kit;
    for (const auto& [format, look] : looks) {
      templates[format] = look.template_id;
      brand_kit = look.brand_kit_id;
    }
    json out = {{"id", id},
                {"kind", "campaign_render"},
                {"campaign_id", campaign_id},
                {"template", template_id ? json(*template_id) : json()},
                {"templates", templates},
                {"brand_kit", brand_kit},
                {"formats", formats},
                {"state", state},
                {"total", t},
                {"done", done.load()},
                {"failed", failed.load()},
                {"warnings", warnings.load()},
                {"progress", t == 0 ? (state == "done" ? 1.0 : 0.0)
                                    : static_cast<double>(done.load() + failed.load()) / t},
                {"created_at", FormatUtc(created_at)},
                {"failures", failures}};
    if (!look_warnings.empty()) out["look_warnings"] = look_warnings;
    if (!error.empty()) out["error"] = error;
    if (state == "done" || state == "failed") out["finished_at"] = FormatUtc(finished_at);
    return out;
  }
};

// What a creative request resolved to: kept so that the same request again reads two
// counters instead of its offer, product and campaign, and computes no key. It holds while
// the data mark is the same (no write it depends on), the templates it was chosen from are
// the ones stored, its packshot file is the same and the cache still holds its file.
struct ResolvedCreative {
  std::pair<int64_t, int64_t> mark;  // CreativeRoutes::ReadDataMark when read
  std::vector<std::pair<std::string, std::shared_ptr<const CreativeTemplate>>> templates;
  std::string packshot;
  std::string packshot_version;
  std::string key;
  std::string template_id;
  std::vector<std::string> look_warnings;
};

// ResolvedCreative by request, bounded: emptied when full (a hub serves a few thousand hot
// creatives; an emptied memo costs one full lookup per request). Thread-safe.
class ResolvedCreatives {
 public:
  std::optional<ResolvedCreative> Find(const std::string& request) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(request);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }
  void Put(const std::string& request, ResolvedCreative resolved) {
    std::lock_guard lock(mu_);
    if (entries_.size() >= kMaxEntries) entries_.clear();
    entries_[request] = std::move(resolved);
  }

 private:
  static constexpr size_t kMaxEntries = 20000;
  mutable std::mutex mu_;
  std::unordered_map<std::string, ResolvedCreative> entries_;  // guarded by mu_
};

class CreativeRoutes {
 public:
  explicit CreativeRoutes(const ApiServices& services) : s_(services) {
    worker_ = std::thread([this] { Work(); });
  }
  ~CreativeRoutes() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
  }

  HttpResponse Formats(const HttpRequest&) const {
    json items = json::array();
    for (const CreativeFormat& f : CreativeFormats()) {
      items.push_back({{"name", f.name},
                       {"width", f.width},
                       {"height", f.height},
                       {"max_bytes", f.max_bytes},
                       {"safe_area",
                        {{"x", f.safe_area.x},
                         {"y", f.safe_area.y},
                         {"width", f.safe_area.width},
                         {"height", f.safe_area.height}}},
                       {"used_by", f.used_by}});
    }
    return HttpResponse::Json(200, {{"items", std::move(items)}});
  }

  HttpResponse ListTemplates(const HttpRequest&) const {
    auto all = studio().templates().ListTemplates();
    if (!all.ok()) return StoreFailure(all.status());
    json items = json::array();
    for (const CreativeTemplate& t : *all) {
      json formats = json::array();
      for (const auto& [name, layout] : t.layouts) formats.push_back(name);
      items.push_back({{"id", t.id},
                       {"name", t.name},
                       {"description", t.description},
                       {"version", t.version},
                       {"formats", std::move(formats)}});
    }
    return HttpResponse::Json(200, {{"items", std::move(items)}});
  }

  HttpResponse GetTemplate(const HttpRequest& request) const {
    const std::string id(request.PathParam("id"));
    auto found = studio().templates().GetTemplate(id);
    if (!found.ok()) return StoreFailure(found.status());
    if (*found == nullptr) {
      return HttpResponse::Problem(404, "Not found", "no template \"" + id + "\"");
    }
    HttpResponse response = HttpResponse::Json(200, ToJson(**found));
    response.headers.Set("ETag", "\"" + std::to_string((*found)->version) + "\"");
    return response;
  }

  HttpResponse PutTemplate(const HttpRequest& request) const {
    const std::string id(request.PathParam("id"));
    std::optional<HttpResponse> problem;
    std::optional<CreativeTemplate> parsed = TemplateFromBody(request, id, &problem);
    if (!parsed) return *problem;
    // Text that cannot fit its box even at the minimum size is refused here, once, rather
    // than failing creatives one offer at a time.
    std::vector<TemplateError> check = studio().renderer().Check(*parsed, studio().kit());
    if (!check.empty()) return TemplateCheckFailed(check);
    auto before = studio().templates().GetTemplate(id);
    if (!before.ok()) return StoreFailure(before.status());
    auto stored = studio().templates().PutTemplate(std::move(*parsed));
    if (!stored.ok()) return StoreFailure(stored.status());
    auto audited = s_.audit->Append(
        AuditFor(request, *s_.clock, "template.put", "template", id,
                 *before != nullptr ? json{{"version", (*before)->version}} : json(),
                 json{{"version", stored->version}}));
    if (!audited.ok()) return StoreFailure(audited.status());
    return HttpResponse::Json(*before != nullptr ? 200 : 201, ToJson(*stored));
  }

  HttpResponse GetCreative(const HttpRequest& request) const {
    const std::string format_name(request.PathParam("format"));
    const CreativeFormat* format = FindCreativeFormat(format_name);
    if (format == nullptr) {
      return HttpResponse::Problem(
          404, "Not found",
          "no creative format \"" + format_name + "\" (GET /api/v1/formats lists them)");
    }
    const auto encoding = ParseImageEncoding(request.PathParam("ext"));
    if (!encoding) {
      return HttpResponse::Problem(404, "Not found", "creatives are .png or .jpg");
    }
    const std::string offer_id(request.PathParam("offer_id"));
    if (!IsOfferId(offer_id)) {
      return BadParameter(
          "offer_id",
          "is not an offer id (PROMOTION~PRODUCT, or PROMOTION~PRODUCT~START for a later stretch)");
    }
    auto store = request.Query("store");
    if (!store || !field_rules::IsValidId(*store)) {
      return BadParameter("store", "is required: offers are published per store");
    }
    std::optional<std::string> explicit_template;
    if (auto asked = request.Query("template")) explicit_template = std::string(*asked);
    // What the same request resolved to before, when nothing it was read from has changed.
    const std::string memo_key = offer_id + '\n' + std::string(*store) + '\n' + format_name + '.' +
                                 std::string(ExtensionOf(*encoding)) + '\n' +
                                 (explicit_template ? "=" + *explicit_template : "") + '\n' +
                                 VisibilityOf(request);
    if (auto known = resolved_.Find(memo_key)) {
      auto mark = ReadDataMark();
      if (!mark.ok()) return StoreFailure(mark.status());
      if (*mark == known->mark && StillCurrent(*known)) {
        if (NoneMatchHits(request, "\"" + known->key + "\"")) return NotModified(known->key);
        if (auto served = studio().Cached(known->key, *encoding)) {
          return CreativeAnswer(*served, known->template_id, known->look_warnings);
        }
      }
    }
    // The offer, its product and its campaign (whose theme draws the offer's creatives unless
    // ?template= says otherwise), read as one state at the cost of one read, with the mark
    // of that state.
    std::optional<PublishedOffer> offer;
    std::optional<Product> product;
    std::optional<Campaign> campaign;
    ResolvedCreative resolved;
    Status read = s_.catalog->ReadSnapshot([&]() -> Status {
      auto mark = ReadDataMark();
      if (!mark.ok()) return mark.status();
      resolved.mark = *mark;
      auto found = s_.offers->GetOffer(offer_id, *store);
      if (!found.ok()) return found.status();
      offer = std::move(*found);
      if (!offer || !Visible(request, *offer)) return Status::Ok();
      auto found_product = s_.catalog->GetProduct(offer->product_id);
      if (!found_product.ok()) return found_product.status();
      product = std::move(*found_product);
      auto found_campaign = s_.campaigns->GetCampaign(offer->campaign_id);
      if (!found_campaign.ok()) return found_campaign.status();
      campaign = std::move(*found_campaign);
      return Status::Ok();
    });
    if (!read.ok()) return StoreFailure(read);
    if (!offer || !Visible(request, *offer)) {
      return HttpResponse::Problem(
          404, "Not found",
          "no published offer \"" + offer_id + "\" in store \"" + std::string(*store) + "\"");
    }
    const CreativeContent content = CreativeContentFor(*offer, product);
    auto look = studio().ResolveLook(explicit_template, campaign ? &campaign->theme : nullptr,
                                     *format, default_template(), &resolved.look_warnings);
    if (!look.ok()) return StoreFailure(look.status());
    auto prepared = studio().Prepare(content, *look, *format, *encoding);
    if (!prepared.ok()) return HttpResponse::FromStatus(prepared.status());
    // Every template the look was chosen from, as read now: the theme's (even missing) and
    // the one drawn with.
    if (campaign) {
      auto themed = campaign->theme.template_by_format.find(format_name);
      if (themed != campaign->theme.template_by_format.end()) {
        auto t = studio().templates().GetTemplate(themed->second);
        if (!t.ok()) return StoreFailure(t.status());
        resolved.templates.emplace_back(themed->second, *t);
      }
    }
    resolved.templates.emplace_back(look->template_id, prepared->look_template);
    resolved.packshot = content.packshot;
    resolved.packshot_version = studio().renderer().PackshotVersion(content.packshot);
    resolved.key = prepared->key;
    resolved.template_id = look->template_id;
    if (NoneMatchHits(request, "\"" + prepared->key + "\"")) return NotModified(prepared->key);
    auto served = studio().Get(*prepared);
    if (!served.ok()) return CreativeFailure(served.status());
    HttpResponse response = CreativeAnswer(*served, look->template_id, resolved.look_warnings);
    resolved_.Put(memo_key, std::move(resolved));
    return response;
  }

  static HttpResponse NotModified(const std::string& key) {
    HttpResponse not_modified = HttpResponse::Text(304, "");
    not_modified.headers.Set("ETag", "\"" + key + "\"");
    not_modified.headers.Set("Cache-Control", "public, max-age=300");
    return not_modified;
  }

  static HttpResponse CreativeAnswer(const ServedCreative& served, const std::string& template_id,
                                     const std::vector<std::string>& look_warnings) {
    HttpResponse response = HttpResponse::File(served.file.string(), served.media_type);
    response.headers.Set("ETag", "\"" + served.key + "\"");
    response.headers.Set("Cache-Control", "public, max-age=300");
    response.headers.Set("X-Creative-Cache", served.cache_hit ? "hit" : "miss");
    response.headers.Set("X-Creative-Template", template_id);
    std::vector<std::string> warnings = look_warnings;
    for (const std::string& w : served.warnings) warnings.push_back(w);
    AddWarningHeaders(warnings, &response);
    return response;
  }

  // The last change-log id and the last offer seq: every write a creative depends on moves
  // one of them (catalogue and campaign writes log a change, assembly bumps the offer seq),
  // whichever process made it.
  Result<std::pair<int64_t, int64_t>> ReadDataMark() const {
    std::pair<int64_t, int64_t> mark;
    Status read = s_.catalog->ReadSnapshot([&]() -> Status {
      auto change = s_.changes->LastChangeId();
      if (!change.ok()) return change.status();
      auto seq = s_.offers->LastSeq();
      if (!seq.ok()) return seq.status();
      mark = {*change, *seq};
      return Status::Ok();
    });
    if (!read.ok()) return read;
    return mark;
  }

  // The templates are kept outside the database, and the packshot is a file.
  bool StillCurrent(const ResolvedCreative& known) const {
    for (const auto& [id, seen] : known.templates) {
      auto now = studio().templates().GetTemplate(id);
      if (!now.ok() || *now != seen) return false;
    }
    return studio().renderer().PackshotVersion(known.packshot) == known.packshot_version;
  }

  // Which offers the caller may see: a platform only those of its channel.
  static std::string VisibilityOf(const HttpRequest& request) {
    if (!request.principal || request.principal->role != Role::kPlatform) return "*";
    return "channel:" + request.principal->channel.value_or("");
  }

  HttpResponse StartCampaignRender(const HttpRequest& request) {
    const std::string campaign_id(request.PathParam("id"));
    json body = json::object();
    if (!request.body.empty()) {
      auto parsed = ParseJsonBody(request);
      if (!parsed.ok()) return HttpResponse::FromStatus(parsed.status());
      if (auto problem = RejectUnknownFields(*parsed, {"formats", "template"})) return *problem;
      body = std::move(*parsed);
    }
    auto job = std::make_shared<RenderJob>();
    job->campaign_id = campaign_id;
    if (body.contains("template")) {
      if (!body["template"].is_string()) return BadParameter("template", "must be a template id");
      job->template_id = body["template"].get<std::string>();
    }
    if (body.contains("formats")) {
      if (!body["formats"].is_array() || body["formats"].empty()) {
        return BadParameter("formats", "must be a non-empty array of format names");
      }
      for (const json& f : body["formats"]) {
        if (!f.is_string() || FindCreativeFormat(f.get<std::string>()) == nullptr) {
          return BadParameter("formats", "holds an unknown format: " + f.dump());
        }
        job->formats.push_back(f.get<std::string>());
      }
    } else {
      for (const CreativeFormat& f : CreativeFormats()) job->formats.emplace_back(f.name);
    }
    auto campaign = s_.campaigns->GetCampaign(campaign_id);
    if (!campaign.ok()) return StoreFailure(campaign.status());
    if (!campaign->has_value()) {
      return HttpResponse::Problem(404, "Not found", "no campaign \"" + campaign_id + "\"");
    }
    if (job->template_id) {
      auto t = studio().templates().GetTemplate(*job->template_id);
      if (!t.ok()) return StoreFailure(t.status());
      if (*t == nullptr)
        return BadParameter("template", "no template \"" + *job->template_id + "\"");
    }
    for (const std::string& name : job->formats) {
      auto look =
          studio().ResolveLook(job->template_id, &(*campaign)->theme, *FindCreativeFormat(name),
                               default_template(), &job->look_warnings);
      if (!look.ok()) return StoreFailure(look.status());
      job->looks[name] = std::move(*look);
    }
    // The theme's brand kit is resolved once per format: one warning is enough.
    std::sort(job->look_warnings.begin(), job->look_warnings.end());
    job->look_warnings.erase(std::unique(job->look_warnings.begin(), job->look_warnings.end()),
                             job->look_warnings.end());
    job->created_at = s_.clock->Now();
    {
      std::lock_guard lock(mu_);
      job->id = "job_" + std::to_string(++last_job_);
      jobs_[job->id] = job;
      queue_.push_back(job);
    }
    wake_.notify_one();
    HttpResponse response = HttpResponse::Json(202, job->ToJson());
    response.headers.Set("Location", "/api/v1/jobs/" + job->id);
    return response;
  }

  HttpResponse GetJob(const HttpRequest& request) const {
    std::shared_ptr<RenderJob> job;
    {
      std::lock_guard lock(mu_);
      auto it = jobs_.find(std::string(request.PathParam("id")));
      if (it != jobs_.end()) job = it->second;
    }
    if (!job) {
      return HttpResponse::Problem(404, "Not found",
                                   "no job \"" + std::string(request.PathParam("id")) + "\"");
    }
    return HttpResponse::Json(200, job->ToJson());
  }

 private:
  CreativeStudio& studio() const { return *s_.creatives; }
  std::string default_template() const {
    return s_.default_template.empty() ? "classic" : s_.default_template;
  }

  bool Visible(const HttpRequest& request, const PublishedOffer& offer) const {
    if (!request.principal || request.principal->role != Role::kPlatform) return true;
    const std::string channel = request.principal->channel.value_or("");
    return std::find(offer.channels.begin(), offer.channels.end(), channel) != offer.channels.end();
  }

  // Jobs run one after the other on this thread, so a campaign render never takes the
  // request threads' cores away from shoppers' creative fetches.
  void Work() {
    for (;;) {
      std::shared_ptr<RenderJob> job;
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = queue_.front();
        queue_.pop_front();
      }
      Run(*job);
    }
  }

  void Run(RenderJob& job) {
    {
      std::lock_guard lock(job.mu);
      job.state = "running";
    }
    std::vector<PublishedOffer> offers;
    OfferQuery query;
    query.campaign_id = job.campaign_id;
    query.limit = 1000;
    for (;;) {
      auto page = s_.offers->ListOffers(query);
      if (!page.ok()) {
        Finish(job, "failed", "cannot list the campaign's offers: " + page.status().message());
        return;
      }
      for (PublishedOffer& o : page->items) offers.push_back(std::move(o));
      if (page->next_after.empty()) break;
      query.after = page->next_after;
    }
    job.total = static_cast<int64_t>(offers.size() * job.formats.size());
    std::map<std::string, std::optional<Product>> products;
    for (const PublishedOffer& offer : offers) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) {
          Finish(job, "failed", "the server stopped");
          return;
        }
      }
      auto it = products.find(offer.product_id);
      if (it == products.end()) {
        auto product = s_.catalog->GetProduct(offer.product_id);
        it = products.emplace(offer.product_id, product.ok() ? *product : std::nullopt).first;
      }
      const CreativeContent content = CreativeContentFor(offer, it->second);
      for (const std::string& name : job.formats) {
        auto prepared = studio().Prepare(content, job.looks.at(name), *FindCreativeFormat(name),
                                         ImageEncoding::kPng);
        auto served =
            prepared.ok() ? studio().Get(*prepared) : Result<ServedCreative>(prepared.status());
        if (served.ok()) {
          ++job.done;
          if (!served->warnings.empty()) ++job.warnings;
          continue;
        }
        ++job.failed;
        std::lock_guard lock(job.mu);
        if (job.failures.size() < 20) {
          job.failures.push_back({{"offer_id", offer.offer_id},
                                  {"store_id", offer.store_id},
                                  {"format", name},
                                  {"error", served.status().message()}});
        }
      }
    }
    Finish(job, "done", "");
  }

  void Finish(RenderJob& job, std::string state, std::string error) {
    std::lock_guard lock(job.mu);
    job.state = std::move(state);
    job.error = std::move(error);
    job.finished_at = s_.clock->Now();
  }

  const ApiServices& s_;
  std::thread worker_;

  mutable ResolvedCreatives resolved_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;                                   // guarded by mu_
  int64_t last_job_ = 0;                                    // guarded by mu_
  std::map<std::string, std::shared_ptr<RenderJob>> jobs_;  // guarded by mu_
  std::deque<std::shared_ptr<RenderJob>> queue_;            // guarded by mu_
};

}  // namespace

Status AddCreativeRoutes(HttpServer& server, const ApiServices& services) {
  auto routes = std::make_shared<CreativeRoutes>(services);
  auto bind = [routes](auto method) { return Handler(routes, method); };
  auto bind_mutable = [routes](HttpResponse (CreativeRoutes::*method)(const HttpRequest&)) {
    return RouteHandler(
        [routes, method](const HttpRequest& request) { return ((*routes).*method)(request); });
  };
  std::vector<Route> table = {
      {"GET", "/api/v1/formats", Role::kViewer, true, {}, "", bind(&CreativeRoutes::Formats)},
      {"GET",
       "/api/v1/templates",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CreativeRoutes::ListTemplates)},
      {"GET",
       "/api/v1/templates/{id}",
       Role::kViewer,
       false,
       {},
       "",
       bind(&CreativeRoutes::GetTemplate)},
      {"PUT",
       "/api/v1/templates/{id}",
       Role::kEditor,
       false,
       {"application/json"},
       "",
       bind(&CreativeRoutes::PutTemplate)},
      {"GET",
       "/creatives/{offer_id}/{format}.{ext}",
       Role::kPublic,
       false,
       {},
       "",
       bind(&CreativeRoutes::GetCreative),
       {"store", "template", "token"}},
      {"POST",
       "/api/v1/campaigns/{id}/render",
       Role::kEditor,
       false,
       {},
       "",
       bind_mutable(&CreativeRoutes::StartCampaignRender)},
      {"GET", "/api/v1/jobs/{id}", Role::kViewer, false, {}, "", bind(&CreativeRoutes::GetJob)},
  };
  return AddRoutes(server, std::move(table));
}

}  // namespace vitrine::api
