// The repository backends every conformance suite runs against: the in-memory fake, SQLite
// on a fresh file, and PostgreSQL in a fresh schema of the cluster the test command started
// (scripts/pg-cluster, a ctest fixture). One list, so a backend joins every suite at once.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <unistd.h>
#include <atomic>
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/database.h"
#include "store/memory_database.h"

namespace vitrine::testing {

struct Backend {
  std::string name;
  // Makes the database; `dir` is a fresh temporary directory for file-backed ones.
  std::function<std::unique_ptr<Database>(const std::string& dir)> make;
  // False when the backend's server is missing: its tests skip. (The list itself must not
  // depend on it: ctest lists the tests when the binary is built, before any server runs.)
  std::function<bool()> available = [] { return true; };
};

inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

// The URL of the test cluster, or "" when the test command started none (a test binary run
// by hand): its file is written by the ctest fixture.
inline std::string TestPostgresUrl() {
#ifdef VITRINE_TEST_PG_STATE
  std::ifstream in(VITRINE_TEST_PG_STATE);
  std::string url;
  if (in && std::getline(in, url)) return url;
#endif
  return "";
}

// `url` of the test cluster with a search path of a new, empty schema of its own, so each
// test starts from an empty database without the cost of creating one.
inline std::string FreshPostgresSchema(const std::string& url) {
  static std::atomic<int> counter{0};
  const std::string schema =
      "t" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1));
  PGconn* conn = PQconnectdb(url.c_str());
  PGresult* created = PQexec(conn, ("CREATE SCHEMA " + schema).c_str());
  EXPECT_EQ(PQresultStatus(created), PGRES_COMMAND_OK) << PQerrorMessage(conn);
  PQclear(created);
  PQfinish(conn);
  // The schema names the test's connections too, so a test can cut its own and no other's.
  return url + "&options=-csearch_path%3D" + schema + "&application_name=" + schema;
}

inline std::vector<Backend> BackendList() {
  std::vector<Backend> list = {
      Backend{"Memory",
              [](const std::string&) -> std::unique_ptr<Database> {
                return std::make_unique<MemoryDatabase>();
              }},
      Backend{"Sqlite", [](const std::string& dir) -> std::unique_ptr<Database> {
                auto opened = OpenDatabase("sqlite:" + dir + "/catalog.db");
                EXPECT_TRUE(opened.ok()) << opened.status().ToString();
                if (!opened.ok()) return nullptr;
                return std::move(opened).value();
              }}};
#ifdef VITRINE_TEST_PG_STATE
  list.push_back(Backend{"Postgres",
                         [](const std::string&) -> std::unique_ptr<Database> {
                           auto opened = OpenDatabase(FreshPostgresSchema(TestPostgresUrl()));
                           EXPECT_TRUE(opened.ok()) << opened.status().ToString();
                           if (!opened.ok()) return nullptr;
                           return std::move(opened).value();
                         },
                         [] { return !TestPostgresUrl().empty(); }});
#endif
  return list;
}

inline ::testing::internal::ParamGenerator<Backend> AllBackends() {
  return ::testing::ValuesIn(BackendList());
}

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

}  // namespace vitrine::testing
