#include "services/scheduler/scheduler_core.h"

#include <algorithm>
#include <cstdio>

namespace staticship::scheduler {
namespace {

constexpr size_t kMaxErrorBodyBytes = 256;

bool IsRetryable(const DispatchOutcome& outcome) {
  switch (outcome.kind) {
    case DispatchOutcome::Kind::kConnectError:
    case DispatchOutcome::Kind::kTimeout:
      return true;
    case DispatchOutcome::Kind::kNoRoute:
      return false;
    case DispatchOutcome::Kind::kResponse:
      return outcome.status >= 500;
  }
  return false;
}

std::string DescribeFailure(const DispatchOutcome& outcome) {
  switch (outcome.kind) {
    case DispatchOutcome::Kind::kConnectError:
      return "connect: " + outcome.error;
    case DispatchOutcome::Kind::kTimeout:
      return "timeout: " + outcome.error;
    case DispatchOutcome::Kind::kNoRoute:
      return "no route: " + outcome.error;
    case DispatchOutcome::Kind::kResponse:
      return "HTTP " + std::to_string(outcome.status) + ": " +
             outcome.body.substr(0, kMaxErrorBodyBytes);
  }
  return outcome.error;
}

int64_t SteadyNs(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

}  // namespace

SchedulerCore::SchedulerCore(TaskStore* store, const Clock* clock,
                             Backoff backoff, CoreOptions options)
    : store_(store),
      clock_(clock),
      backoff_policy_(std::move(backoff)),
      options_(std::move(options)) {
  stats_.workers = options_.workers;
}

Status SchedulerCore::Recover() {
  auto tasks = store_->Recover();
  if (!tasks.ok()) return tasks.error();
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = clock_->NowMs();
  for (Task& task : *tasks) {
    if (task.state == TaskState::kRunning) {
      // Cut short by the crash: at-least-once means it runs again, under
      // the same id so the game server can deduplicate.
      task.state = TaskState::kQueued;
      task.not_before_ms = 0;
    }
    next_sequence_ = std::max(next_sequence_, task.sequence + 1);
    ++stats_.by_state[static_cast<size_t>(task.state)];
    if (task.state == TaskState::kQueued) {
      if (task.not_before_ms > now) {
        retry_timers_.emplace(task.not_before_ms, task.id);
      } else {
        MakeReady(task);
      }
    }
    std::string id = task.id;
    tasks_.emplace(std::move(id), std::move(task));
  }
  return Status::Ok();
}

std::string SchedulerCore::NewIdLocked() {
  for (;;) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "t%016llx%016llx",
                  static_cast<unsigned long long>(options_.id_rng()),
                  static_cast<unsigned long long>(options_.id_rng()));
    std::string id = buf;
    if (tasks_.count(id) == 0 && pending_creates_.count(id) == 0) return id;
  }
}

void SchedulerCore::Submit(Task spec, SubmitDone done) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!intake_open_) {
    lock.unlock();
    done({SubmitStatus::kClosed, {}, "shutting down"});
    return;
  }
  if (spec.id.empty()) spec.id = NewIdLocked();
  if (auto it = tasks_.find(spec.id); it != tasks_.end()) {
    Task existing = it->second;
    lock.unlock();
    done({SubmitStatus::kExisting, std::move(existing), ""});
    return;
  }
  if (auto it = pending_creates_.find(spec.id); it != pending_creates_.end()) {
    it->second.push_back(std::move(done));
    return;
  }
  int64_t now = clock_->NowMs();
  spec.state = TaskState::kQueued;
  spec.attempts = 0;
  spec.created_at_ms = now;
  spec.updated_at_ms = now;
  spec.version = 1;
  spec.sequence = next_sequence_++;
  pending_creates_[spec.id];
  lock.unlock();

  Task task = std::move(spec);
  const int64_t trace_start = trace::StartNs(options_.trace);
  store_->Persist(task, [this, task, done = std::move(done),
                         trace_start](const Status& s) {
    if (trace_start != 0) {
      // From the submission to its write being durable (or refused).
      options_.trace->End("scheduler", "submit", trace_start,
                          {"task", task.id, "priority", task.priority});
    }
    if (s.code() == ErrorCode::kAlreadyExists) {
      // Created first elsewhere (another instance or a producer writing to
      // the shared store): answer as for any existing id.
      store_->Load(task.id, [this, id = task.id,
                             done](Result<std::optional<Task>> stored) {
        if (stored.ok() && stored->has_value()) {
          FinishCreate(id, {SubmitStatus::kExisting, **stored, ""}, done);
        } else {
          FinishCreate(id,
                       {SubmitStatus::kUnavailable,
                        {},
                        stored.ok() ? "id exists in the store but was removed "
                                      "while being read"
                                    : stored.message()},
                       done);
        }
      });
      return;
    }
    if (s.ok()) {
      FinishCreate(task.id, {SubmitStatus::kCreated, task, ""}, done);
    } else {
      FinishCreate(task.id, {SubmitStatus::kUnavailable, {}, s.message()},
                   done);
    }
  });
}

void SchedulerCore::FinishCreate(const std::string& id, SubmitReply reply,
                                 const SubmitDone& done) {
  std::vector<SubmitDone> waiters;
  {
    std::lock_guard<std::mutex> guard(mu_);
    auto it = pending_creates_.find(id);
    waiters = std::move(it->second);
    pending_creates_.erase(it);
    if (reply.status == SubmitStatus::kCreated) {
      tasks_.emplace(id, reply.task);
      ++stats_.by_state[static_cast<size_t>(TaskState::kQueued)];
      ++stats_.submitted_total;
      MakeReady(reply.task);
    } else if (reply.status == SubmitStatus::kUnavailable) {
      ++stats_.store_errors_total;
    }
  }
  done(reply);
  // Later submitters of the same id get the same task, never a second one.
  if (reply.status == SubmitStatus::kCreated) {
    reply.status = SubmitStatus::kExisting;
  }
  for (auto& w : waiters) w(reply);
}

bool SchedulerCore::Adopt(Task task) {
  std::lock_guard<std::mutex> lock(mu_);
  if (tasks_.count(task.id) != 0 || pending_creates_.count(task.id) != 0) {
    return false;
  }
  if (task.state == TaskState::kRunning) {
    task.state = TaskState::kQueued;
    task.not_before_ms = 0;
  }
  // FIFO among adopted tasks follows the order of adoption, which the
  // claimer keeps in the shared store's creation order.
  task.sequence = next_sequence_++;
  ++stats_.by_state[static_cast<size_t>(task.state)];
  if (task.state == TaskState::kQueued) {
    if (task.not_before_ms > clock_->NowMs()) {
      retry_timers_.emplace(task.not_before_ms, task.id);
      work_cv_.notify_one();
    } else {
      MakeReady(task);
    }
  }
  std::string id = task.id;
  tasks_.emplace(std::move(id), std::move(task));
  return true;
}

std::optional<Task> SchedulerCore::Get(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  return it->second;
}

std::vector<Task> SchedulerCore::List(std::optional<TaskState> state,
                                      size_t limit) const {
  std::vector<const Task*> matches;
  std::vector<Task> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, task] : tasks_) {
    if (!state || task.state == *state) matches.push_back(&task);
  }
  size_t n = std::min(limit, matches.size());
  std::partial_sort(
      matches.begin(), matches.begin() + n, matches.end(),
      [](const Task* a, const Task* b) { return a->sequence < b->sequence; });
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(*matches[i]);
  return out;
}

void SchedulerCore::Cancel(const std::string& id, CancelDone done) {
  std::unique_lock<std::mutex> lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) {
    lock.unlock();
    done({CancelStatus::kNotFound, {}, "no such task"});
    return;
  }
  if (auto pending = pending_cancels_.find(id);
      pending != pending_cancels_.end()) {
    pending->second.push_back(std::move(done));
    return;
  }
  Task& task = it->second;
  if (!IsValidTransition(task.state, TaskState::kCanceled)) {
    Task copy = task;
    lock.unlock();
    std::string why = "task is " + std::string(TaskStateName(copy.state));
    done({CancelStatus::kConflict, std::move(copy), std::move(why)});
    return;
  }
  // Off the queue so that it cannot start while the record is written, but
  // still queued in memory until the cancel is durable.
  if (!ready_.Remove(id)) {
    auto [lo, hi] = retry_timers_.equal_range(task.not_before_ms);
    for (auto b = lo; b != hi; ++b) {
      if (b->second == id) {
        retry_timers_.erase(b);
        break;
      }
    }
  }
  Task canceled = task;
  canceled.state = TaskState::kCanceled;
  canceled.updated_at_ms = clock_->NowMs();
  canceled.finished_at_ms = canceled.updated_at_ms;
  ++canceled.version;
  pending_cancels_[id];
  lock.unlock();
  store_->Persist(canceled,
                  [this, canceled, done = std::move(done)](const Status& s) {
                    FinishCancel(canceled, s, done);
                  });
}

void SchedulerCore::FinishCancel(const Task& canceled, const Status& stored,
                                 const CancelDone& done) {
  std::vector<CancelDone> waiters;
  CancelReply reply;
  {
    std::lock_guard<std::mutex> guard(mu_);
    auto pending = pending_cancels_.find(canceled.id);
    waiters = std::move(pending->second);
    pending_cancels_.erase(pending);
    Task& task = tasks_.at(canceled.id);
    if (!stored.ok()) {
      ++stats_.store_errors_total;
      // Back on the queue where it was: its sequence keeps its FIFO place.
      if (task.not_before_ms > clock_->NowMs()) {
        retry_timers_.emplace(task.not_before_ms, task.id);
      } else {
        ready_.Push({task.id, task.priority, task.zone_id, task.sequence});
        ready_since_.try_emplace(task.id, std::chrono::steady_clock::now());
      }
      work_cv_.notify_one();
      reply = {CancelStatus::kUnavailable, task, stored.message()};
    } else if (SetState(task, TaskState::kCanceled)) {
      task = canceled;  // the durable record, timestamps included
      ready_since_.erase(task.id);
      reply = {CancelStatus::kCanceled, task, ""};
    } else {
      reply = {CancelStatus::kConflict, task,
               "task is " + std::string(TaskStateName(task.state))};
    }
  }
  done(reply);
  for (auto& w : waiters) w(reply);
}

bool SchedulerCore::SetState(Task& task, TaskState to) {
  if (!IsValidTransition(task.state, to)) {
    ++stats_.invalid_transitions_total;
    return false;
  }
  --stats_.by_state[static_cast<size_t>(task.state)];
  ++stats_.by_state[static_cast<size_t>(to)];
  task.state = to;
  task.updated_at_ms = clock_->NowMs();
  ++task.version;
  return true;
}

void SchedulerCore::MakeReady(const Task& task) {
  ready_.Push({task.id, task.priority, task.zone_id, task.sequence});
  ready_since_[task.id] = std::chrono::steady_clock::now();
  work_cv_.notify_one();
}

bool SchedulerCore::ZoneHasRoom(std::string_view zone) const {
  int cap = options_.zone_cap ? options_.zone_cap(zone) : options_.workers;
  auto it = zone_in_flight_.find(std::string(zone));
  return it == zone_in_flight_.end() || it->second < cap;
}

void SchedulerCore::PromoteDue() {
  std::lock_guard<std::mutex> lock(mu_);
  PromoteDueLocked(clock_->NowMs());
}

void SchedulerCore::PromoteDueLocked(int64_t now_ms) {
  while (!retry_timers_.empty() && retry_timers_.begin()->first <= now_ms) {
    auto node = retry_timers_.extract(retry_timers_.begin());
    auto it = tasks_.find(node.mapped());
    if (it != tasks_.end() && it->second.state == TaskState::kQueued) {
      MakeReady(it->second);
    }
  }
}

std::optional<Task> SchedulerCore::NextDispatch() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!dispatching_) return std::nullopt;
    int64_t now = clock_->NowMs();
    PromoteDueLocked(now);
    if (in_flight_ < options_.workers) {
      auto entry = ready_.PopEligible(
          [this](std::string_view zone) { return ZoneHasRoom(zone); });
      if (entry) {
        Task& task = tasks_.at(entry->id);
        if (!SetState(task, TaskState::kRunning)) {
          ready_since_.erase(entry->id);
          continue;  // not queued any more: a stale entry, counted
        }
        ++task.attempts;
        task.started_at_ms = task.updated_at_ms;
        task.not_before_ms = 0;
        ++in_flight_;
        ++zone_in_flight_[task.zone_id];
        ++stats_.dispatched_total;
        if (auto since = ready_since_.find(task.id);
            since != ready_since_.end()) {
          double wait = std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - since->second)
                            .count();
          stats_.queue_wait_seconds.Observe(wait);
          if (options_.metrics) options_.metrics->ObserveQueueWait(wait);
          if (options_.trace != nullptr && options_.trace->active()) {
            options_.trace->End("scheduler", "queue", SteadyNs(since->second),
                                {"task", task.id, "priority", task.priority});
          }
          ready_since_.erase(since);
        }
        Task copy = task;
        lock.unlock();
        PersistAsync(copy);
        return copy;
      }
    }
    ++stats_.waiting_workers;
    if (retry_timers_.empty()) {
      work_cv_.wait(lock);
    } else {
      int64_t wait_ms =
          std::max<int64_t>(1, retry_timers_.begin()->first - now);
      work_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms));
    }
    --stats_.waiting_workers;
  }
}

void SchedulerCore::Complete(const std::string& id, int attempt,
                             const DispatchOutcome& outcome) {
  const int64_t trace_start = trace::StartNs(options_.trace);
  std::unique_lock<std::mutex> lock(mu_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;
  Task& task = it->second;
  if (attempt != task.attempts) {
    ++stats_.invalid_transitions_total;
    return;
  }
  bool success = outcome.kind == DispatchOutcome::Kind::kResponse &&
                 outcome.status >= 200 && outcome.status < 300;
  bool timed_out = outcome.kind == DispatchOutcome::Kind::kTimeout;
  TaskState to;
  if (success) {
    to = TaskState::kSucceeded;
  } else if (!IsRetryable(outcome)) {
    to = TaskState::kFailed;
  } else if (task.attempts <= task.max_retries) {
    to = TaskState::kQueued;
  } else {
    to = timed_out ? TaskState::kTimedOut : TaskState::kDead;
  }
  bool retry = to == TaskState::kQueued;
  // Only a running task has a dispatch to complete: an outcome for any other
  // is a duplicate or stale one and must change neither the task nor the
  // in-flight accounting.
  if (!SetState(task, to)) return;
  --in_flight_;
  --zone_in_flight_[task.zone_id];
  double seconds = static_cast<double>(outcome.duration_us) / 1e6;
  stats_.dispatch_seconds.Observe(seconds);
  if (options_.metrics) options_.metrics->ObserveDispatch(seconds);
  if (timed_out) ++stats_.timeouts_total;

  if (success) {
    task.response_body = outcome.body;
    task.last_error.clear();
  } else {
    task.last_error = DescribeFailure(outcome);
  }
  if (retry) {
    ++stats_.retries_total;
    int64_t delay = backoff_policy_.DelayMs(task.backoff_ms, task.attempts);
    if (delay <= 0) {
      MakeReady(task);
    } else {
      task.not_before_ms = task.updated_at_ms + delay;
      retry_timers_.emplace(task.not_before_ms, task.id);
      work_cv_.notify_one();  // a waiting worker must learn the new timer
    }
  } else {
    task.finished_at_ms = task.updated_at_ms;
  }
  Task copy = task;
  work_cv_.notify_one();  // a worker slot and a zone slot are free again
  if (in_flight_ == 0) idle_cv_.notify_all();
  lock.unlock();
  PersistAsync(copy);
  if (trace_start != 0) {
    // The state machine's part: the new state decided and handed to the
    // store. The text says which state.
    options_.trace->End(
        "scheduler", "outcome", trace_start,
        {"state", TaskStateName(copy.state), "attempt", copy.attempts});
  }
}

void SchedulerCore::PersistAsync(const Task& task) {
  // A lost update is recovered by redispatching (at-least-once); it is
  // counted so that /metrics shows the store is failing.
  store_->Persist(task, [this](const Status& s) {
    if (s.ok()) return;
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.store_errors_total;
  });
}

void SchedulerCore::StopIntake() {
  std::lock_guard<std::mutex> lock(mu_);
  intake_open_ = false;
}

void SchedulerCore::StopDispatch() {
  std::lock_guard<std::mutex> lock(mu_);
  dispatching_ = false;
  work_cv_.notify_all();
}

bool SchedulerCore::WaitIdle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_until(lock, deadline,
                             [this] { return in_flight_ == 0; });
}

std::vector<Task> SchedulerCore::Capture() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Task> out;
  out.reserve(tasks_.size());
  for (const auto& [id, task] : tasks_) out.push_back(task);
  return out;
}

size_t SchedulerCore::ForgetFinishedBefore(int64_t cutoff_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  return std::erase_if(tasks_, [this, cutoff_ms](const auto& entry) {
    const Task& task = entry.second;
    if (!IsFinal(task.state) || task.finished_at_ms >= cutoff_ms) return false;
    // The by-state gauges count the tasks held, as /metrics shows them.
    --stats_.by_state[static_cast<size_t>(task.state)];
    return true;
  });
}

CoreStats SchedulerCore::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  CoreStats stats = stats_;
  for (int p = kMinPriority; p <= kMaxPriority; ++p) {
    stats.ready_by_priority[p - kMinPriority] = ready_.DepthAt(p);
  }
  stats.waiting_backoff = retry_timers_.size();
  stats.in_flight = in_flight_;
  return stats;
}

}  // namespace staticship::scheduler
