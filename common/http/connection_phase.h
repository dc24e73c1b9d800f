// Where one server connection is in its life. The phases exclude each
// other, so one value says it (the server once kept it as flags, whose
// combinations had to be kept consistent by hand).
//
//   kOpen       reads requests and answers them
//   kClosing    reads no more requests (Connection: close, a closing
//               answer, the peer's FIN, a drain); closes once its answers
//               are written
//   kRejecting  kClosing after an error answer (400, 408, 413, 431...): the
//               peer may still be sending what was rejected, and closing
//               with unread input would RST and could destroy our answer
//               before the peer reads it
//   kLingering  the answers are written and our side is shut down; input is
//               read and discarded until the peer closes or the linger time
//               is over (as nginx's lingering_close)
//   kClosed     unwatched, destroyed soon
//
//   kOpen ──StopReading──> kClosing ──last answer written──> kClosed
//     └──Reject──> kRejecting ──last answer written──> kLingering ──> kClosed
//   (from any phase: I/O errors, a drain or the sweep close at once)
#ifndef STATICSHIP_COMMON_HTTP_CONNECTION_PHASE_H_
#define STATICSHIP_COMMON_HTTP_CONNECTION_PHASE_H_

#include <cstdint>
#include <string_view>

namespace staticship::http {

enum class ConnectionPhase : uint8_t {
  kOpen,
  kClosing,
  kRejecting,
  kLingering,
  kClosed,
};

// Something ended the reading of requests.
constexpr ConnectionPhase StopReading(ConnectionPhase p) {
  return p == ConnectionPhase::kOpen ? ConnectionPhase::kClosing : p;
}

// An error answer is queued: no more requests, and linger before closing.
constexpr ConnectionPhase Reject(ConnectionPhase p) {
  return p == ConnectionPhase::kOpen || p == ConnectionPhase::kClosing
             ? ConnectionPhase::kRejecting
             : p;
}

// Every queued answer is written and the write side shut down: a rejecting
// connection lingers, any other that stopped reading closes. (A lingering
// one gets here again only when a late answer is delivered to it; it then
// closes.)
constexpr ConnectionPhase AfterLastAnswer(ConnectionPhase p) {
  switch (p) {
    case ConnectionPhase::kOpen:
      return ConnectionPhase::kOpen;
    case ConnectionPhase::kRejecting:
      return ConnectionPhase::kLingering;
    default:
      return ConnectionPhase::kClosed;
  }
}

constexpr std::string_view PhaseName(ConnectionPhase p) {
  switch (p) {
    case ConnectionPhase::kOpen:
      return "open";
    case ConnectionPhase::kClosing:
      return "closing";
    case ConnectionPhase::kRejecting:
      return "rejecting";
    case ConnectionPhase::kLingering:
      return "lingering";
    case ConnectionPhase::kClosed:
      return "closed";
  }
  return "?";
}

}  // namespace staticship::http

#endif  // STATICSHIP_COMMON_HTTP_CONNECTION_PHASE_H_
