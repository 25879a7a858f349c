// The secret box: round trips, fresh nonces, tampering, another key or context, and the key
// file's creation and refusals.
#include "adapters/secret_box.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace vitrine {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

SecretBox Box(char fill) { return *SecretBox::FromKey(std::string(32, fill)); }

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vitrine-key-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST(SecretBox, SealsAndOpens) {
  const SecretBox box = Box('k');
  Result<std::string> sealed = box.Seal("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(sealed.ok());
  EXPECT_THAT(*sealed, StartsWith("v1:"));
  EXPECT_THAT(*sealed, ::testing::Not(HasSubstr("MfKQ9r8")));
  Result<std::string> opened = box.Open(*sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(*box.Open(*box.Seal("")), "");
}

TEST(SecretBox, EverySealHasItsOwnNonce) {
  const SecretBox box = Box('k');
  EXPECT_NE(*box.Seal("same"), *box.Seal("same"));
}

TEST(SecretBox, ATamperedTextDoesNotOpen) {
  const SecretBox box = Box('k');
  const std::string sealed = *box.Seal("push password");
  // Flip one character in each part: nonce, ciphertext, tag.
  for (size_t at : {size_t{4}, size_t{20}, sealed.size() - 3}) {
    std::string tampered = sealed;
    tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
    Result<std::string> r = box.Open(tampered);
    ASSERT_FALSE(r.ok()) << at;
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
    EXPECT_THAT(r.status().message(), HasSubstr("does not verify"));
  }
}

TEST(SecretBox, AnotherKeyOrContextDoesNotOpen) {
  const std::string sealed = *Box('k').Seal("pw", "destination/1/password");
  EXPECT_TRUE(Box('k').Open(sealed, "destination/1/password").ok());
  EXPECT_EQ(Box('j').Open(sealed, "destination/1/password").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(Box('k').Open(sealed, "destination/2/password").status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(Box('k').Open(sealed).status().code(), StatusCode::kUnauthenticated);
}

TEST(SecretBox, MalformedTextsAndKeysAreInvalid) {
  const SecretBox box = Box('k');
  EXPECT_EQ(box.Open("plain").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(box.Open("v1:!!!!").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(box.Open("v1:AAAA").status().code(), StatusCode::kInvalidArgument);  // too short
  EXPECT_EQ(SecretBox::FromKey("short").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(KeyFileTest, CreatesAPrivateKeyFileOnceAndReusesIt) {
  const std::string path = dir_ + "/secrets.key";
  Result<SecretBox> first = LoadOrCreateKeyFile(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_), {}), 1);  // no tmp left

  const std::string sealed = *first->Seal("s3cret");
  Result<SecretBox> again = LoadOrCreateKeyFile(path);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again->Open(sealed), "s3cret");
}

TEST_F(KeyFileTest, RefusesAKeyFileOthersCanRead) {
  const std::string path = dir_ + "/secrets.key";
  ASSERT_TRUE(LoadOrCreateKeyFile(path).ok());
  chmod(path.c_str(), 0644);
  Result<SecretBox> r = LoadOrCreateKeyFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("mode 0644"));
  chmod(path.c_str(), 0640);
  EXPECT_EQ(LoadOrCreateKeyFile(path).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(KeyFileTest, RefusesAKeyFileOfTheWrongSize) {
  const std::string path = dir_ + "/secrets.key";
  std::ofstream(path) << "too short";
  chmod(path.c_str(), 0600);
  Result<SecretBox> r = LoadOrCreateKeyFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("holds 9 bytes, not 32"));
}

TEST_F(KeyFileTest, AMissingDirectoryIsAnIoError) {
  EXPECT_EQ(LoadOrCreateKeyFile(dir_ + "/no/such/dir/key").status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace vitrine
