// CountTable: integer counts over the full cross product of categorical
// dimensions (e.g. month × district × age band × language × card type).
//
// Category domains are given up front (from config, never discovered from the
// data), so every combination is a cell, including the empty ones: whether a
// cell exists never depends on who is in it. Cells are stored row-major, the
// last dimension varying fastest. A value type; thread-compatible.
#ifndef CITYID_PROJECTIONS_STATS_COUNT_TABLE_H_
#define CITYID_PROJECTIONS_STATS_COUNT_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"

namespace cityid::stats {

struct Dimension {
  std::string name;                     // e.g. "district"
  std::vector<std::string> categories;  // its full domain, in display order
  bool operator==(const Dimension&) const = default;
};

class CountTable {
 public:
  static constexpr size_t kMaxCells = size_t{1} << 22;

  // A zero-filled table. Zero dimensions give one cell (a grand total).
  // kInvalidArgument for an empty or repeated dimension name, an empty
  // domain, a repeated category, or more than kMaxCells cells.
  static Result<CountTable> Create(std::vector<Dimension> dimensions);

  const std::vector<Dimension>& dimensions() const { return dims_; }
  size_t cell_count() const { return counts_.size(); }
  const std::vector<int64_t>& counts() const { return counts_; }

  int64_t count(size_t cell) const { return counts_[cell]; }
  void Set(size_t cell, int64_t value) { counts_[cell] = value; }
  void Add(size_t cell, int64_t delta) { counts_[cell] += delta; }

  // Index of a dimension by name, or nullopt.
  std::optional<size_t> DimensionIndex(std::string_view name) const;
  // The cell of one category per dimension (in dimension order).
  // kInvalidArgument for a wrong arity or a category outside its domain.
  Result<size_t> CellOf(const std::vector<std::string>& categories) const;
  // Category indices of a cell, one per dimension; and the inverse.
  std::vector<size_t> Coordinates(size_t cell) const;
  size_t CellAt(const std::vector<size_t>& coordinates) const;
  // Category names of a cell, one per dimension.
  std::vector<std::string> Labels(size_t cell) const;

  // The table summed over every dimension not named in `keep`; the result's
  // dimensions are `keep`, in that order (so Marginal also reorders).
  // kInvalidArgument for an unknown or repeated name.
  Result<CountTable> Marginal(const std::vector<std::string>& keep) const;

  // The table restricted to some categories of one dimension (e.g. the
  // months from..to), in the order given. kInvalidArgument for an unknown
  // dimension or category, a repeat, or an empty list.
  Result<CountTable> Restrict(std::string_view dimension,
                              const std::vector<std::string>& categories) const;

  bool operator==(const CountTable& o) const {
    return dims_ == o.dims_ && counts_ == o.counts_;
  }

 private:
  CountTable() = default;
  std::vector<Dimension> dims_;
  std::vector<size_t> strides_;
  std::vector<std::unordered_map<std::string, size_t>> index_;
  std::vector<int64_t> counts_;
};

}  // namespace cityid::stats

#endif  // CITYID_PROJECTIONS_STATS_COUNT_TABLE_H_
