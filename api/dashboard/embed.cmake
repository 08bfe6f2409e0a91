# Embeds the dashboard's files into a C++ source (api/dashboard_assets.h).
#   cmake -DOUTPUT=<file.cc> -DBASE=<dir> -DINPUTS=a.html,b.js -P embed.cmake
# index.html is served at "/", every other file at "/<name>". Only files
# listed are embedded, so the build never depends on anything fetched.
string(REPLACE "," ";" inputs "${INPUTS}")
set(body "")
set(table "")
set(n 0)
foreach(name IN LISTS inputs)
  file(READ "${BASE}/${name}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  if(name MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(name MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  elseif(name MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(name MATCHES "\\.svg$")
    set(type "image/svg+xml")
  else()
    message(FATAL_ERROR "embed.cmake: no content type for ${name}")
  endif()
  if(name STREQUAL "index.html")
    set(path "/")
  else()
    set(path "/${name}")
  endif()
  string(APPEND body "const unsigned char kAsset${n}[] = {\n    ${bytes}};\n")
  string(APPEND table "      {\"${path}\", \"${type}\",\n       std::string_view(reinterpret_cast<const char*>(kAsset${n}),\n                        sizeof(kAsset${n}))},\n")
  math(EXPR n "${n} + 1")
endforeach()
set(text "// Generated from api/dashboard/ by api/dashboard/embed.cmake: do not edit.
#include \"api/dashboard_assets.h\"

namespace cityid {
namespace {
${body}}  // namespace

const std::vector<DashboardAsset>& DashboardAssets() {
  static const std::vector<DashboardAsset> kAssets = {
${table}  };
  return kAssets;
}

}  // namespace cityid
")
# Rewrite only on change, so dependants are not rebuilt for nothing.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${text}")
