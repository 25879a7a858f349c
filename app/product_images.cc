#include "app/product_images.h"

#include <cstdlib>
#include <cstring>

namespace vitrine {
namespace {

bool IsWebUrl(std::string_view ref) {
  return ref.starts_with("http://") || ref.starts_with("https://");
}

}  // namespace

Result<std::string> ProductImageSource::Version(std::string_view ref) {
  return IsWebUrl(ref) ? cache_.Version(ref) : files_.Version(ref);
}

Result<std::string> ProductImageSource::Read(std::string_view ref) {
  return IsWebUrl(ref) ? cache_.Read(ref) : files_.Read(ref);
}

FetchOptions ProductImageFetchOptions() {
  FetchOptions options;
  options.accept_compressed = false;
  const char* loopback = std::getenv("VITRINE_FETCH_ALLOW_LOOPBACK");
  options.allow_loopback = loopback != nullptr && std::strcmp(loopback, "1") == 0;
  return options;
}

std::filesystem::path DefaultImageCacheDir(const std::string& db_path) {
  return db_path + ".images";
}

}  // namespace vitrine
