// The static services link mimalloc in place of musl's malloc. Every way
// libc, libc++ and libc++abi allocate must then reach mimalloc: one entry
// point left to musl (aligned_alloc was, in mimalloc 2.0.9 on musl) pairs
// a musl allocation with mimalloc's free, which crashes on the first thrown
// exception.
#include <gtest/gtest.h>
#include <malloc.h>
#include <mimalloc.h>
#include <stdlib.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

TEST(AllocatorOverrideTest, CAllocationsComeFromMimalloc) {
  void* m = malloc(100);
  void* c = calloc(10, 10);
  void* r = realloc(malloc(10), 4096);
  void* a = aligned_alloc(64, 128);
  void* pm = nullptr;
  ASSERT_EQ(posix_memalign(&pm, 64, 256), 0);
  void* ma = memalign(32, 64);
  for (void* p : {m, c, r, a, pm, ma}) {
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(mi_is_in_heap_region(p)) << p;
  }
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  EXPECT_GE(malloc_usable_size(m), 100u);
  for (void* p : {m, c, r, a, pm, ma}) free(p);
}

TEST(AllocatorOverrideTest, CppAllocationsComeFromMimalloc) {
  auto s = std::make_unique<std::string>(1000, 'x');
  EXPECT_TRUE(mi_is_in_heap_region(s.get()));
  EXPECT_TRUE(mi_is_in_heap_region(s->data()));
  struct alignas(128) Wide {
    char bytes[128];
  };
  auto w = std::make_unique<Wide>();
  EXPECT_TRUE(mi_is_in_heap_region(w.get()));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w.get()) % 128, 0u);
}

TEST(AllocatorOverrideTest, ThrownExceptionsAreAllocatedAndFreed) {
  for (int i = 0; i < 1000; ++i) {
    try {
      throw std::runtime_error(std::string(200, 'e'));
    } catch (const std::runtime_error& e) {
      EXPECT_TRUE(mi_is_in_heap_region(&e));
    }
  }
}

TEST(AllocatorOverrideTest, MemoryFreedOnAnotherThread) {
  std::vector<std::unique_ptr<std::string>> made(1000);
  std::thread producer([&] {
    for (auto& p : made) p = std::make_unique<std::string>(300, 'p');
  });
  producer.join();
  for (auto& p : made) EXPECT_TRUE(mi_is_in_heap_region(p.get()));
  made.clear();  // freed here, allocated there
}

}  // namespace
