// CsvReader: a streaming RFC 4180 reader for what spreadsheets and ERPs actually export.
//
// It reads an std::istream in chunks and yields one record at a time with the physical line
// it starts on. It skips a UTF-8 byte order mark, detects the delimiter (`,`, `;` or tab)
// from the first record, accepts quoted fields with embedded newlines and doubled quotes,
// and CRLF or LF line ends; blank lines are skipped. A malformed record (a quote never
// closed, a character after a closing quote, a record over `max_record_bytes`, invalid
// UTF-8) is returned with an error and reading resumes at a following line, so one bad
// record never hides the ones after it. Memory is bounded by `max_record_bytes` plus one
// read chunk whatever the input size.
//
// Not thread-safe: one reader per thread. The fields of a record are views into buffers the
// reader reuses; they stay valid until the next call to Next().
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace vitrine {

enum class CsvError {
  kNone,
  kUnbalancedQuote,  // a quoted field not closed before the end of input (or of the limit)
  kCharAfterQuote,   // `"ab"c`: something other than a delimiter or line end after a quote
  kRecordTooLong,    // the record is longer than max_record_bytes
  kInvalidUtf8,      // a field is not well-formed UTF-8 (error_field says which)
};

struct CsvOptions {
  // The field delimiter; 0 (default) detects it from the first record: the most frequent of
  // `,`, `;` and tab outside quotes, `,` when none appears.
  char delimiter = 0;
  // Records longer than this (in bytes, quotes and line ends included) are rejected.
  // Default 1 MiB.
  size_t max_record_bytes = size_t{1} << 20;
  // Bytes requested from the stream per read. Default 256 KiB.
  size_t chunk_bytes = size_t{256} << 10;
  // Check that every field is valid UTF-8. Default true.
  bool check_utf8 = true;
};

struct CsvRecord {
  int64_t line = 0;      // 1-based physical line on which the record starts
  int64_t end_line = 0;  // line on which it ends (later than `line` for multi-line fields)
  // The fields, unquoted and unescaped. Empty for kRecordTooLong and kUnbalancedQuote;
  // complete for kInvalidUtf8 so the caller can still name the record.
  std::vector<std::string_view> fields;
  CsvError error = CsvError::kNone;
  int error_field = -1;       // index of the offending field, or -1 for the whole record
  std::string error_message;  // a sentence for a person; empty when error == kNone

  bool ok() const { return error == CsvError::kNone; }
};

class CsvReader {
 public:
  // Reads `in`, which must outlive the reader. `prefix` holds bytes already taken from the
  // stream (e.g. by format sniffing); they are read first, as if still in the stream.
  explicit CsvReader(std::istream& in, CsvOptions options = {}, std::string prefix = {});
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into `*record` (its previous contents are replaced). Returns
  // false at the end of input, or when the stream fails (see status()): the record a failed
  // read cut short is never returned. A record with an error is still returned (true); the
  // caller decides what to do with it.
  bool Next(CsvRecord* record);

  // The delimiter in use; 0 until the first call to Next() when detecting.
  char delimiter() const { return delimiter_; }
  // Bytes taken from the input so far (prefix included), for progress reporting.
  uint64_t bytes_read() const { return bytes_read_; }
  // IoError when the stream failed while reading; OK otherwise (including at end of input).
  const Status& status() const { return status_; }

 private:
  enum class Scan { kRecord, kNeedMore, kError };

  // Makes more input available after `buf_[begin_]`, keeping [begin_, end_). Returns false
  // when no byte could be added (end of input or stream failure).
  bool Refill();
  void DetectDelimiter();
  // Tries to parse one record starting at begin_; on kRecord/kError advances begin_.
  Scan ParseRecord(CsvRecord* record);
  // Skips to the byte after the next '\n' at or after `from`, reading more input if needed;
  // returns how many line ends were passed (0 or 1).
  int SkipPastLineEnd(size_t from);
  void BuildFields(CsvRecord* record);
  // The record just parsed was ended by a stream failure, not by a line end.
  bool CutShortByFailure() const;

  std::istream& in_;
  const CsvOptions options_;
  std::string prefix_;
  size_t prefix_pos_ = 0;

  std::vector<char> buf_;
  size_t begin_ = 0;  // start of unparsed input in buf_
  size_t end_ = 0;    // end of valid bytes in buf_
  bool eof_ = false;
  bool started_ = false;
  char delimiter_ = 0;
  int64_t line_ = 1;  // line of buf_[begin_]
  uint64_t bytes_read_ = 0;
  Status status_;

  // Field boundaries of the record being parsed, as offsets into buf_ (stable across a
  // refill because they are rebuilt from the record start). `escaped` fields contain
  // doubled quotes and are copied, unescaped, into unescaped_.
  struct Span {
    size_t begin;
    size_t end;
    bool escaped;
  };
  std::vector<Span> spans_;
  std::string unescaped_;
};

}  // namespace vitrine
