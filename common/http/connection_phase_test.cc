#include "common/http/connection_phase.h"

#include <gtest/gtest.h>

#include <ostream>

namespace staticship::http {

void PrintTo(ConnectionPhase p, std::ostream* os) { *os << PhaseName(p); }

namespace {

using P = ConnectionPhase;

TEST(ConnectionPhaseTest, StopReadingClosesOnlyAnOpenConnection) {
  EXPECT_EQ(StopReading(P::kOpen), P::kClosing);
  for (P p : {P::kClosing, P::kRejecting, P::kLingering, P::kClosed}) {
    EXPECT_EQ(StopReading(p), p) << PhaseName(p);
  }
}

TEST(ConnectionPhaseTest, RejectLingersWhateverElseStoppedTheReading) {
  EXPECT_EQ(Reject(P::kOpen), P::kRejecting);
  EXPECT_EQ(Reject(P::kClosing), P::kRejecting);
  EXPECT_EQ(Reject(P::kRejecting), P::kRejecting);
  // Too late to linger for an answer already written, or at all.
  EXPECT_EQ(Reject(P::kLingering), P::kLingering);
  EXPECT_EQ(Reject(P::kClosed), P::kClosed);
}

TEST(ConnectionPhaseTest, AfterTheLastAnswerARejectionLingersAndTheRestClose) {
  EXPECT_EQ(AfterLastAnswer(P::kOpen), P::kOpen);  // keep-alive
  EXPECT_EQ(AfterLastAnswer(P::kClosing), P::kClosed);
  EXPECT_EQ(AfterLastAnswer(P::kRejecting), P::kLingering);
  EXPECT_EQ(AfterLastAnswer(P::kLingering), P::kClosed);
  EXPECT_EQ(AfterLastAnswer(P::kClosed), P::kClosed);
}

TEST(ConnectionPhaseTest, TheTwoWaysToTheEnd) {
  // Connection: close.
  P p = P::kOpen;
  p = StopReading(p);
  p = AfterLastAnswer(p);
  EXPECT_EQ(p, P::kClosed);
  // A 413 after the peer also half-closed: the rejection still lingers.
  p = StopReading(P::kOpen);
  p = Reject(p);
  p = StopReading(p);  // a drain meanwhile
  p = AfterLastAnswer(p);
  EXPECT_EQ(p, P::kLingering);
}

TEST(ConnectionPhaseTest, EveryPhaseHasAName) {
  EXPECT_EQ(PhaseName(P::kOpen), "open");
  EXPECT_EQ(PhaseName(P::kClosing), "closing");
  EXPECT_EQ(PhaseName(P::kRejecting), "rejecting");
  EXPECT_EQ(PhaseName(P::kLingering), "lingering");
  EXPECT_EQ(PhaseName(P::kClosed), "closed");
}

}  // namespace
}  // namespace staticship::http
