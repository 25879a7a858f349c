#include "render/image_source.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace vitrine {

namespace fs = std::filesystem;

Result<fs::path> DirectoryImageSource::Resolve(std::string_view ref) const {
  if (ref.empty()) return Status::InvalidArgument("empty image reference");
  const fs::path relative(ref);
  if (relative.is_absolute()) {
    return Status::InvalidArgument("image reference \"" + std::string(ref) + "\" is absolute");
  }
  for (const fs::path& part : relative) {
    if (part == "..") {
      return Status::InvalidArgument("image reference \"" + std::string(ref) +
                                     "\" leaves the image folder");
    }
  }
  return root_ / relative;
}

Result<std::string> DirectoryImageSource::Version(std::string_view ref) {
  auto path = Resolve(ref);
  if (!path.ok()) return path.status();
  struct stat st {};
  if (::stat(path->c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return Status::NotFound("image " + std::string(ref) + " not found");
    }
    return Status::IoError("cannot stat " + path->string() + ": " + std::strerror(errno));
  }
  return std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

Result<std::string> DirectoryImageSource::Read(std::string_view ref) {
  auto path = Resolve(ref);
  if (!path.ok()) return path.status();
  std::ifstream in(*path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(*path, ec)) return Status::NotFound("image " + std::string(ref) + " not found");
    return Status::IoError("cannot open " + path->string());
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path->string());
  return std::move(bytes).str();
}

}  // namespace vitrine
