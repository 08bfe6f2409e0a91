#include "projections/stats/count_table.h"

#include <unordered_set>
#include <utility>

namespace cityid::stats {

Result<CountTable> CountTable::Create(std::vector<Dimension> dimensions) {
  CountTable t;
  std::unordered_set<std::string> names;
  size_t cells = 1;
  for (const Dimension& d : dimensions) {
    if (d.name.empty() || !names.insert(d.name).second) {
      return InvalidArgument("stats table: empty or repeated dimension name '" +
                             d.name + "'");
    }
    if (d.categories.empty()) {
      return InvalidArgument("stats table: dimension '" + d.name +
                             "' has no categories");
    }
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < d.categories.size(); ++i) {
      if (!index.emplace(d.categories[i], i).second) {
        return InvalidArgument("stats table: repeated category '" +
                               d.categories[i] + "' in dimension '" + d.name +
                               "'");
      }
    }
    if (d.categories.size() > kMaxCells / cells) {
      return InvalidArgument("stats table: more than 2^22 cells");
    }
    cells *= d.categories.size();
    t.index_.push_back(std::move(index));
  }
  t.strides_.assign(dimensions.size(), 1);
  for (size_t i = dimensions.size(); i-- > 1;) {
    t.strides_[i - 1] = t.strides_[i] * dimensions[i].categories.size();
  }
  t.dims_ = std::move(dimensions);
  t.counts_.assign(cells, 0);
  return t;
}

std::optional<size_t> CountTable::DimensionIndex(std::string_view name) const {
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (dims_[i].name == name) return i;
  }
  return std::nullopt;
}

Result<size_t> CountTable::CellOf(
    const std::vector<std::string>& categories) const {
  if (categories.size() != dims_.size()) {
    return InvalidArgument("stats table: expected " +
                           std::to_string(dims_.size()) + " categories, got " +
                           std::to_string(categories.size()));
  }
  size_t cell = 0;
  for (size_t i = 0; i < dims_.size(); ++i) {
    auto it = index_[i].find(categories[i]);
    if (it == index_[i].end()) {
      return InvalidArgument("stats table: '" + categories[i] +
                             "' is not a known " + dims_[i].name);
    }
    cell += it->second * strides_[i];
  }
  return cell;
}

std::vector<size_t> CountTable::Coordinates(size_t cell) const {
  std::vector<size_t> c(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i) {
    c[i] = cell / strides_[i];
    cell %= strides_[i];
  }
  return c;
}

size_t CountTable::CellAt(const std::vector<size_t>& coordinates) const {
  size_t cell = 0;
  for (size_t i = 0; i < dims_.size(); ++i)
    cell += coordinates[i] * strides_[i];
  return cell;
}

std::vector<std::string> CountTable::Labels(size_t cell) const {
  std::vector<size_t> c = Coordinates(cell);
  std::vector<std::string> labels(dims_.size());
  for (size_t i = 0; i < dims_.size(); ++i)
    labels[i] = dims_[i].categories[c[i]];
  return labels;
}

Result<CountTable> CountTable::Marginal(
    const std::vector<std::string>& keep) const {
  std::vector<Dimension> kept;
  std::vector<size_t> source_dim;
  for (const std::string& name : keep) {
    std::optional<size_t> i = DimensionIndex(name);
    if (!i)
      return InvalidArgument("stats table: unknown dimension '" + name + "'");
    kept.push_back(dims_[*i]);
    source_dim.push_back(*i);
  }
  CITYID_ASSIGN_OR_RETURN(CountTable out,
                          Create(std::move(kept)));  // rejects repeats
  std::vector<size_t> sub(source_dim.size());
  for (size_t cell = 0; cell < counts_.size(); ++cell) {
    std::vector<size_t> c = Coordinates(cell);
    for (size_t j = 0; j < source_dim.size(); ++j) sub[j] = c[source_dim[j]];
    out.counts_[out.CellAt(sub)] += counts_[cell];
  }
  return out;
}

Result<CountTable> CountTable::Restrict(
    std::string_view dimension,
    const std::vector<std::string>& categories) const {
  std::optional<size_t> d = DimensionIndex(dimension);
  if (!d)
    return InvalidArgument("stats table: unknown dimension '" +
                           std::string(dimension) + "'");
  std::vector<size_t> source;
  for (const std::string& c : categories) {
    auto it = index_[*d].find(c);
    if (it == index_[*d].end()) {
      return InvalidArgument("stats table: '" + c + "' is not a known " +
                             dims_[*d].name);
    }
    source.push_back(it->second);
  }
  std::vector<Dimension> dims = dims_;
  dims[*d].categories = categories;
  CITYID_ASSIGN_OR_RETURN(CountTable out,
                          Create(std::move(dims)));  // rejects repeats, empty
  for (size_t cell = 0; cell < out.cell_count(); ++cell) {
    std::vector<size_t> c = out.Coordinates(cell);
    c[*d] = source[c[*d]];
    out.counts_[cell] = counts_[CellAt(c)];
  }
  return out;
}

}  // namespace cityid::stats
