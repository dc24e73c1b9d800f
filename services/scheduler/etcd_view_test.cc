#include "services/scheduler/etcd_view.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "services/scheduler/rendezvous_hash.h"

namespace staticship::scheduler {
namespace {

using Ids = std::vector<std::string>;

constexpr char kPrefix[] = "/p/";

std::string Spec(int priority) {
  return R"({"zone_id":"z","priority":)" + std::to_string(priority) + "}";
}

std::string Record(TaskState state) {
  Task t;
  t.id = "any";  // status/<id> names the task; the record's own id is unread
  t.state = state;
  t.version = 3;
  return TaskToRecord(t);
}

etcd::KeyValue Kv(std::string key, std::string value, int64_t create,
                  int64_t mod, int64_t lease = 0) {
  return {std::string(kPrefix) + key, std::move(value), create, mod, lease};
}

etcd::Event Put(etcd::KeyValue kv) { return {false, std::move(kv)}; }
etcd::Event Delete(std::string key, int64_t at) {
  etcd::KeyValue kv;
  kv.key = kPrefix + key;
  kv.mod_revision = at;
  return {true, std::move(kv)};
}

class EtcdViewTest : public ::testing::Test {
 protected:
  EtcdView view_{{.prefix = kPrefix,
                  .zone_known = nullptr,
                  .our_lease = [this] { return lease_; },
                  .on_candidate = [this] { ++wakeups_; },
                  .now_ms = [this] { return now_; },
                  .steal_after_ms = 500}};
  int64_t lease_ = 77;
  int64_t now_ = 0;
  int wakeups_ = 0;
};

TEST_F(EtcdViewTest, CandidatesGoByPriorityThenCreation) {
  view_.Replace({Kv("tasks/a", Spec(5), 10, 10), Kv("tasks/b", Spec(9), 12, 12),
                 Kv("tasks/c", Spec(5), 11, 11), Kv("tasks/d", Spec(9), 13, 13),
                 Kv("tasks/bad", "{not json", 9, 9)},
                20);
  // An unparseable spec still gets claimed (to record its failure), last.
  EXPECT_EQ(view_.Candidates(), (Ids{"b", "d", "a", "c", "bad"}));
  EXPECT_EQ(view_.next_revision(), 21);
  EXPECT_EQ(wakeups_, 5);
  const TaskView* bad = view_.Find("bad");
  ASSERT_NE(bad, nullptr);
  EXPECT_FALSE(bad->spec);
  EXPECT_EQ(bad->spec_error, "body: invalid JSON");
}

TEST_F(EtcdViewTest, ClaimedOrFinalTasksAreNoCandidates) {
  view_.Replace({Kv("tasks/held", Spec(5), 10, 10),
                 Kv("claims/held", "other", 11, 11, /*lease=*/5),
                 Kv("tasks/done", Spec(5), 12, 12),
                 Kv("status/done", Record(TaskState::kSucceeded), 13, 13),
                 Kv("tasks/retrying", Spec(5), 14, 14),
                 Kv("status/retrying", Record(TaskState::kQueued), 15, 15),
                 Kv("claims/orphan-only", "other", 16, 16, 5),
                 Kv("status/status-only", Record(TaskState::kQueued), 17, 17)},
                20);
  // A queued status without a claim: its holder died; it is open again. A
  // claim or a status without tasks/<id> is no task.
  EXPECT_EQ(view_.Candidates(), (Ids{"retrying"}));
  EXPECT_NE(view_.Find("orphan-only"), nullptr);
}

TEST_F(EtcdViewTest, AClaimOnOurOwnLeaseIsClaimedAgain) {
  // An earlier claim of ours whose answer got lost: claiming again finds
  // our lease on it and recovers the task.
  view_.Replace({Kv("tasks/a", Spec(5), 10, 10),
                 Kv("claims/a", "me", 11, 11, /*lease=*/77),
                 Kv("tasks/b", Spec(5), 12, 12),
                 Kv("claims/b", "other", 13, 13, /*lease=*/5)},
                20);
  EXPECT_EQ(view_.Candidates(), (Ids{"a"}));
}

TEST_F(EtcdViewTest, WithoutALeaseNoClaimIsOurs) {
  lease_ = 0;
  view_.Replace(
      {Kv("tasks/a", Spec(5), 10, 10), Kv("claims/a", "x", 11, 11, 0)}, 20);
  EXPECT_TRUE(view_.Candidates().empty());
}

TEST_F(EtcdViewTest, ADeletedClaimMakesTheTaskACandidateAgain) {
  view_.Replace(
      {Kv("tasks/a", Spec(5), 10, 10), Kv("claims/a", "x", 11, 11, 5)}, 20);
  EXPECT_TRUE(view_.Candidates().empty());
  int before = wakeups_;
  view_.ApplyEvents({Delete("claims/a", 25)});
  EXPECT_EQ(view_.Candidates(), (Ids{"a"}));
  EXPECT_EQ(wakeups_, before + 1);
  EXPECT_EQ(view_.next_revision(), 26);
}

TEST_F(EtcdViewTest, AnOlderAnswerNeverOverwritesANewerOne) {
  view_.Replace({Kv("tasks/a", Spec(5), 10, 10)}, 20);
  view_.ApplyEvents({Put(Kv("claims/a", "x", 30, 30, 5))});
  EXPECT_TRUE(view_.Candidates().empty());
  // A claim txn that failed at revision 28 saw no claim: older, dropped.
  view_.Learn(TaskKey::kClaim, "a", std::nullopt, 28);
  EXPECT_TRUE(view_.Find("a")->claim.present);
  EXPECT_TRUE(view_.Candidates().empty());
  // One at revision 31 saw it gone: newer, applied.
  view_.Learn(TaskKey::kClaim, "a", std::nullopt, 31);
  EXPECT_FALSE(view_.Find("a")->claim.present);
  EXPECT_EQ(view_.Candidates(), (Ids{"a"}));
  // The watch's delete at 31 arrives later; the same answer again.
  view_.ApplyEvents({Delete("claims/a", 31)});
  EXPECT_EQ(view_.Candidates(), (Ids{"a"}));
}

TEST_F(EtcdViewTest, AListCoversTheKeysItDoesNotShow) {
  view_.Replace({Kv("tasks/a", Spec(5), 10, 10)}, 50);
  // A txn answer from before the list showed a claim; the list, newer,
  // showed none.
  view_.Learn(TaskKey::kClaim, "a", Kv("claims/a", "x", 40, 40, 5), 45);
  EXPECT_FALSE(view_.Find("a")->claim.present);
  view_.Learn(TaskKey::kClaim, "a", Kv("claims/a", "x", 55, 55, 5), 55);
  EXPECT_TRUE(view_.Find("a")->claim.present);
}

TEST_F(EtcdViewTest, ALaterWatchEventIsAppliedWhateverItsOrder) {
  view_.Replace({Kv("tasks/a", Spec(5), 10, 10)}, 20);
  view_.ApplyEvents(
      {Put(Kv("status/a", Record(TaskState::kRunning), 21, 22)),
       Put(Kv("status/a", Record(TaskState::kSucceeded), 21, 23))});
  ASSERT_TRUE(view_.Find("a")->record);
  EXPECT_EQ(view_.Find("a")->record->state, TaskState::kSucceeded);
  EXPECT_EQ(view_.next_revision(), 24);
  // An older event (a reconnect replaying) does not move it back.
  view_.ApplyEvents({Put(Kv("status/a", Record(TaskState::kRunning), 21, 22))});
  EXPECT_EQ(view_.Find("a")->record->state, TaskState::kSucceeded);
  EXPECT_EQ(view_.next_revision(), 24);
}

TEST_F(EtcdViewTest, ATaskWithNoKeysLeftIsForgotten) {
  view_.Replace({Kv("tasks/a", Spec(5), 10, 10),
                 Kv("status/a", Record(TaskState::kSucceeded), 11, 11)},
                20);
  view_.ApplyEvents({Delete("tasks/a", 21)});
  ASSERT_NE(view_.Find("a"), nullptr);  // status/a is left
  view_.ApplyEvents({Delete("status/a", 22)});
  EXPECT_EQ(view_.Find("a"), nullptr);
  // Only the watch or a list brings it back, not a claim's late answer.
  view_.Learn(TaskKey::kClaim, "a", Kv("claims/a", "x", 30, 30, 5), 30);
  view_.ApplyEvents({Delete("claims/a", 31)});
  EXPECT_EQ(view_.Find("a"), nullptr);
}

TEST_F(EtcdViewTest, AReplaceForgetsWhatTheListDoesNotHold) {
  view_.Replace({Kv("tasks/a", Spec(5), 10, 10)}, 20);
  view_.Replace({Kv("tasks/b", Spec(5), 30, 30)}, 40);
  EXPECT_EQ(view_.Find("a"), nullptr);
  EXPECT_EQ(view_.Candidates(), (Ids{"b"}));
  EXPECT_EQ(view_.next_revision(), 41);
}

TEST_F(EtcdViewTest, KeysOutsideTheLayoutAreIgnored) {
  view_.Replace({{"/other/tasks/a", Spec(5), 10, 10, 0},
                 Kv("leases/a", Spec(5), 11, 11),
                 Kv("tasks/", Spec(5), 12, 12),
                 Kv("tasks", Spec(5), 13, 13)},
                20);
  EXPECT_TRUE(view_.List().empty());
  EXPECT_TRUE(view_.Candidates().empty());
}

TEST_F(EtcdViewTest, AloneAClaimBatchTakesCandidatesInClaimOrder) {
  std::vector<etcd::KeyValue> kvs = {Kv("tasks/top", Spec(9), 100, 100)};
  for (int i = 0; i < 20; ++i) {
    kvs.push_back(
        Kv("tasks/t" + std::to_string(10 + i), Spec(5), 10 + i, 10 + i));
  }
  view_.Replace(kvs, 200);
  auto batch = view_.BeginClaims(3);
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[0].id, "top");
  EXPECT_EQ(batch[0].seen.spec->priority, 9);
  EXPECT_EQ(batch[1].id, "t10");
  EXPECT_EQ(batch[2].id, "t11");
  EXPECT_EQ(view_.claims_in_flight(), 3u);
  EXPECT_EQ(view_.Candidates().front(), "t12");
  EXPECT_EQ(view_.BeginClaims(100).size(), 18u);
  EXPECT_TRUE(view_.BeginClaims(100).empty());
  EXPECT_EQ(view_.claims_in_flight(), 21u);
}

TEST_F(EtcdViewTest, WithoutALeaseNothingIsClaimed) {
  view_.Replace({Kv("tasks/a", Spec(5), 10, 10)}, 20);
  lease_ = 0;
  EXPECT_TRUE(view_.BeginClaims(10).empty());
  EXPECT_EQ(view_.claims_in_flight(), 0u);
}

// Two live instances, 77 (us) and 88, and 40 tasks of one priority.
class EtcdViewSharingTest : public EtcdViewTest {
 protected:
  void SetUp() override {
    std::vector<etcd::KeyValue> kvs = {Kv("instances/77", "me", 5, 5, 77),
                                       Kv("instances/88", "them", 6, 6, 88)};
    for (int i = 0; i < 40; ++i) {
      std::string id = "t" + std::to_string(10 + i);
      kvs.push_back(Kv("tasks/" + id, Spec(5), 10 + i, 10 + i));
      (RendezvousOwner({77, 88}, id) == 77 ? ours_ : theirs_).push_back(id);
    }
    view_.Replace(kvs, 100);
    ASSERT_FALSE(ours_.empty());
    ASSERT_GE(theirs_.size(), 3u);
  }
  static std::vector<std::string> IdsOf(
      const std::vector<EtcdView::Claim>& claims) {
    std::vector<std::string> ids;
    for (const auto& c : claims) ids.push_back(c.id);
    return ids;
  }
  Ids ours_, theirs_;  // in creation order
};

TEST_F(EtcdViewSharingTest, TheWatchShowsTheLiveInstances) {
  EXPECT_EQ(view_.instances(), (std::set<int64_t>{77, 88}));
  view_.ApplyEvents({Delete("instances/88", 101)});
  EXPECT_EQ(view_.instances(), (std::set<int64_t>{77}));
  // Instance keys are no tasks.
  EXPECT_EQ(view_.List().size(), 40u);
}

TEST_F(EtcdViewSharingTest, OurShareAtOnceAStuckInstancesWhenItWaitedLong) {
  // Theirs became candidates at 0 (the fixture's clock).
  now_ = 100;
  EXPECT_EQ(IdsOf(view_.BeginClaims(100)), ours_);
  // Overdue from 500, but all within the kHelpSkip (128) that 88 may be
  // claiming right now.
  now_ = 500;
  EXPECT_TRUE(view_.BeginClaims(100).empty());
  // Stuck from 10 x 500: helped from its first task on, in claim order.
  now_ = 4999;
  EXPECT_TRUE(view_.BeginClaims(100).empty());
  now_ = 5000;
  EXPECT_EQ(IdsOf(view_.BeginClaims(2)), (Ids{theirs_[0], theirs_[1]}));
}

TEST_F(EtcdViewSharingTest, OurShareFirstThenTheirsFillTheBatch) {
  now_ = 10000;
  auto batch = IdsOf(view_.BeginClaims(ours_.size() + 1));
  ASSERT_EQ(batch.size(), ours_.size() + 1);
  EXPECT_EQ(Ids(batch.begin(), batch.end() - 1), ours_);
  EXPECT_EQ(batch.back(), theirs_.front());
}

TEST_F(EtcdViewSharingTest, AnInstanceBehindIsHelpedPastWhatItClaimsNow) {
  // 300 more tasks from 1000 on: 88 has well over kHelpSkip of them.
  now_ = 1000;
  Ids more_theirs;
  std::vector<etcd::Event> puts;
  for (int i = 0; i < 300; ++i) {
    std::string id = "u" + std::to_string(1000 + i);
    puts.push_back(Put(Kv("tasks/" + id, Spec(5), 1000 + i, 1000 + i)));
    if (RendezvousOwner({77, 88}, id) == 88) more_theirs.push_back(id);
  }
  view_.ApplyEvents(puts);
  ASSERT_GT(theirs_.size() + more_theirs.size(), EtcdView::kHelpSkip + 2);
  Ids all_theirs = theirs_;
  all_theirs.insert(all_theirs.end(), more_theirs.begin(), more_theirs.end());
  now_ = 1001;
  // Ours first (the fixture's and the new ones), then theirs past the
  // first 128, in claim order.
  auto batch = IdsOf(view_.BeginClaims(1000));
  ASSERT_EQ(batch.size(), ours_.size() + (300 - more_theirs.size()) +
                              all_theirs.size() - EtcdView::kHelpSkip);
  Ids helped(batch.end() - static_cast<std::ptrdiff_t>(all_theirs.size() -
                                                       EtcdView::kHelpSkip),
             batch.end());
  EXPECT_EQ(helped,
            Ids(all_theirs.begin() + EtcdView::kHelpSkip, all_theirs.end()));
}

TEST_F(EtcdViewSharingTest, NoHelpForAnInstanceThatIsNotBehind) {
  now_ = 100;
  ASSERT_EQ(IdsOf(view_.BeginClaims(100)), ours_);
  // Its tasks have waited 400 ms of the 500.
  now_ = 400;
  EXPECT_TRUE(view_.BeginClaims(100).empty());
}

TEST_F(EtcdViewSharingTest, ADeadInstancesShareIsOursAtOnce) {
  // Its key goes with its lease; its tasks are ours without waiting.
  view_.ApplyEvents({Delete("instances/88", 101)});
  EXPECT_EQ(view_.BeginClaims(100).size(), 40u);
}

TEST_F(EtcdViewSharingTest, ANewCandidateOfTheirsWaitsFromWhenItAppeared) {
  view_.ApplyEvents({Delete("instances/88", 101)});
  now_ = 300;
  // Every task is ours now; claim them all and lose them to 88's claims.
  ASSERT_EQ(view_.BeginClaims(100).size(), 40u);
  for (const std::string& id : theirs_) {
    view_.Learn(TaskKey::kClaim, id, Kv("claims/" + id, "them", 102, 102, 88),
                102);
    view_.EndClaim(id, false);
  }
  for (const std::string& id : ours_) view_.EndClaim(id, true);
  view_.ApplyEvents({Put(Kv("instances/88", "them", 103, 103, 88))});
  // 88's claims go (say it restarted on the same lease): candidates again
  // from 700, so 88 counts as stuck from 700 + 10 x 500.
  now_ = 700;
  for (const std::string& id : theirs_) {
    view_.ApplyEvents({Delete("claims/" + id, 104)});
  }
  now_ = 5699;
  EXPECT_TRUE(view_.BeginClaims(100).empty());
  now_ = 5700;
  EXPECT_EQ(view_.BeginClaims(100).size(), theirs_.size());
}

TEST_F(EtcdViewSharingTest, AnOrphanClaimOfOursIsOursWhateverTheHash) {
  const std::string id = theirs_.front();
  view_.ApplyEvents({Put(Kv("claims/" + id, "me", 101, 101, lease_))});
  now_ = 0;
  auto batch = IdsOf(view_.BeginClaims(100));
  EXPECT_NE(std::find(batch.begin(), batch.end(), id), batch.end());
}

TEST_F(EtcdViewTest, EndClaimReturnsALostTaskAndKeepsOneWeRun) {
  view_.Replace(
      {Kv("tasks/a", Spec(5), 10, 10), Kv("tasks/b", Spec(5), 11, 11)}, 20);
  ASSERT_EQ(view_.BeginClaims(2).size(), 2u);
  EXPECT_FALSE(view_.has_candidates());
  EXPECT_TRUE(view_.BeginClaims(2).empty());
  // Lost, and the txn showed the winner's claim: not a candidate.
  view_.Learn(TaskKey::kClaim, "a", Kv("claims/a", "x", 21, 21, 5), 21);
  view_.EndClaim("a", /*runs_here=*/false);
  // Won: ours now, whatever the watch shows of our claim.
  view_.EndClaim("b", /*runs_here=*/true);
  view_.ApplyEvents({Put(Kv("claims/b", "me", 22, 22, lease_))});
  EXPECT_FALSE(view_.has_candidates());
  EXPECT_EQ(view_.claims_in_flight(), 0u);
  // The winner of "a" dies: its claim goes, "a" is open again.
  view_.ApplyEvents({Delete("claims/a", 23)});
  EXPECT_EQ(view_.Candidates(), (Ids{"a"}));
  // An undecided claim of "a" gives it back as it was.
  auto again = view_.BeginClaims(1);
  ASSERT_EQ(again.size(), 1u);
  ASSERT_EQ(again[0].id, "a");
  view_.EndClaim("a", false);
  EXPECT_EQ(view_.Candidates(), (Ids{"a"}));
}

TEST_F(EtcdViewTest, TasksWeRunStayOursUntilTheirStatusIsFinal) {
  view_.Own("new");  // created here; the watch has not shown it yet
  view_.ApplyEvents(
      {Put(Kv("tasks/new", Spec(5), 30, 30)),
       Put(Kv("claims/new", "me", 30, 30, lease_)),
       Put(Kv("status/new", Record(TaskState::kQueued), 30, 30))});
  EXPECT_FALSE(view_.has_candidates());
  // A final status ends our hold; a later non-final one (an operator's
  // edit) would make it open again rather than stuck as ours.
  view_.ApplyEvents(
      {Put(Kv("status/new", Record(TaskState::kSucceeded), 30, 31))});
  EXPECT_FALSE(view_.has_candidates());
  view_.ApplyEvents(
      {Put(Kv("status/new", Record(TaskState::kQueued), 30, 32))});
  EXPECT_EQ(view_.Candidates(), (Ids{"new"}));
}

TEST_F(EtcdViewTest, DisownOpensATaskOnlyTheFinalStatusEndsOurHold) {
  view_.Replace({Kv("tasks/a", Spec(5), 10, 10), Kv("tasks/b", Spec(5), 11, 11),
                 Kv("claims/b", "me", 12, 12, lease_)},
                20);
  view_.Own("a");
  view_.Own("b");
  EXPECT_FALSE(view_.has_candidates());
  // A create that failed: the task is someone else's to claim.
  view_.Disown("a");
  EXPECT_EQ(view_.Candidates(), (Ids{"a"}));
  // Our final status is written, but the watch lags: it shows our claim
  // only now. "b" must not pass for an orphan of ours.
  view_.ApplyEvents({Put(Kv("claims/b", "me", 12, 13, lease_))});
  EXPECT_EQ(view_.Candidates(), (Ids{"a"}));
  view_.ApplyEvents({Put(Kv("status/b", Record(TaskState::kSucceeded), 13, 21)),
                     Delete("claims/b", 21)});
  EXPECT_EQ(view_.Candidates(), (Ids{"a"}));
}

TEST_F(EtcdViewTest, ListShowsEveryTaskInCreationOrder) {
  view_.Replace({Kv("tasks/b", Spec(9), 12, 12), Kv("tasks/a", Spec(5), 10, 10),
                 Kv("status/a", Record(TaskState::kRunning), 11, 15),
                 Kv("tasks/bad", "[]", 14, 14),
                 Kv("status/leftover", Record(TaskState::kSucceeded), 9, 9)},
                20);
  std::vector<Task> list = view_.List();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, "a");
  EXPECT_EQ(list[0].state, TaskState::kRunning);  // its status record
  EXPECT_EQ(list[1].id, "b");
  EXPECT_EQ(list[1].state, TaskState::kQueued);  // its spec
  EXPECT_EQ(list[1].priority, 9);
  EXPECT_EQ(list[2].id, "bad");
  EXPECT_EQ(list[2].state, TaskState::kFailed);
  EXPECT_EQ(list[2].last_error,
            "invalid task in etcd: body: must be a JSON object");
}

TEST_F(EtcdViewTest, ZonesAreCheckedLikeAPost) {
  EtcdView strict({.prefix = kPrefix,
                   .zone_known = [](std::string_view z) { return z == "eu"; },
                   .our_lease = [] { return int64_t{0}; },
                   .on_candidate = nullptr,
                   .now_ms = nullptr});
  strict.Replace({Kv("tasks/a", R"({"zone_id":"eu"})", 10, 10),
                  Kv("tasks/b", R"({"zone_id":"mars"})", 11, 11)},
                 20);
  EXPECT_TRUE(strict.Find("a")->spec);
  EXPECT_FALSE(strict.Find("b")->spec);
  EXPECT_EQ(strict.Find("b")->spec_error, "zone_id: unknown zone 'mars'");
}

}  // namespace
}  // namespace staticship::scheduler
