// An in-memory TaskStore whose writes can be made to fail or to wait, for
// core tests. Like a shared store, it answers Load from what it holds.
#ifndef STATICSHIP_SERVICES_SCHEDULER_TESTING_MEMORY_STORE_H_
#define STATICSHIP_SERVICES_SCHEDULER_TESTING_MEMORY_STORE_H_

#include <atomic>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "services/scheduler/task_store.h"

namespace staticship::scheduler::testing {

class MemoryStore final : public TaskStore {
 public:
  Result<std::vector<Task>> Recover() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Task> out;
    for (auto& [id, t] : tasks_) out.push_back(t);
    return out;
  }
  void Persist(const Task& task, Done done) override {
    if (hold) {
      std::lock_guard<std::mutex> lock(mu_);
      held_.emplace_back(task, std::move(done));
      return;
    }
    Write(task, done);
  }
  // Completes the writes kept while `hold` was set, in order, failing them
  // when `fail` is set now.
  void Release() {
    std::vector<std::pair<Task, Done>> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.swap(held_);
    }
    for (auto& [task, done] : held) Write(task, done);
  }
  Status Health() const override {
    return fail ? Status(MakeError("disk full")) : Status::Ok();
  }
  void Load(const std::string& id, LoadDone done) override { done(Stored(id)); }
  Status Maintain(const Capture&, bool) override { return Status::Ok(); }
  void Close() override {}

  std::optional<Task> Stored(const std::string& id) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return std::nullopt;
    return it->second;
  }
  void Put(const Task& task) {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_[task.id] = task;
  }
  int writes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return writes_;
  }
  // Fails every later write with `error` (until `fail` is cleared).
  void FailWith(Error error) {
    std::lock_guard<std::mutex> lock(mu_);
    failure_ = std::move(error);
    fail = true;
  }

  std::atomic<bool> fail{false};
  // Keeps writes unanswered until Release(), to look at the core while a
  // write is outstanding.
  std::atomic<bool> hold{false};

 private:
  void Write(const Task& task, const Done& done) {
    Status s;
    if (fail) {
      std::lock_guard<std::mutex> lock(mu_);
      s = failure_;
    } else {
      std::lock_guard<std::mutex> lock(mu_);
      ++writes_;
      auto it = tasks_.find(task.id);
      if (it == tasks_.end() || it->second.version <= task.version) {
        tasks_[task.id] = task;
      }
    }
    if (done) done(s);
  }

  mutable std::mutex mu_;
  std::map<std::string, Task> tasks_;
  std::vector<std::pair<Task, Done>> held_;
  int writes_ = 0;
  Error failure_ = MakeError("disk full");
};

}  // namespace staticship::scheduler::testing

#endif  // STATICSHIP_SERVICES_SCHEDULER_TESTING_MEMORY_STORE_H_
