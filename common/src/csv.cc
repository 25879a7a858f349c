#include "common/csv.h"

#include <algorithm>
#include <cstring>

#include "common/text.h"

namespace vitrine {
namespace {

std::string Describe(char c) {
  if (c == '\t') return "a tab";
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
    return "a non-printable byte";
  }
  return std::string("'") + c + "'";
}

std::string LimitText(size_t bytes) {
  if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

CsvReader::CsvReader(std::istream& in, CsvOptions options, std::string prefix)
    : in_(in), options_(options), prefix_(std::move(prefix)), delimiter_(options.delimiter) {
  buf_.resize(options_.chunk_bytes);
}

bool CsvReader::Refill() {
  if (eof_) return false;
  // Keep only the unparsed tail: parsing restarts from the record start after a refill, so
  // nothing before begin_ is needed any more.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buf_.size() - end_ < options_.chunk_bytes) buf_.resize(end_ + options_.chunk_bytes);
  const size_t space = buf_.size() - end_;
  size_t got = 0;
  if (prefix_pos_ < prefix_.size()) {
    got = std::min(space, prefix_.size() - prefix_pos_);
    std::memcpy(buf_.data() + end_, prefix_.data() + prefix_pos_, got);
    prefix_pos_ += got;
  } else {
    in_.read(buf_.data() + end_, static_cast<std::streamsize>(space));
    got = static_cast<size_t>(in_.gcount());
    if (in_.bad()) {
      status_ = Status::IoError("reading CSV input failed after " + std::to_string(bytes_read_) +
                                " bytes");
    }
  }
  end_ += got;
  bytes_read_ += got;
  if (got == 0) eof_ = true;
  return got > 0;
}

void CsvReader::DetectDelimiter() {
  // Look at the first record only (the header in every format we import), counting
  // candidates outside quotes, so a title like "Thé, vert" does not vote.
  for (;;) {
    size_t counts[3] = {0, 0, 0};  // ',', ';', '\t'
    bool quoted = false;
    bool complete = false;
    // The first record's first max_record_bytes, as ParseRecord reads them.
    const size_t stop = std::min(end_, begin_ + options_.max_record_bytes);
    for (size_t i = begin_; i < stop; ++i) {
      const char c = buf_[i];
      if (c == '"') {
        quoted = !quoted;
      } else if (!quoted) {
        if (c == '\n') {
          complete = true;
          break;
        }
        if (c == ',') ++counts[0];
        if (c == ';') ++counts[1];
        if (c == '\t') ++counts[2];
      }
    }
    if (complete || eof_ || end_ - begin_ >= options_.max_record_bytes || !Refill()) {
      delimiter_ = ',';
      if (counts[1] > counts[0] && counts[1] >= counts[2]) delimiter_ = ';';
      if (counts[2] > counts[0] && counts[2] > counts[1]) delimiter_ = '\t';
      return;
    }
  }
}

int CsvReader::SkipPastLineEnd(size_t from) {
  size_t j = from;
  for (;;) {
    const char* b = buf_.data();
    const void* nl = j < end_ ? std::memchr(b + j, '\n', end_ - j) : nullptr;
    if (nl != nullptr) {
      begin_ = static_cast<size_t>(static_cast<const char*>(nl) - b) + 1;
      return 1;
    }
    begin_ = end_;  // everything before is discarded
    if (!Refill()) return 0;
    j = begin_;
  }
}

CsvReader::Scan CsvReader::ParseRecord(CsvRecord* record) {
  const char* b = buf_.data();
  const char d = delimiter_;
  // Only the first max_record_bytes of a record are looked at, however much the buffer
  // holds, so a record over the limit is refused the same way wherever the read chunks fall.
  const size_t stop = std::min(end_, begin_ + options_.max_record_bytes);
  const bool at_eof = eof_ && stop == end_;
  spans_.clear();
  int64_t inner_newlines = 0;
  size_t i = begin_;
  size_t record_end = 0;
  bool ends_with_newline = false;
  for (;;) {
    if (i == stop) {
      if (!at_eof) return Scan::kNeedMore;
      // Input ends right after a delimiter: the last field is empty.
      spans_.push_back({i, i, false});
      record_end = i;
      break;
    }
    if (b[i] == '"') {
      const size_t content = i + 1;
      size_t j = content;
      bool escaped = false;
      size_t close = 0;
      for (;;) {
        const void* q = j < stop ? std::memchr(b + j, '"', stop - j) : nullptr;
        if (q == nullptr) {
          if (!at_eof) return Scan::kNeedMore;
          record->error = CsvError::kUnbalancedQuote;
          record->error_field = static_cast<int>(spans_.size());
          record->error_message = "unbalanced quote: the quoted field " +
                                  std::to_string(spans_.size() + 1) + " opened on line " +
                                  std::to_string(line_) + " is never closed";
          record->end_line = line_;
          // Everything after the opening quote would be swallowed; resume on the next line
          // so the records that follow are still read.
          const void* nl = std::memchr(b + begin_, '\n', stop - begin_);
          begin_ = nl ? static_cast<size_t>(static_cast<const char*>(nl) - b) + 1 : stop;
          line_ += nl ? 1 : 0;
          return Scan::kError;
        }
        const size_t qi = static_cast<size_t>(static_cast<const char*>(q) - b);
        inner_newlines += std::count(b + j, b + qi, '\n');
        if (qi + 1 == stop && !at_eof) return Scan::kNeedMore;  // `"` or `""`? need the next
        if (qi + 1 < stop && b[qi + 1] == '"') {
          escaped = true;
          j = qi + 2;
          continue;
        }
        close = qi;
        break;
      }
      spans_.push_back({content, close, escaped});
      i = close + 1;
      if (i == stop) {  // only reachable at end of input
        record_end = i;
        break;
      }
      const char c = b[i];
      if (c == d) {
        ++i;
        continue;
      }
      if (c == '\n') {
        record_end = i + 1;
        ends_with_newline = true;
        break;
      }
      if (c == '\r') {
        if (i + 1 == stop && !at_eof) return Scan::kNeedMore;
        if (i + 1 == stop) {
          record_end = i + 1;
          break;
        }
        if (b[i + 1] == '\n') {
          record_end = i + 2;
          ends_with_newline = true;
          break;
        }
      }
      record->error = CsvError::kCharAfterQuote;
      record->error_field = static_cast<int>(spans_.size()) - 1;
      record->error_message = "unexpected " + Describe(c) + " after the closing quote of field " +
                              std::to_string(spans_.size()) + " on line " +
                              std::to_string(line_ + inner_newlines) +
                              " (a quote inside a quoted field must be doubled)";
      record->end_line = line_ + inner_newlines;
      // Reject through the end of the line holding the stray character.
      line_ += inner_newlines + SkipPastLineEnd(i);
      spans_.clear();
      return Scan::kError;
    }
    size_t j = i;
    while (j < stop && b[j] != d && b[j] != '\n') ++j;
    if (j == stop) {
      if (!at_eof) return Scan::kNeedMore;
      size_t fe = j;
      if (fe > i && b[fe - 1] == '\r') --fe;
      spans_.push_back({i, fe, false});
      record_end = j;
      break;
    }
    if (b[j] == d) {
      spans_.push_back({i, j, false});
      i = j + 1;
      continue;
    }
    size_t fe = j;
    if (fe > i && b[fe - 1] == '\r') --fe;
    spans_.push_back({i, fe, false});
    record_end = j + 1;
    ends_with_newline = true;
    break;
  }

  record->end_line = line_ + inner_newlines;
  const size_t length = record_end - begin_;
  const int64_t lines = inner_newlines + (ends_with_newline ? 1 : 0);
  if (length > options_.max_record_bytes) {
    record->error = CsvError::kRecordTooLong;
    record->error_message = "record of " + std::to_string(length) + " bytes is longer than " +
                            LimitText(options_.max_record_bytes) + "; skipped";
    spans_.clear();
    begin_ = record_end;
    line_ += lines;
    return Scan::kError;
  }
  BuildFields(record);
  begin_ = record_end;
  line_ += lines;
  if (options_.check_utf8) {
    for (size_t f = 0; f < record->fields.size(); ++f) {
      size_t bad = 0;
      if (!IsValidUtf8(record->fields[f], &bad)) {
        record->error = CsvError::kInvalidUtf8;
        record->error_field = static_cast<int>(f);
        record->error_message = "invalid UTF-8 at byte " + std::to_string(bad + 1) + " of field " +
                                std::to_string(f + 1);
        break;
      }
    }
  }
  return Scan::kRecord;
}

void CsvReader::BuildFields(CsvRecord* record) {
  size_t escaped_total = 0;
  for (const Span& s : spans_) {
    if (s.escaped) escaped_total += s.end - s.begin;
  }
  // Reserved once so views into unescaped_ never move while the record is built.
  unescaped_.clear();
  unescaped_.reserve(escaped_total);
  record->fields.resize(spans_.size());
  const char* b = buf_.data();
  for (size_t f = 0; f < spans_.size(); ++f) {
    const Span& s = spans_[f];
    if (!s.escaped) {
      record->fields[f] = std::string_view(b + s.begin, s.end - s.begin);
      continue;
    }
    const size_t start = unescaped_.size();
    for (size_t k = s.begin; k < s.end; ++k) {
      unescaped_.push_back(b[k]);
      if (b[k] == '"') ++k;  // the second quote of a doubled pair
    }
    record->fields[f] = std::string_view(unescaped_.data() + start, unescaped_.size() - start);
  }
}

// A record that a failed read ended, rather than a line end, is cut short: never hand it on
// (a stock level of 40 read as 4 would land). Complete lines before the failure are sound.
bool CsvReader::CutShortByFailure() const {
  return !status_.ok() && begin_ == end_ && (begin_ == 0 || buf_[begin_ - 1] != '\n');
}

bool CsvReader::Next(CsvRecord* record) {
  record->fields.clear();
  record->error = CsvError::kNone;
  record->error_field = -1;
  record->error_message.clear();
  if (!started_) {
    started_ = true;
    while (end_ - begin_ < 3 && Refill()) {
    }
    if (end_ - begin_ >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) {
      begin_ += 3;
    }
  }
  // Blank lines (LF or CRLF) carry no record.
  for (;;) {
    if (begin_ == end_ && !Refill()) return false;
    const char c = buf_[begin_];
    if (c == '\n') {
      ++begin_;
      ++line_;
      continue;
    }
    if (c == '\r') {
      if (begin_ + 1 == end_ && Refill()) continue;
      if (begin_ + 1 < end_ && buf_[begin_ + 1] == '\n') {
        begin_ += 2;
        ++line_;
        continue;
      }
    }
    break;
  }
  if (delimiter_ == 0) DetectDelimiter();
  record->line = line_;
  for (;;) {
    const Scan scan = ParseRecord(record);
    if (scan != Scan::kNeedMore) return !CutShortByFailure();
    if (end_ - begin_ >= options_.max_record_bytes) {
      // Too long to hold. When a quote is still open the cause is most likely a stray
      // quote, so only the first line is rejected and reading resumes on the next one;
      // otherwise the physical line itself is too long and is skipped whole.
      const char* b = buf_.data();
      const size_t window_end = begin_ + options_.max_record_bytes;  // as ParseRecord saw it
      const bool in_quote = [&] {
        bool quoted = false;
        for (size_t k = begin_; k < window_end; ++k) {
          if (b[k] == '"') quoted = !quoted;
        }
        return quoted;
      }();
      record->fields.clear();
      if (in_quote) {
        record->error = CsvError::kUnbalancedQuote;
        record->error_message = "unbalanced quote: a quoted field opened on line " +
                                std::to_string(line_) + " is not closed within " +
                                LimitText(options_.max_record_bytes);
        record->end_line = line_;
        line_ += SkipPastLineEnd(begin_);
      } else {
        record->error = CsvError::kRecordTooLong;
        record->error_message =
            "record longer than " + LimitText(options_.max_record_bytes) + "; skipped";
        const int64_t passed = std::count(b + begin_, b + window_end, '\n');
        const int line_end = SkipPastLineEnd(window_end);  // 0 when the input ends on this line
        line_ += passed + line_end;
        record->end_line = line_ - line_end;
      }
      spans_.clear();
      return !CutShortByFailure();
    }
    Refill();  // at end of input this sets eof_, and ParseRecord then completes the record
  }
}

}  // namespace vitrine
