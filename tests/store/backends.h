// The repository backends every conformance suite runs against: the in-memory fake and
// SQLite on a fresh file. One list, so a new backend (PostgreSQL) joins every suite at once.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/database.h"
#include "store/memory_database.h"

namespace vitrine::testing {

struct Backend {
  std::string name;
  // Makes the database; `dir` is a fresh temporary directory for file-backed ones.
  std::function<std::unique_ptr<Database>(const std::string& dir)> make;
};

inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

inline ::testing::internal::ParamGenerator<Backend> AllBackends() {
  return ::testing::Values(
      Backend{"Memory",
              [](const std::string&) -> std::unique_ptr<Database> {
                return std::make_unique<MemoryDatabase>();
              }},
      Backend{"Sqlite", [](const std::string& dir) -> std::unique_ptr<Database> {
                auto opened = OpenDatabase("sqlite:" + dir + "/catalog.db");
                EXPECT_TRUE(opened.ok()) << opened.status().ToString();
                if (!opened.ok()) return nullptr;
                return std::move(opened).value();
              }});
}

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

}  // namespace vitrine::testing
