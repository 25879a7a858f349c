#include "common/csv_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/csv.h"

namespace vitrine {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

class CsvWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vitrine-csv-writer-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
};

TEST_F(CsvWriterTest, QuotesOnlyTheFieldsThatNeedIt) {
  const fs::path path = dir_ / "out.csv";
  Result<CsvWriter> w = CsvWriter::Create(path);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  w->Row({"id", "title"});
  w->Field("P1");
  w->Field("Thé, vert \"bio\"");
  w->EndRow();
  w->Field("P2");
  w->Field("ligne 1\nligne 2");
  w->EndRow();
  w->Field("");
  w->Field("plain");
  w->EndRow();
  EXPECT_EQ(w->rows(), 4);
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(Slurp(path),
            "id,title\nP1,\"Thé, vert \"\"bio\"\"\"\nP2,\"ligne 1\nligne 2\"\n,plain\n");
}

// A cell a spreadsheet would evaluate (=HYPERLINK, =cmd|..., +, -, @, tab, CR) is given a
// leading apostrophe when written as text; numbers and other text are left alone.
TEST_F(CsvWriterTest, TextThatStartsLikeAFormulaIsNeutralised) {
  const fs::path path = dir_ / "out.csv";
  Result<CsvWriter> w = CsvWriter::Create(path);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  w->TextField("=HYPERLINK(\"http://x\",\"clic\")");
  w->TextField("+33 1 23");
  w->TextField("-30%");
  w->TextField("@SUM(A1:A9)");
  w->TextField("\t=1+1");
  w->TextField("\r=1+1");
  w->TextField("Café = bon");
  w->TextField("");
  w->DecimalField(-5, 2);
  w->IntField(-42);
  w->EndRow();
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(Slurp(path),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"clic\"\")\",'+33 1 23,'-30%,'@SUM(A1:A9),'\t=1+1,"
            "\"'\r=1+1\",Café = bon,,-0.05,-42\n");
  std::string out;
  CsvWriter::AppendTextField("=1", &out);
  EXPECT_EQ(out, "'=1");
  EXPECT_TRUE(CsvWriter::StartsLikeFormula("-1"));
  EXPECT_FALSE(CsvWriter::StartsLikeFormula("1-1"));
  EXPECT_FALSE(CsvWriter::StartsLikeFormula(""));
}

TEST_F(CsvWriterTest, WritesNumbers) {
  const fs::path path = dir_ / "numbers.csv";
  Result<CsvWriter> w = CsvWriter::Create(path);
  ASSERT_TRUE(w.ok());
  w->IntField(-42);
  w->DecimalField(249, 2);
  w->DecimalField(5, 2);
  w->DecimalField(-105, 2);
  w->DecimalField(7, 0);
  w->FloatField(45.74906, 3);
  w->EndRow();
  ASSERT_TRUE(w->Close().ok());
  EXPECT_EQ(Slurp(path), "-42,2.49,0.05,-1.05,7,45.749\n");
}

TEST_F(CsvWriterTest, RoundTripsThroughTheReaderAcrossBufferFlushes) {
  const fs::path path = dir_ / "round.csv";
  // A tiny buffer forces a flush on nearly every record.
  Result<CsvWriter> w = CsvWriter::Create(path, 16);
  ASSERT_TRUE(w.ok());
  const std::vector<std::string> texts = {"a,b", "\"", "x\r\ny", "żytni ,\"chleb\"", ""};
  for (int i = 0; i < 200; ++i) {
    w->IntField(i);
    w->Field(texts[static_cast<size_t>(i) % texts.size()]);
    w->EndRow();
  }
  ASSERT_TRUE(w->Close().ok());

  std::ifstream in(path, std::ios::binary);
  CsvOptions options;
  options.delimiter = ',';
  CsvReader reader(in, options);
  CsvRecord record;
  int n = 0;
  while (reader.Next(&record)) {
    ASSERT_TRUE(record.ok()) << record.error_message;
    ASSERT_EQ(record.fields.size(), 2u);
    EXPECT_EQ(record.fields[0], std::to_string(n));
    EXPECT_EQ(record.fields[1], texts[static_cast<size_t>(n) % texts.size()]);
    ++n;
  }
  EXPECT_EQ(n, 200);
}

TEST_F(CsvWriterTest, ReportsAFileThatCannotBeCreated) {
  Result<CsvWriter> w = CsvWriter::Create(dir_ / "missing" / "out.csv");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kIoError);
}

TEST_F(CsvWriterTest, AppendFieldQuotesForInMemoryRecords) {
  std::string out;
  CsvWriter::AppendField("a\"b", &out);
  out += ',';
  CsvWriter::AppendField("c", &out);
  EXPECT_EQ(out, "\"a\"\"b\",c");
}

}  // namespace
}  // namespace vitrine
