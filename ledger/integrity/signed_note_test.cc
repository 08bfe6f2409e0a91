#include "ledger/integrity/signed_note.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/bytes.h"
#include "ledger/integrity/signed_note_reference_test.h"

namespace cityid {
namespace {

// Known-answer vectors from golang.org/x/mod/sumdb/note/note_test.go.
constexpr char kPeterSkey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+"
    "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kPeterVkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kEnochVkey[] =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr char kText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kPeterSig[] =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnA"
    "M=\n";
constexpr char kEnochSig[] =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

NoteVerifier Verifier(const char* vkey) {
  return NoteVerifier::Parse(vkey).value();
}

Result<OpenedNote> Open(const std::string& note,
                        const std::vector<NoteVerifier>& known) {
  return OpenNote(note, known);
}

TEST(SignedNoteTest, ReproducesGoSumdbNoteKnownAnswer) {
  NoteSigner signer = NoteSigner::Parse(kPeterSkey).value();
  EXPECT_EQ(signer.name(), "PeterNeumann");
  EXPECT_EQ(signer.key_hash(), 0xc74f20a3u);
  EXPECT_EQ(signer.ToString(), kPeterSkey);
  EXPECT_EQ(signer.Verifier().ToString(), kPeterVkey);
  std::string note = SignNote(kText, signer).value();
  EXPECT_EQ(note, std::string(kText) + "\n" + kPeterSig);
}

TEST(SignedNoteTest, OpensGoNotesWithKnownAndUnknownKeys) {
  const std::string note = std::string(kText) + "\n" + kPeterSig + kEnochSig;
  Result<OpenedNote> one = Open(note, {Verifier(kPeterVkey)});
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->text, kText);
  ASSERT_EQ(one->verified.size(), 1u);
  EXPECT_EQ(one->verified[0].name, "PeterNeumann");
  EXPECT_EQ(one->verified[0].key_hash, 0xc74f20a3u);
  ASSERT_EQ(one->unverified.size(), 1u);
  EXPECT_EQ(one->unverified[0].key_hash, 0xaf0cfe78u);

  Result<OpenedNote> both =
      Open(note, {Verifier(kPeterVkey), Verifier(kEnochVkey)});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->verified.size(), 2u);

  Result<OpenedNote> none = Open(note, {});
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  EXPECT_NE(none.status().message().find("unknown key"), std::string::npos);

  EXPECT_EQ(
      Open(note, {Verifier(kEnochVkey), Verifier(kEnochVkey)}).status().code(),
      Code::kInvalidArgument);
}

TEST(SignedNoteTest, RejectsGoBadSignatureAndMalformedVectors) {
  const std::string peter_sig = kPeterSig;
  // A known key's signature that fails: the whole note is rejected.
  std::string bad_sig = std::string(kText) + "\n" + peter_sig.substr(0, 60) +
                        "ABCD" + peter_sig.substr(60);
  Result<OpenedNote> bad = Open(bad_sig, {Verifier(kPeterVkey)});
  EXPECT_EQ(bad.status().code(), Code::kCorruption);
  EXPECT_NE(bad.status().message().find("bad signature"), std::string::npos);

  const std::vector<std::string> malformed = {
      kText,
      std::string(kText) + "\n",
      std::string(kText) + "\n" + peter_sig.substr(0, peter_sig.size() - 1),
      "\x01" + std::string(kText) + "\n" + peter_sig,
      "\xff" + std::string(kText) + "\n" + peter_sig,
      std::string(kText) + "\n" +
          "\xE2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNI"
          "uGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
      std::string(kText) + "\n" + peter_sig + "Unexpected line.\n",
  };
  for (const std::string& note : malformed) {
    EXPECT_EQ(Open(note, {Verifier(kPeterVkey)}).status().code(),
              Code::kMalformed)
        << note;
  }
  std::string many = std::string(kText) + "\n";
  for (int i = 0; i < 101; ++i) many += peter_sig;
  EXPECT_EQ(Open(many, {Verifier(kPeterVkey)}).status().code(),
            Code::kMalformed);
}

TEST(SignedNoteTest, RejectsEveryManglingOfGoKeyTexts) {
  for (std::string key : {std::string(kPeterVkey), std::string(kPeterSkey)}) {
    bool is_signer = key.rfind("PRIVATE", 0) == 0;
    auto parses = [&](const std::string& k) {
      return is_signer ? NoteSigner::Parse(k).ok()
                       : NoteVerifier::Parse(k).ok();
    };
    ASSERT_TRUE(parses(key));
    for (size_t i = 0; i <= key.size(); ++i) {
      for (size_t j = i + 1; j <= key.size(); ++j) {
        if (i == 0 && j == key.size()) continue;
        EXPECT_FALSE(parses(key.substr(i, j - i))) << key.substr(i, j - i);
      }
    }
    for (size_t i = 0; i < key.size(); ++i) {
      std::string k = key;
      ++k[i];
      EXPECT_FALSE(parses(k)) << k;
    }
  }
  // Wrong key length and unknown algorithm, each with a matching hash.
  EXPECT_FALSE(NoteVerifier::Parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhK"
                                   "qiBfsVkmqq/LDE4izWy10TWBADKEY==")
                   .ok());
  EXPECT_FALSE(NoteVerifier::Parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhK"
                                   "qiBfsVkmqq/LDE4izWy10TW")
                   .ok());
}

TEST(SignedNoteTest, GeneratedKeySignsNotesTheSpecVerifierAccepts) {
  NoteSigner signer = NoteSigner::Generate("cityid.example/log").value();
  NoteSigner reparsed = NoteSigner::Parse(signer.ToString()).value();
  EXPECT_EQ(reparsed.Verifier().ToString(), signer.Verifier().ToString());
  NoteVerifier verifier =
      NoteVerifier::Parse(signer.Verifier().ToString()).value();
  EXPECT_EQ(verifier.key_hash(), signer.key_hash());

  std::string note = SignNote("hello\nworld\n", signer).value();
  Result<OpenedNote> opened = Open(note, {verifier});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->text, "hello\nworld\n");

  std::string text;
  EXPECT_TRUE(reference::VerifyNote(note, verifier.name(),
                                    verifier.public_key(), &text));
  EXPECT_EQ(text, "hello\nworld\n");
}

TEST(SignedNoteTest, NoteSignedWithAnotherKeyFailsBothVerifiers) {
  NoteSigner ours = NoteSigner::Generate("cityid.example/log").value();
  NoteSigner theirs = NoteSigner::Generate("cityid.example/log").value();
  std::string note = SignNote("body\n", theirs).value();
  EXPECT_EQ(Open(note, {ours.Verifier()}).status().code(), Code::kNotFound);
  std::string text;
  EXPECT_FALSE(reference::VerifyNote(note, ours.name(),
                                     ours.Verifier().public_key(), &text));
}

TEST(SignedNoteTest, ModifiedBodyFailsBothVerifiers) {
  NoteSigner signer = NoteSigner::Generate("cityid.example/log").value();
  std::string note = SignNote("size 10\n", signer).value();
  note[5] = '9';
  EXPECT_EQ(Open(note, {signer.Verifier()}).status().code(), Code::kCorruption);
  std::string text;
  EXPECT_FALSE(reference::VerifyNote(note, signer.name(),
                                     signer.Verifier().public_key(), &text));
}

TEST(SignedNoteTest, MalformedSignatureLinesAreRejected) {
  NoteSigner signer = NoteSigner::Generate("log").value();
  std::string good = SignNote("body\n", signer).value();
  std::string line = good.substr(good.find("\n\n") + 2);
  std::string b64 = line.substr(line.find(' ', 4) + 1);
  b64.pop_back();  // the newline
  const std::vector<std::string> bad_lines = {
      "-- log " + b64 + "\n",             // ASCII dashes
      "\xE2\x80\x94log " + b64 + "\n",    // no space after the dash
      "\xE2\x80\x94 log" + b64 + "\n",    // no space before the sig
      "\xE2\x80\x94 log " + b64 + "!\n",  // not base64
      "\xE2\x80\x94 log AAAA\n",          // shorter than id + 1 byte
      "\xE2\x80\x94 log " + b64.substr(1) + "\n",
  };
  for (const std::string& bad : bad_lines) {
    Result<OpenedNote> r = Open("body\n\n" + bad, {signer.Verifier()});
    EXPECT_EQ(r.status().code(), Code::kMalformed) << bad;
  }
}

TEST(SignedNoteTest, ValidatesNamesAndText) {
  EXPECT_TRUE(IsValidNoteKeyName("example.com/log42"));
  EXPECT_FALSE(IsValidNoteKeyName(""));
  EXPECT_FALSE(IsValidNoteKeyName("a+b"));
  EXPECT_FALSE(IsValidNoteKeyName("a b"));
  EXPECT_FALSE(
      IsValidNoteKeyName("a\xC2\xA0"
                         "b"));  // no-break space
  EXPECT_FALSE(
      IsValidNoteKeyName("a\xE3\x80\x80"
                         "b"));                      // ideographic space
  EXPECT_FALSE(IsValidNoteKeyName("a\xC0\xAF"));     // overlong '/'
  EXPECT_FALSE(IsValidNoteKeyName("\xED\xA0\x80"));  // surrogate
  EXPECT_TRUE(IsValidNoteKeyName("ciudad.example/registro-\xC3\xB1"));
  NoteSigner signer = NoteSigner::Generate("log").value();
  EXPECT_EQ(SignNote("no newline", signer).status().code(), Code::kMalformed);
  EXPECT_EQ(SignNote("tab\there\n", signer).status().code(), Code::kMalformed);
  EXPECT_EQ(NoteSigner::Generate("bad name").status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace cityid
