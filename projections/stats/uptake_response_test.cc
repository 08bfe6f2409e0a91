#include "projections/stats/uptake_response.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace cityid::stats {
namespace {

std::vector<MeasureCounts> TwoMeasures() {
  std::vector<Dimension> dims{{"month", {"2025-01", "2025-02"}},
                              {"district", {"north", "south", "east"}}};
  CountTable issued = *CountTable::Create(dims),
             active = *CountTable::Create(dims);
  const int64_t i[6] = {40, 3, 25, 30, 50, 20};   // one small cell
  const int64_t a[6] = {35, 30, 22, 28, 45, 18};  // none small
  for (size_t c = 0; c < 6; ++c) issued.Set(c, i[c]), active.Set(c, a[c]);
  return {{"issued", issued}, {"active", active}};
}

TEST(UptakeResponse, JsonPublishesCellsAndTotalsWithNullsWhereSuppressed) {
  std::vector<MeasureCounts> m = TwoMeasures();
  UptakeAnswer a = *SuppressUptake(m, {10, OneWayMarginals(m[0].counts)});
  boost::json::object j = UptakeToJson(a);
  EXPECT_EQ(j.at("suppressed_below").as_int64(), 10);
  const boost::json::array& rows = j.at("rows").as_array();
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[1].at("month").as_string(), "2025-01");
  EXPECT_EQ(rows[1].at("district").as_string(), "south");
  EXPECT_TRUE(rows[1].at("issued").is_null());  // 3 < k
  EXPECT_EQ(rows[1].at("active").as_int64(), 30);
  size_t nulls = 0;
  for (const auto& r : rows) nulls += r.at("issued").is_null();
  EXPECT_EQ(nulls, 4u);  // the small cell and a rectangle around it
  const boost::json::array& totals = j.at("totals").as_array();
  ASSERT_EQ(totals.size(), 3u);  // by month, by district, grand total
  EXPECT_EQ(totals[2].at("group_by").as_array().size(), 0u);
  EXPECT_EQ(totals[2].at("rows").at(0).at("issued").as_int64(), 168);
  EXPECT_EQ(totals[0].at("rows").at(0).at("month").as_string(), "2025-01");
}

TEST(UptakeResponse, CsvHasHeaderAndEmptyFieldsForSuppressedValues) {
  std::vector<MeasureCounts> m = TwoMeasures();
  UptakeAnswer a = *SuppressUptake(m, {10, OneWayMarginals(m[0].counts)});
  std::string csv = UptakeToCsv(a);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")), "month,district,issued,active");
  EXPECT_NE(csv.find("\r\n2025-01,south,,30\r\n"), std::string::npos) << csv;
}

TEST(UptakeResponse, RejectsClashingOrMismatchedMeasures) {
  std::vector<MeasureCounts> m = TwoMeasures();
  m[1].measure = "district";
  EXPECT_EQ(SuppressUptake(m, {10, {}}).status().code(),
            Code::kInvalidArgument);
  m = TwoMeasures();
  m[1].counts = *m[1].counts.Marginal({"district"});
  EXPECT_EQ(SuppressUptake(m, {10, {}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(SuppressUptake({}, {10, {}}).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace cityid::stats
