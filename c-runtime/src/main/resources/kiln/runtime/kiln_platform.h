/*
 * kiln_platform.h - host platform helpers for the Kiln demo driver.
 * Not part of the firmware library: only the demo executable links it.
 */
#ifndef KILN_PLATFORM_H
#define KILN_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Monotonic wall-clock time in milliseconds from an arbitrary origin.
 * Only differences between two calls are meaningful.
 * POSIX: clock_gettime(CLOCK_MONOTONIC); Windows: QueryPerformanceCounter;
 * elsewhere: clock() (processor time, the best ISO C offers).
 */
double kiln_now_ms(void);

/*
 * Portable aligned allocation (over-allocates with malloc and aligns by hand).
 * alignment must be a power of two; values below sizeof(void *) are raised.
 * bytes == 0 still returns a unique, non-NULL pointer. Returns NULL when out
 * of memory, on size overflow or for a bad alignment.
 * Free only with kiln_aligned_free (NULL is accepted).
 */
void *kiln_aligned_malloc(size_t bytes, size_t alignment);
void kiln_aligned_free(void *p);

/*
 * 64-bit integers as text without relying on printf's 64-bit support (which
 * varies between C libraries). buf must hold KILN_INT_TEXT_MAX bytes; each
 * function returns buf.
 */
#define KILN_INT_TEXT_MAX 24
char *kiln_i64_text(char *buf, int64_t v);
char *kiln_u64_text(char *buf, uint64_t v);
char *kiln_u64_hex_text(char *buf, uint64_t v); /* "0x" and 16 lower-case digits */

#ifdef __cplusplus
}
#endif

#endif /* KILN_PLATFORM_H */
