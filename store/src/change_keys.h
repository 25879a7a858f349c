// What both backends record in the change log for a catalogue write: the keys of the items
// the write inserted or updated (ChangeLog, catalog/change_log.h).
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "catalog/repository.h"

namespace vitrine::store_internal {

// The keys of items[i] whose outcomes[i] is not kUnchanged, sorted and distinct.
template <typename T, typename KeyFn>
std::vector<std::string> ChangedKeys(std::span<const T> items,
                                     std::span<const WriteOutcome> outcomes, KeyFn key) {
  std::vector<std::string> keys;
  for (size_t i = 0; i < items.size() && i < outcomes.size(); ++i) {
    if (outcomes[i] != WriteOutcome::kUnchanged) keys.push_back(key(items[i]));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

// Sorted and distinct.
inline std::vector<std::string> NormalizedKeys(std::span<const std::string> keys) {
  std::vector<std::string> sorted(keys.begin(), keys.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  return sorted;
}

}  // namespace vitrine::store_internal
