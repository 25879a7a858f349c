#include "common/text.h"

#include <gtest/gtest.h>

#include "common/status.h"

namespace vitrine {
namespace {

TEST(TextTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("Crème brûlée, chleb żytni, 日本"));
  size_t bad = 0;
  EXPECT_FALSE(IsValidUtf8("abc\xC3", &bad));
  EXPECT_EQ(bad, 3u);
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("caf\xE9"));           // Latin-1 é
}

TEST(TextTest, TrimAndLower) {
  EXPECT_EQ(TrimAscii("  a b \t\n"), "a b");
  EXPECT_EQ(ToLowerAscii("Crème ABC"), "crème abc");
}

TEST(StatusTest, CarriesCodeMessageAndContext) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  Status s = Status::NotFound("product 42");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.ToString(), "NotFound: product 42");
  EXPECT_EQ(s.WithContext("import").message(), "import: product 42");
  Status copy = s;
  EXPECT_EQ(copy.code(), StatusCode::kNotFound);
}

TEST(StatusTest, ResultHoldsValueOrStatus) {
  Result<int> value = 3;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 3);
  Result<int> error = Status::InvalidArgument("bad");
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vitrine
