#include "common/csv_writer.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

namespace vitrine {

Result<CsvWriter> CsvWriter::Create(const std::filesystem::path& path, size_t buffer_bytes) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return Status::IoError("cannot create " + path.string() + ": " + std::strerror(errno));
  }
  return CsvWriter(file, path, buffer_bytes);
}

CsvWriter::CsvWriter(std::FILE* file, std::filesystem::path path, size_t buffer_bytes)
    : file_(file), path_(std::move(path)), buffer_bytes_(buffer_bytes == 0 ? 1 : buffer_bytes) {
  // Room for the threshold plus one typical record, so a flush rarely reallocates.
  buffer_.reserve(buffer_bytes_ + 4096);
}

CsvWriter::CsvWriter(CsvWriter&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      path_(std::move(other.path_)),
      buffer_bytes_(other.buffer_bytes_),
      buffer_(std::move(other.buffer_)),
      at_row_start_(other.at_row_start_),
      rows_(other.rows_),
      status_(std::move(other.status_)) {}

CsvWriter& CsvWriter::operator=(CsvWriter&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) (void)Close();
    file_ = std::exchange(other.file_, nullptr);
    path_ = std::move(other.path_);
    buffer_bytes_ = other.buffer_bytes_;
    buffer_ = std::move(other.buffer_);
    at_row_start_ = other.at_row_start_;
    rows_ = other.rows_;
    status_ = std::move(other.status_);
  }
  return *this;
}

CsvWriter::~CsvWriter() {
  if (file_ != nullptr) (void)Close();
}

void CsvWriter::AppendField(std::string_view text, std::string* out) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

bool CsvWriter::StartsLikeFormula(std::string_view text) {
  if (text.empty()) return false;
  switch (text.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r':
      return true;
    default:
      return false;
  }
}

void CsvWriter::AppendTextField(std::string_view text, std::string* out) {
  if (!StartsLikeFormula(text)) {
    AppendField(text, out);
    return;
  }
  std::string guarded;
  guarded.reserve(text.size() + 1);
  guarded.push_back('\'');
  guarded.append(text);
  AppendField(guarded, out);
}

void CsvWriter::BeginField() {
  if (!at_row_start_) buffer_.push_back(',');
  at_row_start_ = false;
}

void CsvWriter::Field(std::string_view text) {
  BeginField();
  AppendField(text, &buffer_);
}

void CsvWriter::TextField(std::string_view text) {
  BeginField();
  AppendTextField(text, &buffer_);
}

void CsvWriter::IntField(int64_t value) {
  BeginField();
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  buffer_.append(digits, end);
}

void CsvWriter::DecimalField(int64_t units, int decimals) {
  BeginField();
  if (decimals <= 0) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, units);
    buffer_.append(digits, end);
    return;
  }
  if (units < 0) buffer_.push_back('-');
  // Unsigned so that INT64_MIN has a magnitude.
  uint64_t magnitude =
      units < 0 ? uint64_t{0} - static_cast<uint64_t>(units) : static_cast<uint64_t>(units);
  uint64_t scale = 1;
  for (int i = 0; i < decimals && i < 18; ++i) scale *= 10;
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, magnitude / scale);
  buffer_.append(digits, end);
  buffer_.push_back('.');
  auto [frac_end, frac_ec] = std::to_chars(digits, digits + sizeof digits, magnitude % scale);
  const size_t frac_len = static_cast<size_t>(frac_end - digits);
  buffer_.append(static_cast<size_t>(decimals) - frac_len, '0');
  buffer_.append(digits, frac_end);
}

void CsvWriter::FloatField(double value, int decimals) {
  BeginField();
  if (!std::isfinite(value)) return;  // an empty field: there is no CSV spelling of NaN
  char digits[64];
  auto [end, ec] =
      std::to_chars(digits, digits + sizeof digits, value, std::chars_format::fixed, decimals);
  buffer_.append(digits, end);
}

void CsvWriter::EndRow() {
  buffer_.push_back('\n');
  at_row_start_ = true;
  ++rows_;
  FlushIfFull();
}

void CsvWriter::Row(std::initializer_list<std::string_view> fields) {
  for (std::string_view f : fields) Field(f);
  EndRow();
}

void CsvWriter::FlushIfFull() {
  if (buffer_.size() >= buffer_bytes_) Flush();
}

void CsvWriter::Flush() {
  if (file_ != nullptr && status_.ok() && !buffer_.empty()) {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
      status_ = Status::IoError("cannot write " + path_.string() + ": " + std::strerror(errno));
    }
  }
  buffer_.clear();
}

Status CsvWriter::Close() {
  if (file_ == nullptr) return status_;
  Flush();
  if (std::fclose(file_) != 0 && status_.ok()) {
    status_ = Status::IoError("cannot close " + path_.string() + ": " + std::strerror(errno));
  }
  file_ = nullptr;
  return status_;
}

}  // namespace vitrine
