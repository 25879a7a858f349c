#include "common/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vitrine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A record copied out of the reader, whose views die at the next call.
struct Row {
  int64_t line;
  int64_t end_line;
  std::vector<std::string> fields;
  CsvError error;
  int error_field;
  std::string message;
};

std::vector<Row> ReadAll(const std::string& text, CsvOptions options = {},
                         char* delimiter = nullptr) {
  std::istringstream in(text);
  CsvReader reader(in, options);
  std::vector<Row> rows;
  CsvRecord record;
  while (reader.Next(&record)) {
    rows.push_back({record.line, record.end_line,
                    std::vector<std::string>(record.fields.begin(), record.fields.end()),
                    record.error, record.error_field, record.error_message});
  }
  EXPECT_TRUE(reader.status().ok()) << reader.status().ToString();
  if (delimiter != nullptr) *delimiter = reader.delimiter();
  return rows;
}

TEST(CsvReaderTest, ReadsCommaSeparatedRecordsWithTheirLines) {
  const auto rows = ReadAll("id,title\nA1,Lait\nA2,Beurre\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[0].fields, ElementsAre("id", "title"));
  EXPECT_THAT(rows[2].fields, ElementsAre("A2", "Beurre"));
  EXPECT_EQ(rows[0].line, 1);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[2].line, 3);
  EXPECT_EQ(rows[2].error, CsvError::kNone);
}

TEST(CsvReaderTest, DetectsSemicolonFromTheHeaderIgnoringQuotedCommas) {
  char delimiter = 0;
  const auto rows = ReadAll("\"id,x\";titre;prix\nA1;Thé, vert;2,49\n", {}, &delimiter);
  EXPECT_EQ(delimiter, ';');
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[0].fields, ElementsAre("id,x", "titre", "prix"));
  EXPECT_THAT(rows[1].fields, ElementsAre("A1", "Thé, vert", "2,49"));
}

TEST(CsvReaderTest, DetectsTabAndDefaultsToComma) {
  char delimiter = 0;
  auto rows = ReadAll("a\tb\tc\n1\t2\t3\n", {}, &delimiter);
  EXPECT_EQ(delimiter, '\t');
  EXPECT_THAT(rows[1].fields, ElementsAre("1", "2", "3"));
  rows = ReadAll("single\nvalue\n", {}, &delimiter);
  EXPECT_EQ(delimiter, ',');
  EXPECT_THAT(rows[1].fields, ElementsAre("value"));
}

TEST(CsvReaderTest, SkipsTheByteOrderMark) {
  const auto rows = ReadAll("\xEF\xBB\xBFgtin;title\n3017620422003;Nutella\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields[0], "gtin");
  EXPECT_EQ(rows[1].fields[1], "Nutella");
}

TEST(CsvReaderTest, QuotedFieldsKeepNewlinesAndDoubledQuotes) {
  const auto rows = ReadAll(
      "id,description,n\r\n"
      "A1,\"Crème \"\"extra\"\"\r\nfraîche\nbio\",1\r\n"
      "A2,plain,2\r\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[1].fields, ElementsAre("A1", "Crème \"extra\"\r\nfraîche\nbio", "1"));
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[1].end_line, 4);
  // CRLF line ends are not part of the last field, and the next record's line is exact.
  EXPECT_THAT(rows[2].fields, ElementsAre("A2", "plain", "2"));
  EXPECT_EQ(rows[2].line, 5);
}

TEST(CsvReaderTest, EmptyFieldsBlankLinesAndNoFinalNewline) {
  const auto rows = ReadAll("a,b,c\n\n,,\n\r\n1,\"\",3");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_THAT(rows[1].fields, ElementsAre("", "", ""));
  EXPECT_EQ(rows[1].line, 3);
  EXPECT_THAT(rows[2].fields, ElementsAre("1", "", "3"));
  EXPECT_EQ(rows[2].line, 5);
}

TEST(CsvReaderTest, TrailingDelimiterAtEndOfInputMakesAnEmptyLastField) {
  const auto rows = ReadAll("a,b\n1,");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(rows[1].fields, ElementsAre("1", ""));
}

TEST(CsvReaderTest, UnbalancedQuoteAtEndIsReportedAndLaterLinesAreStillRead) {
  const auto rows = ReadAll("id,title\nA1,\"Lait demi-écrémé\nA2,Beurre\nA3,Crème\n");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[1].error, CsvError::kUnbalancedQuote);
  EXPECT_EQ(rows[1].error_field, 1);
  EXPECT_THAT(rows[1].message, HasSubstr("line 2"));
  EXPECT_TRUE(rows[1].fields.empty());
  EXPECT_THAT(rows[2].fields, ElementsAre("A2", "Beurre"));
  EXPECT_EQ(rows[2].line, 3);
  EXPECT_THAT(rows[3].fields, ElementsAre("A3", "Crème"));
  EXPECT_EQ(rows[3].line, 4);
}

TEST(CsvReaderTest, CharacterAfterClosingQuoteRejectsThatLineOnly) {
  const auto rows = ReadAll("id,title\nA1,\"Lait\" entier\nA2,Beurre\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].error, CsvError::kCharAfterQuote);
  EXPECT_EQ(rows[1].error_field, 1);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_THAT(rows[2].fields, ElementsAre("A2", "Beurre"));
  EXPECT_EQ(rows[2].line, 3);
}

TEST(CsvReaderTest, LineOverOneMebibyteIsSkippedAndReadingResumes) {
  std::string text = "id,title\nA1,";
  text.append((size_t{1} << 20) + 10, 'x');
  text += "\nA2,Beurre\n";
  const auto rows = ReadAll(text);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].error, CsvError::kRecordTooLong);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_THAT(rows[1].message, HasSubstr("1 MiB"));
  EXPECT_THAT(rows[2].fields, ElementsAre("A2", "Beurre"));
  EXPECT_EQ(rows[2].line, 3);
}

TEST(CsvReaderTest, RecordLongerThanTheLimitButInTheBufferIsRejected) {
  CsvOptions options;
  options.max_record_bytes = 16;
  const auto rows = ReadAll("a,b\n1,0123456789abcdefghij\n2,ok\n", options);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].error, CsvError::kRecordTooLong);
  EXPECT_THAT(rows[2].fields, ElementsAre("2", "ok"));
  EXPECT_EQ(rows[2].line, 3);
}

// A too-long last line without a final newline once ended on the line before it started.
TEST(CsvReaderTest, TooLongRecordEndsOnTheLineItStartsOnWithOrWithoutAFinalNewline) {
  CsvOptions options;
  options.max_record_bytes = 16;
  options.chunk_bytes = 6;
  for (const std::string end : {"", "\n", "\r\n"}) {
    const auto rows = ReadAll("a,b\n1,0123456789abcdefghij" + end, options);
    ASSERT_EQ(rows.size(), 2u) << "end \"" << end << "\"";
    EXPECT_EQ(rows[1].error, CsvError::kRecordTooLong);
    EXPECT_EQ(rows[1].line, 2);
    EXPECT_EQ(rows[1].end_line, 2) << "end \"" << end << "\"";
  }
  // A quoted newline inside the long record: it ends one line later.
  const auto rows = ReadAll("a,b\n\"1\n2\",0123456789abcdefghij\n3,ok", options);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].error, CsvError::kRecordTooLong);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[1].end_line, 3);
  EXPECT_EQ(rows[2].line, 4);
}

// How a record over the limit is read must not depend on where the read chunks fall: it once
// did when the whole record happened to be in the buffer (found by the csv fuzz target).
TEST(CsvReaderTest, RecordsOverTheLimitReadTheSameWhateverTheChunkSize) {
  const std::string long_field(30, 'x');
  for (const std::string& text : {
           "a,b\n1,\"open " + long_field + "\n2,\"ab\"x\n3,ok\n",  // stray quote far away
           "a,b\n1,\"multi\nline " + long_field + "\",z\n3,ok\n",  // long quoted field
           "a,b\n1," + long_field + "\n3,ok",                      // long plain line
           long_field + ";" + long_field + ",x\n1;2\n",            // long header
       }) {
    std::vector<std::vector<Row>> reads;
    for (size_t chunk : {size_t{1}, size_t{3}, size_t{7}, size_t{24}, size_t{1} << 16}) {
      CsvOptions options;
      options.max_record_bytes = 24;
      options.chunk_bytes = chunk;
      reads.push_back(ReadAll(text, options));
    }
    for (size_t k = 1; k < reads.size(); ++k) {
      ASSERT_EQ(reads[k].size(), reads[0].size()) << text << " read #" << k;
      for (size_t r = 0; r < reads[0].size(); ++r) {
        EXPECT_EQ(reads[k][r].line, reads[0][r].line) << text << " record " << r;
        EXPECT_EQ(reads[k][r].end_line, reads[0][r].end_line) << text << " record " << r;
        EXPECT_EQ(reads[k][r].error, reads[0][r].error) << text << " record " << r;
        EXPECT_EQ(reads[k][r].fields, reads[0][r].fields) << text << " record " << r;
      }
    }
    EXPECT_EQ(reads[0].back().error, CsvError::kNone) << text;
  }
}

TEST(CsvReaderTest, QuoteNeverClosedWithinTheLimitResumesOnTheNextLine) {
  CsvOptions options;
  options.max_record_bytes = 40;
  options.chunk_bytes = 8;
  std::string text = "a,b\n1,\"open\n";
  for (int i = 0; i < 20; ++i) text += "2,x\n";
  const auto rows = ReadAll(text, options);
  ASSERT_EQ(rows.size(), 22u);
  EXPECT_EQ(rows[1].error, CsvError::kUnbalancedQuote);
  EXPECT_THAT(rows[1].message, HasSubstr("not closed within 40 bytes"));
  for (int i = 2; i < 22; ++i) {
    EXPECT_THAT(rows[i].fields, ElementsAre("2", "x"));
    EXPECT_EQ(rows[i].line, i + 1);
  }
}

TEST(CsvReaderTest, InvalidUtf8IsReportedWithItsFieldAndTheFieldsAreKept) {
  const auto rows = ReadAll("id,title\nA1,Caf\xE9\nA2,Café\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].error, CsvError::kInvalidUtf8);
  EXPECT_EQ(rows[1].error_field, 1);
  EXPECT_THAT(rows[1].message, HasSubstr("byte 4 of field 2"));
  EXPECT_EQ(rows[1].fields[0], "A1");
  EXPECT_EQ(rows[2].error, CsvError::kNone);
}

TEST(CsvReaderTest, EveryChunkSizeGivesTheSameRecords) {
  const std::string text =
      "\xEF\xBB\xBFid;t;d\r\n"
      "1;\"a;b\"\"c\r\nd\";e\r\n"
      "\r\n"
      "2;;\"\"\"\"\n"
      "3;\"x\"y;z\n"
      "4;é;\"multi\n\nline\"\n"
      "5;\"unterminated;q\n";
  const auto reference = ReadAll(text);
  ASSERT_EQ(reference.size(), 6u);
  EXPECT_THAT(reference[1].fields, ElementsAre("1", "a;b\"c\r\nd", "e"));
  EXPECT_THAT(reference[2].fields, ElementsAre("2", "", "\""));
  EXPECT_EQ(reference[3].error, CsvError::kCharAfterQuote);
  EXPECT_EQ(reference[4].line, 7);
  EXPECT_EQ(reference[5].error, CsvError::kUnbalancedQuote);
  for (size_t chunk = 1; chunk < 12; ++chunk) {
    CsvOptions options;
    options.chunk_bytes = chunk;
    const auto rows = ReadAll(text, options);
    ASSERT_EQ(rows.size(), reference.size()) << "chunk " << chunk;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].fields, reference[i].fields) << "chunk " << chunk << " row " << i;
      EXPECT_EQ(rows[i].line, reference[i].line) << "chunk " << chunk << " row " << i;
      EXPECT_EQ(rows[i].error, reference[i].error) << "chunk " << chunk << " row " << i;
    }
  }
}

TEST(CsvReaderTest, EmptyInputHasNoRecord) {
  EXPECT_TRUE(ReadAll("").empty());
  EXPECT_TRUE(ReadAll("\xEF\xBB\xBF").empty());
  EXPECT_TRUE(ReadAll("\n\r\n\n").empty());
}

TEST(CsvReaderTest, PrefixIsReadBeforeTheStream) {
  std::istringstream in("tle\nA1,Lait\n");
  CsvReader reader(in, {}, "id,ti");
  CsvRecord record;
  ASSERT_TRUE(reader.Next(&record));
  EXPECT_THAT(record.fields, ElementsAre("id", "title"));
  ASSERT_TRUE(reader.Next(&record));
  EXPECT_THAT(record.fields, ElementsAre("A1", "Lait"));
  EXPECT_FALSE(reader.Next(&record));
  EXPECT_EQ(reader.bytes_read(), 17u);
}

// A stream whose device fails after some bytes, like a disk error or a dropped pipe.
class FailingBuffer : public std::streambuf {
 public:
  explicit FailingBuffer(std::string data) : data_(std::move(data)) {
    setg(data_.data(), data_.data(), data_.data() + data_.size());
  }

 protected:
  int_type underflow() override { throw std::runtime_error("device lost"); }

 private:
  std::string data_;
};

TEST(CsvReaderTest, StreamFailureIsAnIoErrorNotAnEndOfInput) {
  FailingBuffer buffer("id,title\nA1,Lait\nA2,Beu");
  std::istream in(&buffer);
  CsvOptions options;
  options.chunk_bytes = 16;  // the first read ends inside "A1,Lait", the second fails
  CsvReader reader(in, options);
  CsvRecord record;
  std::vector<std::vector<std::string>> records;
  while (reader.Next(&record)) records.emplace_back(record.fields.begin(), record.fields.end());
  EXPECT_EQ(reader.status().code(), StatusCode::kIoError);
  // "A1,Lait" may be the start of "A1,Laitage": the record the failure cut is not handed on.
  EXPECT_THAT(records, ElementsAre(ElementsAre("id", "title")));
}

TEST(CsvReaderTest, HeaderCutShortByAStreamFailureIsNoRecord) {
  FailingBuffer buffer("product_id,sto");
  std::istream in(&buffer);
  CsvReader reader(in);
  CsvRecord record;
  EXPECT_FALSE(reader.Next(&record));
  EXPECT_EQ(reader.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace vitrine
