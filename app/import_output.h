// Running an import from a file and printing its report, for `vitrine import` and
// `vitrine demo`.
#pragma once

#include <cstdio>
#include <string>

#include "catalog/import.h"

namespace vitrine {

// Imports `file` ("-" for standard input), prints the report (human or JSON) and returns
// the verb's exit code.
int RunImportAndReport(CatalogRepository& catalog, ImportKind kind, const std::string& file,
                       ImportOptions options, bool json);

// "products from FILE: 2,825 rows read: 2,790 inserted, ..." then up to 20 rejected rows.
void PrintImportReport(const ImportReport& report, const std::string& source, std::FILE* out);

}  // namespace vitrine
