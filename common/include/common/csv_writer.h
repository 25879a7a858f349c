// CsvWriter: writes an RFC 4180 CSV file through one large buffer.
//
// Fields are written as given when they can be, and quoted (with inner quotes doubled) when
// they hold a comma, a double quote, a carriage return or a line feed, so any UTF-8 text
// round-trips through common/csv.h. Records end with LF: RFC 4180 asks for CRLF, but every
// reader in use (ours, spreadsheets, Python's csv) accepts LF and Unix tools handle it better.
// Free text meant for a spreadsheet goes through TextField, which keeps a cell that starts
// like a formula from being evaluated (OWASP "CSV Injection").
// The writer does no per-field system call or iostream work: bytes collect in a buffer that
// is flushed with one fwrite when full, which is what lets the benchmark scenario write a
// million rows in about a second.
//
// The first write error is remembered; later writes are dropped and Close() reports it.
// Not thread-safe: one writer per file and per thread. Movable, not copyable.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vitrine {

class CsvWriter {
 public:
  // Creates (or truncates) `path`. `buffer_bytes` is the flush threshold (default 1 MiB).
  // Returns IoError naming the file when it cannot be opened.
  static Result<CsvWriter> Create(const std::filesystem::path& path,
                                  size_t buffer_bytes = size_t{1} << 20);

  CsvWriter(CsvWriter&& other) noexcept;
  CsvWriter& operator=(CsvWriter&& other) noexcept;
  CsvWriter(const CsvWriter&) = delete;
  CsvWriter& operator=(const CsvWriter&) = delete;
  // Closes the file if Close() was not called; an error at that point is lost.
  ~CsvWriter();

  // Appends one field to the current record, quoted when needed.
  void Field(std::string_view text);
  // Appends free text (a title, a brand...) for a spreadsheet: as Field, except that text
  // starting with '=', '+', '-', '@', a tab or a carriage return gets a leading apostrophe,
  // which spreadsheets take as "this cell is text" and do not show. Never for numbers, prices
  // or dates: "-0.05" must stay a number.
  void TextField(std::string_view text);
  // Appends an integer field ("-42").
  void IntField(int64_t value);
  // Appends a fixed-point number: DecimalField(249, 2) writes "2.49", (-5, 2) "-0.05".
  // `decimals` is 0 to 18.
  void DecimalField(int64_t units, int decimals);
  // Appends a field with a number written as "%.*f" (coordinates): FloatField(45.7, 5).
  void FloatField(double value, int decimals);
  // Ends the current record.
  void EndRow();
  // Writes a whole record (a header, typically).
  void Row(std::initializer_list<std::string_view> fields);

  // Flushes and closes the file. Returns the first write error (IoError), if any.
  // The writer accepts no more fields afterwards.
  Status Close();

  // Records ended so far (a header counts).
  int64_t rows() const { return rows_; }

  // Appends `text` to `*out` as one CSV field, quoted when needed (no separator).
  static void AppendField(std::string_view text, std::string* out);
  // AppendField with TextField's apostrophe rule.
  static void AppendTextField(std::string_view text, std::string* out);
  // Whether a spreadsheet would take a cell holding `text` for a formula: it starts with
  // '=', '+', '-', '@', a tab or a carriage return.
  static bool StartsLikeFormula(std::string_view text);

 private:
  CsvWriter(std::FILE* file, std::filesystem::path path, size_t buffer_bytes);
  void BeginField();
  void FlushIfFull();
  void Flush();

  std::FILE* file_ = nullptr;
  std::filesystem::path path_;
  size_t buffer_bytes_ = 0;
  std::string buffer_;
  bool at_row_start_ = true;
  int64_t rows_ = 0;
  Status status_;
};

}  // namespace vitrine
