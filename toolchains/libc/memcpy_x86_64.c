/* memcpy for the x86_64 musl runtime, in place of musl's
 * src/string/x86_64/memcpy.s. That one copies with `rep movsq` and ends
 * with a `movsb` per leftover byte; both are microcoded, so a 100-byte copy
 * pays a string-instruction start-up and up to seven more. Requests and
 * responses are copied in pieces of tens to hundreds of bytes, and in the
 * gateway that made memcpy the largest user-space symbol (docs/
 * PERFORMANCE.md). As glibc and LLVM's libc do, sizes up to 64 bytes are
 * copied by at most four loads and four overlapping stores with no branch
 * on alignment, sizes up to REP_THRESHOLD by 64-byte blocks, and larger
 * ones by `rep movsb`, which CPUs with ERMS run at full line speed.
 *
 * musl's memmove.s jumps into the old memcpy at __memcpy_fwd, so the
 * x86_64 build uses musl's generic memmove.c with this file (zig_sdk.bzl).
 *
 * Compiled -ffreestanding like the rest of musl: otherwise clang may turn
 * the block loop back into a call to memcpy. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint16_t u16 __attribute__((__may_alias__, __aligned__(1)));
typedef uint32_t u32 __attribute__((__may_alias__, __aligned__(1)));
typedef uint64_t u64 __attribute__((__may_alias__, __aligned__(1)));
typedef long long v16
    __attribute__((__vector_size__(16), __may_alias__, __aligned__(1)));

/* Above this, `rep movsb` beats the block loop (string_bench on this
 * AMD EPYC: about level at 2 KiB, 30 % faster from 4 KiB on). */
#define REP_THRESHOLD 2048

void *memcpy(void *restrict dest, const void *restrict src, size_t n) {
  unsigned char *d = dest;
  const unsigned char *s = src;

  if (n <= 16) {
    if (n >= 8) {
      u64 head = *(const u64 *)s, tail = *(const u64 *)(s + n - 8);
      *(u64 *)d = head;
      *(u64 *)(d + n - 8) = tail;
    } else if (n >= 4) {
      u32 head = *(const u32 *)s, tail = *(const u32 *)(s + n - 4);
      *(u32 *)d = head;
      *(u32 *)(d + n - 4) = tail;
    } else if (n >= 2) {
      u16 head = *(const u16 *)s, tail = *(const u16 *)(s + n - 2);
      *(u16 *)d = head;
      *(u16 *)(d + n - 2) = tail;
    } else if (n) {
      *d = *s;
    }
    return dest;
  }
  if (n <= 32) {
    v16 head = *(const v16 *)s, tail = *(const v16 *)(s + n - 16);
    *(v16 *)d = head;
    *(v16 *)(d + n - 16) = tail;
    return dest;
  }
  if (n <= 64) {
    v16 a = *(const v16 *)s, b = *(const v16 *)(s + 16);
    v16 c = *(const v16 *)(s + n - 32), e = *(const v16 *)(s + n - 16);
    *(v16 *)d = a;
    *(v16 *)(d + 16) = b;
    *(v16 *)(d + n - 32) = c;
    *(v16 *)(d + n - 16) = e;
    return dest;
  }
  if (n > REP_THRESHOLD) {
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dest;
  }
  /* The last 64 bytes are stored after the blocks, over their overlap. */
  v16 t0 = *(const v16 *)(s + n - 64), t1 = *(const v16 *)(s + n - 48);
  v16 t2 = *(const v16 *)(s + n - 32), t3 = *(const v16 *)(s + n - 16);
  for (size_t i = 0; i < n - 64; i += 64) {
    v16 a = *(const v16 *)(s + i), b = *(const v16 *)(s + i + 16);
    v16 c = *(const v16 *)(s + i + 32), e = *(const v16 *)(s + i + 48);
    *(v16 *)(d + i) = a;
    *(v16 *)(d + i + 16) = b;
    *(v16 *)(d + i + 32) = c;
    *(v16 *)(d + i + 48) = e;
  }
  *(v16 *)(d + n - 64) = t0;
  *(v16 *)(d + n - 48) = t1;
  *(v16 *)(d + n - 32) = t2;
  *(v16 *)(d + n - 16) = t3;
  return dest;
}
