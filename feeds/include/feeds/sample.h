// The first items of a feed snapshot, field by field, for people to read (the back office's
// feed page): what a platform will find in the file, without downloading it. Only the head
// of the file is read, so a sample of a 2,000,000-offer feed costs what one of ten does.
//
// An item is one <item> of the Google and Meta feeds, one <offer> of the leaflet XML, one
// object of an "offers" array of the leaflet JSON, one row of the offers CSV. Its fields
// are in file order, named by their path inside the item: "g:id", "prices/regular",
// "@promotion_id" for an attribute, "creatives/square" for a nested JSON value.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "feeds/feed.h"

namespace vitrine {

struct FeedSampleField {
  std::string name;
  std::string value;
};
using FeedSampleItem = std::vector<FeedSampleField>;

// Up to `limit` items (1..100) of the snapshot file at `path`, written in `format`.
// NotFound when the file is gone (a newer snapshot replaced it); InvalidArgument for a bad
// limit; Internal when the head of the file does not parse as its format (a writer bug).
Result<std::vector<FeedSampleItem>> ReadFeedSample(FeedFormat format, const std::string& path,
                                                   int limit);

}  // namespace vitrine
