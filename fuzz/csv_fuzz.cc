// CsvReader over any bytes: delimiter detection, byte order mark, quotes, line ends and
// records split across read chunks. The first two bytes choose the options (delimiter or
// detection, UTF-8 check, chunk size 1-64 bytes, record limit); the rest is the file.
// Oracle: reading with tiny chunks gives exactly what reading in one chunk gives (so no
// chunk edge changes a record), records start after the previous one ends, ok records
// respect the record limit and hold valid UTF-8 when it is checked.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "common/csv.h"
#include "fuzz_check.h"

namespace {

struct ReadRecord {
  int64_t line;
  int64_t end_line;
  std::vector<std::string> fields;
  vitrine::CsvError error;
  int error_field;
  bool operator==(const ReadRecord&) const = default;
};

std::vector<ReadRecord> ReadAll(const std::string& text, vitrine::CsvOptions options,
                                char* delimiter) {
  std::istringstream in(text);
  vitrine::CsvReader reader(in, options);
  std::vector<ReadRecord> out;
  vitrine::CsvRecord record;
  while (reader.Next(&record)) {
    ReadRecord r{record.line, record.end_line, {}, record.error, record.error_field};
    for (std::string_view f : record.fields) r.fields.emplace_back(f);
    out.push_back(std::move(r));
    FUZZ_CHECK(out.size() <= text.size() + 1, "more records than bytes");
  }
  FUZZ_CHECK(reader.status().ok(), "%s", reader.status().ToString().c_str());
  *delimiter = reader.delimiter();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static constexpr char kDelimiters[] = {0, ',', ';', '\t'};
  vitrine::CsvOptions options;
  options.delimiter = kDelimiters[data[0] & 3];
  options.check_utf8 = (data[0] & 4) == 0;
  options.max_record_bytes = 16 + (data[0] >> 3) * 64;  // 16 B .. ~2 KiB
  const size_t chunk = 1 + data[1] % 64;
  const std::string text(reinterpret_cast<const char*>(data + 2), size - 2);

  options.chunk_bytes = 1 << 16;
  char whole_delimiter = 0;
  const std::vector<ReadRecord> whole = ReadAll(text, options, &whole_delimiter);
  options.chunk_bytes = chunk;
  char chunked_delimiter = 0;
  const std::vector<ReadRecord> chunked = ReadAll(text, options, &chunked_delimiter);

  FUZZ_CHECK(whole_delimiter == chunked_delimiter, "delimiter '%c' in one chunk, '%c' in %zu B",
             whole_delimiter, chunked_delimiter, chunk);
  FUZZ_CHECK(whole.size() == chunked.size(), "%zu records in one chunk, %zu in %zu B chunks",
             whole.size(), chunked.size(), chunk);
  int64_t previous_end = 0;
  for (size_t i = 0; i < whole.size(); ++i) {
    const ReadRecord& r = whole[i];
    FUZZ_CHECK(r == chunked[i], "record %zu (line %lld) differs with %zu B chunks", i,
               static_cast<long long>(r.line), chunk);
    FUZZ_CHECK(r.line > previous_end && r.end_line >= r.line,
               "record %zu: lines %lld-%lld after %lld", i, static_cast<long long>(r.line),
               static_cast<long long>(r.end_line), static_cast<long long>(previous_end));
    previous_end = r.end_line;
    if (r.error == vitrine::CsvError::kNone) {
      size_t bytes = 0;
      for (const std::string& f : r.fields) {
        bytes += f.size();
        if (options.check_utf8) FUZZ_CHECK(fuzz::IsValidUtf8(f), "record %zu: field not UTF-8", i);
      }
      FUZZ_CHECK(bytes <= options.max_record_bytes, "record %zu: %zu bytes over the limit", i,
                 bytes);
    }
  }
  return 0;
}
