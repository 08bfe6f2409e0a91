// RFC 9162 §2.1 Merkle tree hashing and proof verification: pure functions,
// no storage. The tree that produces roots and proofs is
// ledger/integrity/merkle_tree.h.
//
//   leaf hash = SHA-256(0x00 || leaf bytes)
//   node hash = SHA-256(0x01 || left || right)
//   MTH({})   = SHA-256()  (the hash of the empty string)
//
// In cityid the leaves are the exact framed event bytes and leaf index =
// seq - 1 (SPEC §7). All functions are thread-safe.
#ifndef CITYID_LEDGER_INTEGRITY_MERKLE_H_
#define CITYID_LEDGER_INTEGRITY_MERKLE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace cityid {

using MerkleHash = Sha256Digest;

// SHA-256(0x00 || leaf).
MerkleHash MerkleLeafHash(std::string_view leaf);
// SHA-256(0x01 || left || right).
MerkleHash MerkleNodeHash(const MerkleHash& left, const MerkleHash& right);
// MTH of the empty tree: SHA-256 of the empty string.
MerkleHash MerkleEmptyRoot();

// 32 raw bytes <-> MerkleHash. FromBytes: kMalformed unless exactly 32 bytes.
std::string MerkleHashBytes(const MerkleHash& hash);
Result<MerkleHash> MerkleHashFromBytes(std::string_view bytes);
// Standard base64 (RFC 4648 §4, padded), as in checkpoints and proof JSON.
std::string MerkleHashBase64(const MerkleHash& hash);
Result<MerkleHash> MerkleHashFromBase64(std::string_view text);

// The root that an inclusion proof implies (RFC 9162 §2.1.3.2 steps 1-4).
// kInvalidArgument when leaf_index >= tree_size or the path has the wrong
// length for (leaf_index, tree_size).
Result<MerkleHash> RootFromInclusionProof(uint64_t leaf_index,
                                          uint64_t tree_size,
                                          const MerkleHash& leaf_hash,
                                          std::span<const MerkleHash> path);

// RFC 9162 §2.1.3.2. OK when the path proves that `leaf_hash` is the leaf at
// `leaf_index` of the tree of `tree_size` leaves whose root is `root`.
// kInvalidArgument (naming why) otherwise.
Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size,
                       const MerkleHash& leaf_hash,
                       std::span<const MerkleHash> path,
                       const MerkleHash& root);

// RFC 9162 §2.1.4.2. OK when the path proves that the tree of size `first`
// with root `first_root` is a prefix of the tree of size `second` with root
// `second_root`. kInvalidArgument (naming why) otherwise.
// Edge cases outside the RFC algorithm (which assumes 0 < first < second):
//   first == second: OK iff the path is empty and the roots are equal;
//   first == 0: OK iff the path is empty (every tree extends the empty one);
//   first > second: kInvalidArgument.
Status VerifyConsistency(uint64_t first, uint64_t second,
                         const MerkleHash& first_root,
                         const MerkleHash& second_root,
                         std::span<const MerkleHash> path);

}  // namespace cityid

#endif  // CITYID_LEDGER_INTEGRITY_MERKLE_H_
