// Sends HTTP answers later, from one thread, in the order they were added.
// Game-server stand-ins use it to answer slowly without holding a server
// worker; every caller uses one delay, so arrival order is deadline order.
#ifndef STATICSHIP_SERVICES_SCHEDULER_TESTING_DELAYED_SENDER_H_
#define STATICSHIP_SERVICES_SCHEDULER_TESTING_DELAYED_SENDER_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "common/http/server.h"

namespace staticship::scheduler::testing {

class DelayedSender {
 public:
  DelayedSender() : thread_([this] { Run(); }) {}
  ~DelayedSender() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  DelayedSender(const DelayedSender&) = delete;
  DelayedSender& operator=(const DelayedSender&) = delete;

  // `before_send` runs on the sender's thread just before the answer goes
  // out, so that whoever counts requests in flight sees them end before the
  // client can send the next one.
  void Add(std::chrono::steady_clock::time_point at, http::Responder responder,
           http::Response response, std::function<void()> before_send = {}) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back({at, std::move(responder), std::move(response),
                      std::move(before_send)});
    cv_.notify_one();
  }

 private:
  struct Item {
    std::chrono::steady_clock::time_point at;
    http::Responder responder;
    http::Response response;
    std::function<void()> before_send;
  };
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      if (queue_.empty()) {
        cv_.wait(lock);
        continue;
      }
      if (std::chrono::steady_clock::now() < queue_.front().at) {
        cv_.wait_until(lock, queue_.front().at);
        continue;
      }
      Item item = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      if (item.before_send) item.before_send();
      item.responder.Send(std::move(item.response));
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace staticship::scheduler::testing

#endif  // STATICSHIP_SERVICES_SCHEDULER_TESTING_DELAYED_SENDER_H_
