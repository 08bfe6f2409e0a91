#include "api/integrity_routes.h"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <string>

#include "api/problem.h"

namespace cityid {
namespace {

namespace json = boost::json;

HttpResponse Text(std::string body) {
  HttpResponse res;
  res.status = 200;
  res.headers["Content-Type"] = "text/plain; charset=utf-8";
  res.headers["Cache-Control"] = "no-cache";
  res.body = std::move(body);
  return res;
}

// The named query parameter as a number; nullopt (not an error) when absent
// and optional.
Result<std::optional<uint64_t>> Param(
    const std::map<std::string, std::string>& query, const std::string& key,
    bool required) {
  auto it = query.find(key);
  if (it == query.end()) {
    if (required) return Malformed("query parameter " + key + " is required");
    return std::optional<uint64_t>();
  }
  const std::string& v = it->second;
  if (v.empty() || v.size() > 19 ||
      !std::all_of(v.begin(), v.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return Malformed(key + " must be a non-negative decimal integer");
  }
  return std::optional<uint64_t>(std::stoull(v));
}

// Resolves the tree size a proof is asked for: `requested` or, by default,
// the latest checkpoint's size. kNotFound beyond the tree.
Result<uint64_t> TreeSize(const MerkleTree& tree,
                          const Checkpointer& checkpointer,
                          std::optional<uint64_t> requested,
                          const std::string& name) {
  const uint64_t size =
      requested ? *requested : checkpointer.LatestCheckpoint().size;
  const uint64_t have = tree.size();
  if (size > have) {
    return NotFound(name + " " + std::to_string(size) +
                    " is beyond the tree, which has " + std::to_string(have) +
                    " leaves");
  }
  return size;
}

json::array Hashes(const std::vector<MerkleHash>& path) {
  json::array out;
  out.reserve(path.size());
  for (const MerkleHash& h : path) out.emplace_back(MerkleHashBase64(h));
  return out;
}

// A store read error is kUnavailable/kCorruption; argument errors were
// caught before, so anything else from the tree is a bug.
Status ProofError(const Status& s) {
  if (s.code() == Code::kInvalidArgument) return Internal(s.message());
  return s;
}

Result<json::object> Inclusion(const MerkleTree& tree,
                               const Checkpointer& checkpointer,
                               std::string_view raw_query) {
  CITYID_ASSIGN_OR_RETURN(auto query, ParseQuery(raw_query));
  CITYID_ASSIGN_OR_RETURN(std::optional<uint64_t> seq,
                          Param(query, "seq", true));
  CITYID_ASSIGN_OR_RETURN(std::optional<uint64_t> size_param,
                          Param(query, "size", false));
  if (*seq == 0) return InvalidArgument("seq must be at least 1");
  CITYID_ASSIGN_OR_RETURN(uint64_t size,
                          TreeSize(tree, checkpointer, size_param, "size"));
  if (*seq > size) {
    return InvalidArgument("seq " + std::to_string(*seq) +
                           " is not in a tree of size " + std::to_string(size));
  }
  auto path = tree.InclusionProof(*seq - 1, size);
  if (!path.ok()) return ProofError(path.status());
  return json::object{
      {"leaf_index", *seq - 1}, {"tree_size", size}, {"hashes", Hashes(*path)}};
}

Result<json::object> Consistency(const MerkleTree& tree,
                                 const Checkpointer& checkpointer,
                                 std::string_view raw_query) {
  CITYID_ASSIGN_OR_RETURN(auto query, ParseQuery(raw_query));
  CITYID_ASSIGN_OR_RETURN(std::optional<uint64_t> from,
                          Param(query, "from", true));
  CITYID_ASSIGN_OR_RETURN(std::optional<uint64_t> to_param,
                          Param(query, "to", false));
  CITYID_ASSIGN_OR_RETURN(uint64_t to,
                          TreeSize(tree, checkpointer, to_param, "to"));
  if (*from > to) {
    return InvalidArgument("from " + std::to_string(*from) + " is beyond to " +
                           std::to_string(to));
  }
  auto path = tree.ConsistencyProof(*from, to);
  if (!path.ok()) return ProofError(path.status());
  return json::object{{"from", *from}, {"to", to}, {"hashes", Hashes(*path)}};
}

HttpResponse Answer(const Result<json::object>& body) {
  if (!body.ok()) return ProblemResponse(body.status());
  return JsonResponse(200, json::serialize(*body));
}

}  // namespace

void RegisterIntegrityRoutes(Router& router, const MerkleTree& tree,
                             const Checkpointer& checkpointer) {
  const MerkleTree* t = &tree;
  const Checkpointer* c = &checkpointer;
  router.Add("GET", "/v1/checkpoint",
             [c](const HttpRequest&, const RouteParams&, Responder respond) {
               std::string note = c->LatestNote();
               if (note.empty()) {
                 return respond(ProblemResponse(
                     Unavailable("no checkpoint has been signed yet")));
               }
               respond(Text(std::move(note)));
             });
  router.Add("GET", "/v1/keys",
             [c](const HttpRequest&, const RouteParams&, Responder respond) {
               respond(Text(c->VerifierKey()));
             });
  router.Add(
      "GET", "/v1/proofs/inclusion",
      [t, c](const HttpRequest& req, const RouteParams&, Responder respond) {
        respond(Answer(Inclusion(*t, *c, req.query)));
      });
  router.Add(
      "GET", "/v1/proofs/consistency",
      [t, c](const HttpRequest& req, const RouteParams&, Responder respond) {
        respond(Answer(Consistency(*t, *c, req.query)));
      });
}

}  // namespace cityid
