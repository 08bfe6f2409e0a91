// The stats dashboard's static files (api/dashboard/), embedded into the
// binary at build time by api/dashboard/embed.cmake: the stats service
// serves them itself, with no CDN and nothing fetched at run time.
#ifndef CITYID_API_DASHBOARD_ASSETS_H_
#define CITYID_API_DASHBOARD_ASSETS_H_

#include <string_view>
#include <vector>

namespace cityid {

struct DashboardAsset {
  std::string_view path;          // "/" for index.html, else "/<file name>"
  std::string_view content_type;  // with charset for text
  std::string_view body;          // the file's bytes
};

// Every embedded file, in the order listed in api/CMakeLists.txt.
const std::vector<DashboardAsset>& DashboardAssets();

}  // namespace cityid

#endif  // CITYID_API_DASHBOARD_ASSETS_H_
