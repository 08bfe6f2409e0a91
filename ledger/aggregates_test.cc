#include "ledger/aggregates.h"

#include <gtest/gtest.h>

namespace cityid {
namespace {

constexpr Micros kNow = 1'780'000'000LL * kMicrosPerSecond;  // 2026-05-28

class AggregatesTest : public ::testing::Test {
 protected:
  AggregatesTest() {
    env_.now = kNow;
    env_.pii_fields = {"given_name", "family_name", "date_of_birth", "phone"};
  }

  Event At(uint64_t seq, Payload p) {
    Event e;
    e.seq = seq;
    e.occurred_at = env_.now;
    e.payload = std::move(p);
    return e;
  }

  EnrollCommand Enroll() {
    return EnrollCommand{{{"given_name", "Ana"},
                          {"family_name", "Diaz"},
                          {"date_of_birth", "1990-04-01"}},
                         {"north", "30-39", "es"},
                         {"passport", "utility_bill"}};
  }

  ResidentState Resident(uint64_t seq = 1) {
    ResidentState r;
    auto e = DecideEnroll(Enroll(), env_, "", "r_000000000000000000000001",
                          "digest");
    EXPECT_TRUE(e.ok());
    ApplyToResident(r, At(seq, *e));
    return r;
  }

  CardState Card(const ResidentState& r, uint64_t seq = 2,
                 std::string type = "standard") {
    auto e = DecideIssue(&r, {}, {r.resident_id, type}, std::nullopt, env_,
                         NewCard{"1234567890128", "1", 77});
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    CardState c;
    c.card_id = e->card_id;
    ApplyToCard(c, At(seq, *e));
    return c;
  }

  Result<Payload> Act(const CardState& c, CardAction a,
                      std::string reason = "fraud",
                      std::vector<CardState> siblings = {}) {
    return DecideCardAction(&c, siblings, {c.card_id, a, std::move(reason)},
                            std::nullopt, env_);
  }

  DecideEnv env_;
};

// ---- enrollment ----

TEST_F(AggregatesTest, EnrollsValidResident) {
  auto e = DecideEnroll(Enroll(), env_, "", "r_1", "digest");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->resident_id, "r_1");
  EXPECT_EQ(e->pii_digest, "digest");
  EXPECT_EQ(e->documents,
            (std::vector<std::string>{"passport", "utility_bill"}));
}

TEST_F(AggregatesTest, RejectsDuplicateEnrollmentNamingExistingResident) {
  auto e = DecideEnroll(Enroll(), env_, "r_existing", "r_1", "digest");
  ASSERT_EQ(e.status().code(), Code::kConflict);
  EXPECT_NE(e.status().message().find("resident r_existing"),
            std::string::npos);
}

TEST_F(AggregatesTest, RejectsPiiFieldOutsidePolicyWithoutEchoingValue) {
  EnrollCommand cmd = Enroll();
  cmd.pii["address"] = "1 Secret Street";
  auto e = DecideEnroll(cmd, env_, "", "r_1", "d");
  ASSERT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(e.status().message().find("Secret"), std::string::npos);
  cmd.pii.erase("address");
  cmd.pii["phone"] = "555 0100";  // in this policy
  EXPECT_TRUE(DecideEnroll(cmd, env_, "", "r_1", "d").ok());
}

TEST_F(AggregatesTest, RequiresNamesAndDateOfBirthWhenInPolicy) {
  for (const char* field : {"given_name", "family_name", "date_of_birth"}) {
    EnrollCommand cmd = Enroll();
    cmd.pii.erase(field);
    EXPECT_EQ(ValidateEnroll(cmd, env_).code(), Code::kInvalidArgument)
        << field;
  }
  env_.pii_fields = {"given_name", "family_name"};
  EnrollCommand cmd = Enroll();
  cmd.pii.erase("date_of_birth");
  EXPECT_TRUE(ValidateEnroll(cmd, env_).ok());
}

TEST_F(AggregatesTest, RejectsBlankPiiValue) {
  EnrollCommand cmd = Enroll();
  cmd.pii["given_name"] = "   ";
  EXPECT_EQ(ValidateEnroll(cmd, env_).code(), Code::kInvalidArgument);
}

TEST_F(AggregatesTest, RejectsImpossibleOrFutureDateOfBirth) {
  for (const char* dob : {"1990-02-30", "1990-13-01", "90-01-01", "1990/01/01",
                          "2030-01-01", "1800-01-01", "1990-1-01x"}) {
    EnrollCommand cmd = Enroll();
    cmd.pii["date_of_birth"] = dob;
    Status s = ValidateEnroll(cmd, env_);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << dob;
    EXPECT_EQ(s.message().find(dob), std::string::npos)
        << "echoes PII: " << s.message();
  }
  EnrollCommand leap = Enroll();
  leap.pii["date_of_birth"] = "2000-02-29";
  EXPECT_TRUE(ValidateEnroll(leap, env_).ok());
}

TEST_F(AggregatesTest, RequiresEveryAttribute) {
  for (int i = 0; i < 3; ++i) {
    EnrollCommand cmd = Enroll();
    (i == 0   ? cmd.attributes.district
     : i == 1 ? cmd.attributes.age_band
              : cmd.attributes.language) = "";
    EXPECT_EQ(ValidateEnroll(cmd, env_).code(), Code::kInvalidArgument) << i;
  }
}

TEST_F(AggregatesTest, OpenDomainsRecordAnyDistrictTrimmed) {
  EnrollCommand cmd = Enroll();
  cmd.attributes.district = "  D07\t";
  auto e = DecideEnroll(cmd, env_, "", "r_1", "d");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->attributes.district, "D07");
  cmd.attributes.district = "D07/annex";
  EXPECT_EQ(ValidateEnroll(cmd, env_).code(), Code::kInvalidArgument);
}

TEST_F(AggregatesTest, ClosedDomainRefusesEnrollAndUpdateNamingAllowedValues) {
  env_.policy.districts.values = {"north", "south"};
  ResidentState r = Resident();
  EnrollCommand cmd = Enroll();
  cmd.attributes.district = "D01";
  Status s = DecideEnroll(cmd, env_, "", "r_2", "d").status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "attributes.district must be one of: north, south");
  UpdateResidentCommand update{r.resident_id, std::nullopt,
                               Attributes{"D01", "30-39", "es"}};
  EXPECT_EQ(DecideUpdate(&r, update, 1, env_, "", "").status().message(),
            "attributes.district must be one of: north, south");
  update.attributes->district = " south ";
  auto e = DecideUpdate(&r, update, 1, env_, "", "");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->attributes.district, "south");
}

TEST_F(AggregatesTest, ConfiguredCardTypesNarrowIssue) {
  env_.policy.card_types.values = {"standard", "senior"};
  ResidentState r = Resident();
  Status s = DecideIssue(&r, {}, {r.resident_id, "youth"}, std::nullopt, env_,
                         NewCard{"1234567890128", "2", 9})
                 .status();
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "card_type must be one of: standard, senior");
  EXPECT_TRUE(DecideIssue(&r, {}, {r.resident_id, "senior"}, std::nullopt, env_,
                          NewCard{"1234567890128", "2", 9})
                  .ok());
}

TEST_F(AggregatesTest, RecordsDocumentKindsButRefusesNumbers) {
  EnrollCommand cmd = Enroll();
  cmd.documents = {"passport", "consular_id"};
  EXPECT_TRUE(ValidateEnroll(cmd, env_).ok());
  for (const char* doc :
       {"X1234567", "passport 123", "Passport", "123456", ""}) {
    cmd.documents = {doc};
    EXPECT_EQ(ValidateEnroll(cmd, env_).code(), Code::kInvalidArgument) << doc;
  }
}

// ---- update ----

TEST_F(AggregatesTest, UpdatesLiveResident) {
  ResidentState r = Resident();
  UpdateResidentCommand cmd{r.resident_id, PiiRecord(Enroll().pii),
                            Attributes{"south", "30-39", "en"}};
  auto e = DecideUpdate(&r, cmd, 1, env_, r.resident_id, "new");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ApplyToResident(r, At(5, *e));
  EXPECT_EQ(r.pii_digest, "new");
  EXPECT_EQ(r.attributes.district, "south");
  EXPECT_EQ(r.version, 5u);
}

TEST_F(AggregatesTest, RejectsUpdateOfUnknownOrErasedResident) {
  UpdateResidentCommand cmd{"r_x", std::nullopt,
                            Attributes{"south", "30-39", "en"}};
  EXPECT_EQ(
      DecideUpdate(nullptr, cmd, std::nullopt, env_, "", "").status().code(),
      Code::kNotFound);
  ResidentState r = Resident();
  auto erase = DecideErase(&r, {}, {r.resident_id, "request"}, std::nullopt);
  ASSERT_TRUE(erase.ok());
  ApplyToResident(r, At(2, erase->back()));
  EXPECT_EQ(DecideUpdate(&r, cmd, std::nullopt, env_, "", "").status().code(),
            Code::kGone);
}

TEST_F(AggregatesTest, RejectsUpdateWithStaleVersion) {
  ResidentState r = Resident(3);
  UpdateResidentCommand cmd{r.resident_id, std::nullopt,
                            Attributes{"south", "30-39", "en"}};
  EXPECT_EQ(DecideUpdate(&r, cmd, 2, env_, "", "").status().code(),
            Code::kPreconditionFailed);
  EXPECT_TRUE(DecideUpdate(&r, cmd, 3, env_, "", "").ok());
}

TEST_F(AggregatesTest, RejectsEmptyUpdateAndUpdateToAnotherResidentsDetails) {
  ResidentState r = Resident();
  EXPECT_EQ(DecideUpdate(&r, {r.resident_id, std::nullopt, std::nullopt},
                         std::nullopt, env_, "", "")
                .status()
                .code(),
            Code::kInvalidArgument);
  UpdateResidentCommand cmd{r.resident_id, PiiRecord(Enroll().pii),
                            std::nullopt};
  auto e = DecideUpdate(&r, cmd, std::nullopt, env_, "r_other", "d");
  ASSERT_EQ(e.status().code(), Code::kConflict);
  EXPECT_NE(e.status().message().find("r_other"), std::string::npos);
}

// ---- issue ----

TEST_F(AggregatesTest, IssuesCardWithTypeValidity) {
  ResidentState r = Resident();
  for (auto [type, days] : {std::pair{"standard", 5 * 365},
                            {"youth", 2 * 365},
                            {"senior", 8 * 365}}) {
    auto e = DecideIssue(&r, {}, {r.resident_id, type}, std::nullopt, env_,
                         NewCard{"1234567890128", "2", 9});
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->expires_at - e->issued_at, days * kMicrosPerDay) << type;
    EXPECT_EQ(e->status_list, "2");
    EXPECT_EQ(e->status_index, 9u);
  }
  EXPECT_EQ(DecideIssue(&r, {}, {r.resident_id, "gold"}, std::nullopt, env_, {})
                .status()
                .code(),
            Code::kInvalidArgument);
}

TEST_F(AggregatesTest, RejectsSecondCardWhileOneIsActiveOrSuspended) {
  ResidentState r = Resident();
  CardState c = Card(r);
  IssueCardCommand cmd{r.resident_id, "standard"};
  EXPECT_EQ(DecideIssue(&r, {c}, cmd, std::nullopt, env_, {}).status().code(),
            Code::kConflict);
  auto s = Act(c, CardAction::kSuspend);
  ASSERT_TRUE(s.ok());
  ApplyToCard(c, At(3, *s));
  EXPECT_EQ(DecideIssue(&r, {c}, cmd, std::nullopt, env_, {}).status().code(),
            Code::kConflict);
  auto v = Act(c, CardAction::kRevoke);
  ASSERT_TRUE(v.ok());
  ApplyToCard(c, At(4, *v));
  EXPECT_TRUE(DecideIssue(&r, {c}, cmd, std::nullopt, env_, {}).ok());
}

TEST_F(AggregatesTest, ExpiredCardDoesNotBlockNewIssue) {
  ResidentState r = Resident();
  CardState c = Card(r);
  env_.now = c.expires_at;
  EXPECT_EQ(EffectiveStatus(c, env_.now), CardStatus::kExpired);
  EXPECT_TRUE(
      DecideIssue(&r, {c}, {r.resident_id, "senior"}, std::nullopt, env_, {})
          .ok());
}

TEST_F(AggregatesTest, RejectsIssueForUnknownErasedOrStaleResident) {
  IssueCardCommand cmd{"r_x", "standard"};
  EXPECT_EQ(
      DecideIssue(nullptr, {}, cmd, std::nullopt, env_, {}).status().code(),
      Code::kNotFound);
  ResidentState r = Resident(4);
  EXPECT_EQ(DecideIssue(&r, {}, cmd, 3, env_, {}).status().code(),
            Code::kPreconditionFailed);
  r.erased = true;
  EXPECT_EQ(DecideIssue(&r, {}, cmd, std::nullopt, env_, {}).status().code(),
            Code::kGone);
}

// ---- renew ----

TEST_F(AggregatesTest, RenewsActiveCardFromToday) {
  ResidentState r = Resident();
  CardState c = Card(r, 2, "youth");
  env_.now += 100 * kMicrosPerDay;
  auto e = Act(c, CardAction::kRenew, "");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ApplyToCard(c, At(9, *e));
  EXPECT_EQ(c.expires_at, env_.now + 2 * 365 * kMicrosPerDay);
  EXPECT_EQ(c.version, 9u);
}

TEST_F(AggregatesTest, RenewsExpiredCardOnlyWithinGracePeriod) {
  ResidentState r = Resident();
  CardState c = Card(r);
  env_.now = c.expires_at + 365 * kMicrosPerDay;
  EXPECT_TRUE(Act(c, CardAction::kRenew, "").ok());
  env_.now += 1;
  EXPECT_EQ(Act(c, CardAction::kRenew, "").status().code(), Code::kConflict);
}

TEST_F(AggregatesTest, RejectsRenewalOfSuspendedOrRevokedCard) {
  ResidentState r = Resident();
  CardState c = Card(r);
  c.status = CardStatus::kSuspended;
  EXPECT_EQ(Act(c, CardAction::kRenew, "").status().code(), Code::kConflict);
  c.status = CardStatus::kRevoked;
  EXPECT_EQ(Act(c, CardAction::kRenew, "").status().code(), Code::kConflict);
}

TEST_F(AggregatesTest, RejectsRenewalThatWouldGiveResidentTwoActiveCards) {
  ResidentState r = Resident();
  CardState old_card = Card(r);
  env_.now = old_card.expires_at + kMicrosPerDay;
  CardState fresh = Card(r, 3);
  fresh.card_id = "9999999999994";
  EXPECT_EQ(Act(old_card, CardAction::kRenew, "", {fresh}).status().code(),
            Code::kConflict);
}

// ---- replace ----

TEST_F(AggregatesTest, ReplaceRevokesOldCardAndActivatesNewOne) {
  ResidentState r = Resident();
  CardState c = Card(r);
  auto e = DecideReplace(&c, &r, {c.card_id, "lost"}, 2, env_,
                         NewCard{"5555555555554", "1", 1234});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(CardsChangedBy(*e),
            (std::vector<std::string>{c.card_id, "5555555555554"}));
  Event ev = At(7, *e);
  CardState fresh;
  fresh.card_id = "5555555555554";
  ApplyToCard(c, ev);
  ApplyToCard(fresh, ev);
  ApplyToResident(r, ev);
  EXPECT_EQ(c.status, CardStatus::kRevoked);
  EXPECT_EQ(fresh.status, CardStatus::kActive);
  EXPECT_EQ(fresh.status_index, 1234u);
  EXPECT_EQ(fresh.version, 7u);
  EXPECT_EQ(r.card_ids.back(), "5555555555554");
  EXPECT_EQ(r.version, 1u);  // a card change is not a resident change
}

TEST_F(AggregatesTest,
       RejectsReplaceWithBadReasonOrOfSuspendedRevokedOrExpiredCard) {
  ResidentState r = Resident();
  CardState c = Card(r);
  EXPECT_EQ(DecideReplace(&c, &r, {c.card_id, "bored"}, std::nullopt, env_, {})
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      DecideReplace(&c, &r, {c.card_id, "stolen"}, 1, env_, {}).status().code(),
      Code::kPreconditionFailed);
  EXPECT_EQ(DecideReplace(nullptr, &r, {"x", "stolen"}, std::nullopt, env_, {})
                .status()
                .code(),
            Code::kNotFound);
  env_.now = c.expires_at;
  EXPECT_EQ(
      DecideReplace(&c, &r, {c.card_id, "damaged"}, std::nullopt, env_, {})
          .status()
          .code(),
      Code::kConflict);
  env_.now = kNow;
  c.status = CardStatus::kSuspended;  // reinstate first: no lifting by replace
  EXPECT_EQ(DecideReplace(&c, &r, {c.card_id, "lost"}, std::nullopt, env_, {})
                .status()
                .code(),
            Code::kConflict);
  c.status = CardStatus::kRevoked;
  EXPECT_EQ(
      DecideReplace(&c, &r, {c.card_id, "name_change"}, std::nullopt, env_, {})
          .status()
          .code(),
      Code::kConflict);
}

// ---- suspend, reinstate, revoke ----

TEST_F(AggregatesTest, SuspensionIsReversible) {
  ResidentState r = Resident();
  CardState c = Card(r);
  auto s = Act(c, CardAction::kSuspend, "investigation");
  ASSERT_TRUE(s.ok());
  ApplyToCard(c, At(3, *s));
  EXPECT_EQ(c.status, CardStatus::kSuspended);
  EXPECT_EQ(Act(c, CardAction::kSuspend).status().code(), Code::kConflict);
  auto back = Act(c, CardAction::kReinstate, "cleared");
  ASSERT_TRUE(back.ok());
  ApplyToCard(c, At(4, *back));
  EXPECT_EQ(c.status, CardStatus::kActive);
  EXPECT_EQ(c.version, 4u);
}

TEST_F(AggregatesTest, RejectsReinstateOfCardThatIsNotSuspended) {
  ResidentState r = Resident();
  CardState c = Card(r);
  EXPECT_EQ(Act(c, CardAction::kReinstate).status().code(), Code::kConflict);
}

TEST_F(AggregatesTest, RejectsSuspendOfExpiredOrRevokedCard) {
  ResidentState r = Resident();
  CardState c = Card(r);
  env_.now = c.expires_at;
  EXPECT_EQ(Act(c, CardAction::kSuspend).status().code(), Code::kConflict);
  env_.now = kNow;
  c.status = CardStatus::kRevoked;
  EXPECT_EQ(Act(c, CardAction::kSuspend).status().code(), Code::kConflict);
}

TEST_F(AggregatesTest, RevocationIsFinal) {
  ResidentState r = Resident();
  CardState c = Card(r);
  c.status = CardStatus::kSuspended;
  auto e = Act(c, CardAction::kRevoke, "fraud");
  ASSERT_TRUE(e.ok());
  ApplyToCard(c, At(5, *e));
  EXPECT_EQ(c.status, CardStatus::kRevoked);
  EXPECT_EQ(c.reason, "fraud");
  EXPECT_EQ(Act(c, CardAction::kRevoke).status().code(), Code::kConflict);
  EXPECT_EQ(Act(c, CardAction::kReinstate).status().code(), Code::kConflict);
}

TEST_F(AggregatesTest, RevokesExpiredCard) {
  ResidentState r = Resident();
  CardState c = Card(r);
  env_.now = c.expires_at + kMicrosPerDay;
  EXPECT_TRUE(Act(c, CardAction::kRevoke).ok());
}

TEST_F(AggregatesTest, RequiresValidReasonCode) {
  ResidentState r = Resident();
  CardState c = Card(r);
  EXPECT_EQ(Act(c, CardAction::kSuspend, "").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Act(c, CardAction::kRevoke, "Fraud!").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Act(c, CardAction::kRevoke, "case 1234").status().code(),
            Code::kInvalidArgument);
  EXPECT_TRUE(Act(c, CardAction::kRevoke, "fraud_suspected").ok());
}

TEST_F(AggregatesTest, RejectsCardActionWithStaleVersionOrUnknownCard) {
  ResidentState r = Resident();
  CardState c = Card(r, 6);
  EXPECT_EQ(
      DecideCardAction(&c, {}, {c.card_id, CardAction::kSuspend, "x"}, 5, env_)
          .status()
          .code(),
      Code::kPreconditionFailed);
  EXPECT_TRUE(
      DecideCardAction(&c, {}, {c.card_id, CardAction::kSuspend, "x"}, 6, env_)
          .ok());
  EXPECT_EQ(DecideCardAction(nullptr, {}, {"1", CardAction::kSuspend, "x"},
                             std::nullopt, env_)
                .status()
                .code(),
            Code::kNotFound);
}

// ---- erase and read ----

TEST_F(AggregatesTest, ErasureRevokesEveryLiveCardThenErases) {
  ResidentState r = Resident();
  CardState live = Card(r);
  CardState revoked = live;
  revoked.card_id = "0000000000000";
  revoked.status = CardStatus::kRevoked;
  auto e = DecideErase(&r, {revoked, live}, {r.resident_id, "request"},
                       std::nullopt);
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->size(), 2u);
  ASSERT_TRUE(std::holds_alternative<CardRevoked>((*e)[0]));
  EXPECT_EQ(std::get<CardRevoked>((*e)[0]).card_id, live.card_id);
  EXPECT_EQ(std::get<CardRevoked>((*e)[0]).reason, "erased");
  ASSERT_TRUE(std::holds_alternative<ResidentErased>((*e)[1]));
  ApplyToResident(r, At(8, (*e)[1]));
  EXPECT_TRUE(r.erased);
  EXPECT_TRUE(r.pii_digest.empty());
  EXPECT_EQ(r.version, 8u);
}

TEST_F(AggregatesTest, RejectsErasureTwiceOrWithBadReason) {
  ResidentState r = Resident();
  EXPECT_EQ(DecideErase(&r, {}, {r.resident_id, "because"}, std::nullopt)
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(DecideErase(&r, {}, {r.resident_id, "request"}, 9).status().code(),
            Code::kPreconditionFailed);
  r.erased = true;
  EXPECT_EQ(DecideErase(&r, {}, {r.resident_id, "retention"}, std::nullopt)
                .status()
                .code(),
            Code::kGone);
  EXPECT_EQ(DecideErase(nullptr, {}, {"r_x", "request"}, std::nullopt)
                .status()
                .code(),
            Code::kNotFound);
}

TEST_F(AggregatesTest, ReadRequiresPurposeAndLiveResidentAndKeepsVersion) {
  ResidentState r = Resident(3);
  EXPECT_EQ(DecideRead(&r, {r.resident_id, ""}, "tok").status().code(),
            Code::kInvalidArgument);
  auto e = DecideRead(&r, {r.resident_id, "card pickup"}, "tok_clerk");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->accessor, "tok_clerk");
  ApplyToResident(r, At(10, *e));
  EXPECT_EQ(r.version, 3u);
  r.erased = true;
  EXPECT_EQ(
      DecideRead(&r, {r.resident_id, "card pickup"}, "tok").status().code(),
      Code::kGone);
}

}  // namespace
}  // namespace cityid
