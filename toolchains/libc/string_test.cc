// Checks the C library's memcpy, memmove and memchr for every size up to
// 300 and a few larger ones, at every alignment within 16 bytes: the bytes
// copied and that nothing outside the destination is written; the first
// match found and none outside the range searched. In the x86_64 static
// build these are this package's memcpy_x86_64.c and memchr_x86_64.c and
// musl's generic memmove.c; elsewhere, whatever the C library has.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"

namespace {

// Through volatile pointers, so that the compiler cannot expand the calls
// inline and the library's own functions run.
void* (*volatile const kMemcpy)(void*, const void*, std::size_t) = std::memcpy;
void* (*volatile const kMemmove)(void*, const void*,
                                 std::size_t) = std::memmove;
const void* (*volatile const kMemchr)(const void*, int,
                                      std::size_t) = std::memchr;

constexpr unsigned char kGuard = 0xA5;

std::vector<std::size_t> Sizes() {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 0; n <= 300; ++n) sizes.push_back(n);
  for (std::size_t n :
       {511u, 512u, 1000u, 2047u, 2048u, 2049u, 4096u, 4099u, 65536u + 13u}) {
    sizes.push_back(n);
  }
  return sizes;
}

unsigned char Pattern(std::size_t i) {
  return static_cast<unsigned char>((i * 131 + 7) ^ (i >> 8));
}

TEST(MemcpyTest, CopiesEverySizeAtEveryAlignmentAndNothingElse) {
  constexpr std::size_t kPad = 32;
  for (std::size_t n : Sizes()) {
    std::vector<unsigned char> src(n + kPad);
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = Pattern(i);
    for (std::size_t src_off = 0; src_off < 16; ++src_off) {
      for (std::size_t dst_off = 0; dst_off < 16; ++dst_off) {
        std::vector<unsigned char> dst(n + kPad, kGuard);
        void* returned = kMemcpy(dst.data() + dst_off, src.data() + src_off, n);
        ASSERT_EQ(returned, dst.data() + dst_off);
        for (std::size_t i = 0; i < dst.size(); ++i) {
          const bool inside = i >= dst_off && i < dst_off + n;
          const unsigned char want =
              inside ? src[src_off + (i - dst_off)] : kGuard;
          ASSERT_EQ(dst[i], want) << "n=" << n << " src_off=" << src_off
                                  << " dst_off=" << dst_off << " at " << i;
        }
      }
    }
  }
}

// memmove within one buffer, the destination before and after the source,
// shifted by 1, 7, 16 and about half the size (overlapping) and by the
// size and more (not).
TEST(MemmoveTest, OverlappingCopiesMatchACopyThroughATemporary) {
  for (std::size_t n : Sizes()) {
    if (n > 4099) continue;  // the 64 KiB case adds time and no new path
    const std::size_t total = 2 * n + 64;
    for (std::size_t shift : {std::size_t{1}, std::size_t{7}, std::size_t{16},
                              n / 2 + 1, n, n + 3}) {
      for (bool forward : {true, false}) {
        std::vector<unsigned char> buf(total);
        for (std::size_t i = 0; i < total; ++i) buf[i] = Pattern(i);
        const std::size_t base = 8;
        const std::size_t from = forward ? base + shift : base;
        const std::size_t to = forward ? base : base + shift;
        std::vector<unsigned char> want = buf;
        std::vector<unsigned char> tmp(buf.begin() + from,
                                       buf.begin() + from + n);
        std::copy(tmp.begin(), tmp.end(), want.begin() + to);
        ASSERT_EQ(kMemmove(buf.data() + to, buf.data() + from, n),
                  buf.data() + to);
        ASSERT_EQ(buf, want)
            << "n=" << n << " shift=" << shift
            << (forward ? " dest before src" : " dest after src");
      }
    }
  }
}

// The needle at every position (or, for long ranges, near either end and
// at block boundaries), absent, and present only just outside the range:
// the aligned blocks memchr_x86_64.c reads extend past both ends.
TEST(MemchrTest, FindsTheFirstMatchInsideTheRangeOnly) {
  constexpr unsigned char kNeedle = 0xC3;  // high bit set: no sign mix-ups
  for (std::size_t n : Sizes()) {
    std::vector<std::size_t> positions;
    for (std::size_t i = 0; i < n; ++i) {
      if (n <= 80 || i < 40 || i + 40 >= n || i % 16 == 15) {
        positions.push_back(i);
      }
    }
    for (std::size_t offset = 0; offset < 16; ++offset) {
      std::vector<unsigned char> buf(n + 64, 'x');
      unsigned char* start = buf.data() + 16 + offset;
      // Just outside the range on both sides.
      start[-1] = kNeedle;
      start[n] = kNeedle;
      ASSERT_EQ(kMemchr(start, kNeedle, n), nullptr)
          << "n=" << n << " offset=" << offset;
      for (std::size_t pos : positions) {
        start[pos] = kNeedle;
        if (pos + 3 < n) start[pos + 3] = kNeedle;  // a later match too
        ASSERT_EQ(kMemchr(start, kNeedle, n), start + pos)
            << "n=" << n << " offset=" << offset << " pos=" << pos;
        // An int beyond unsigned char's range is taken modulo 256.
        ASSERT_EQ(kMemchr(start, kNeedle + 256, n), start + pos);
        start[pos] = 'x';
        if (pos + 3 < n) start[pos + 3] = 'x';
      }
    }
  }
}

// C11 lets memchr's n run past the buffer as long as the byte is found
// first (it "stops as soon as a matching character is found"), so no read
// may reach the page after the match's. The buffer here ends at a page that
// faults on any access.
TEST(MemchrTest, ReadsNothingPastTheMatchesPage) {
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  void* map = ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  auto* first = static_cast<unsigned char*>(map);
  ASSERT_EQ(::mprotect(first + page, page, PROT_NONE), 0);
  std::memset(first, 'x', page);
  unsigned char* end = first + page;
  for (std::size_t match_back = 1; match_back <= 80; ++match_back) {
    end[-static_cast<std::ptrdiff_t>(match_back)] = '\n';
    for (std::size_t start_back = match_back; start_back <= 300; ++start_back) {
      const unsigned char* start = end - start_back;
      ASSERT_EQ(kMemchr(start, '\n', SIZE_MAX), end - match_back)
          << "start " << start_back << " and match " << match_back
          << " bytes before the page end";
    }
    end[-static_cast<std::ptrdiff_t>(match_back)] = 'x';
  }
  ::munmap(map, 2 * page);
}

}  // namespace
