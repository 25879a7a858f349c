// ImageSource: where the renderer gets product pictures, by reference (a packshot path or,
// later, a URL), without knowing whether they come from a disk or the network.
//
// DirectoryImageSource serves the files under one folder (the demo's packshots). The HTTP
// fetcher of adapters/ will be another implementation, plugged in by app/. Implementations
// must be safe for concurrent use from multiple threads.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // A short token that changes whenever the image behind `ref` changes (size and
  // modification time, an ETag...), for cache keys. NotFound when there is no such image.
  virtual Result<std::string> Version(std::string_view ref) = 0;
  // The encoded image (PNG, JPEG...). NotFound when there is none, IoError when it cannot
  // be read, InvalidArgument for a reference this source does not accept.
  virtual Result<std::string> Read(std::string_view ref) = 0;
};

// Files under `root`; a reference is a relative path ("images/P123.png"). Absolute paths
// and ".." components are refused, so a reference never reads outside the folder.
class DirectoryImageSource final : public ImageSource {
 public:
  explicit DirectoryImageSource(std::filesystem::path root) : root_(std::move(root)) {}
  Result<std::string> Version(std::string_view ref) override;
  Result<std::string> Read(std::string_view ref) override;
  const std::filesystem::path& root() const { return root_; }

 private:
  Result<std::filesystem::path> Resolve(std::string_view ref) const;
  const std::filesystem::path root_;
};

}  // namespace vitrine
