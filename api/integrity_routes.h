// The ledger's integrity routes (SPEC §3, §7, §10): the signed checkpoint,
// its verifier key, and RFC 9162 proofs served from the stored Merkle tree.
// All public (no token): they reveal only hashes and sizes.
//
//   GET /v1/checkpoint     200 text/plain; the latest C2SP signed note whose
//                          body is a tlog-checkpoint (origin, size, root)
//   GET /v1/keys           200 text/plain; the note verifier key
//                          "<name>+<8 hex>+<base64>", no trailing newline
//   GET /v1/proofs/inclusion?seq=N[&size=S]
//        200 {"leaf_index": N-1, "tree_size": S, "hashes": [base64...]}
//        (leaf index = seq - 1; S defaults to the latest checkpoint's size)
//   GET /v1/proofs/consistency?from=A[&to=B]
//        200 {"from": A, "to": B, "hashes": [base64...]}
//        (B defaults to the latest checkpoint's size; A = 0 or A = B give an
//        empty proof, as ledger/integrity/merkle.h's VerifyConsistency expects)
//
// Parameter errors (problem+json, api/problem.h):
//   400 malformed       a parameter missing, repeated, or not a decimal
//                       integer (up to 19 digits)
//   422 validation      seq = 0, seq > size, from > to
//   404 not-found       size or to beyond the tree's current size (the tree
//                       has not grown that far yet; the detail says how far)
//   503 unavailable     the node store failed to read
// Proofs for any size up to the tree's committed size are answered, not only
// checkpointed sizes; clients normally ask for a checkpoint's size.
//
// Threading: handlers run on the server's strands and answer at once
// (a proof is O(log^2 n) reads of the node store). `tree` and `checkpointer`
// are borrowed and must outlive the router's use: stop the HTTP server
// before the ledger closes (which closes the tree).
#ifndef CITYID_API_INTEGRITY_ROUTES_H_
#define CITYID_API_INTEGRITY_ROUTES_H_

#include "api/router.h"
#include "ledger/integrity/checkpointer.h"
#include "ledger/integrity/merkle_tree.h"

namespace cityid {

void RegisterIntegrityRoutes(Router& router, const MerkleTree& tree,
                             const Checkpointer& checkpointer);

}  // namespace cityid

#endif  // CITYID_API_INTEGRITY_ROUTES_H_
