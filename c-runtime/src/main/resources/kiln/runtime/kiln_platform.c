/*
 * kiln_platform.c - monotonic timer for the Kiln demo driver.
 * Not part of the firmware library.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
/* -std=c99 hides clock_gettime unless a POSIX level is requested. */
#define _POSIX_C_SOURCE 200809L
#endif
#if defined(__APPLE__) && !defined(_DARWIN_C_SOURCE)
#define _DARWIN_C_SOURCE
#endif

#include "kiln_platform.h"

#include <stdint.h>
#include <stdlib.h>

void *kiln_aligned_malloc(size_t bytes, size_t alignment)
{
    size_t header = sizeof(void *);
    size_t total;
    unsigned char *raw;
    uintptr_t addr;
    void **slot;
    if (alignment == 0u || (alignment & (alignment - 1u)) != 0u) {
        return NULL;
    }
    if (alignment < header) {
        alignment = header;
    }
    if (bytes > SIZE_MAX - header - alignment) {
        return NULL;
    }
    total = bytes + header + alignment;
    raw = (unsigned char *)malloc(total);
    if (raw == NULL) {
        return NULL;
    }
    /* Leave room for the original pointer just below the aligned block. */
    addr = ((uintptr_t)(raw + header) + (uintptr_t)(alignment - 1u)) & ~(uintptr_t)(alignment - 1u);
    slot = (void **)addr;
    slot[-1] = raw;
    return (void *)slot;
}

void kiln_aligned_free(void *p)
{
    if (p != NULL) {
        free(((void **)p)[-1]);
    }
}

char *kiln_u64_text(char *buf, uint64_t v)
{
    char tmp[KILN_INT_TEXT_MAX];
    size_t n = 0, i;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    for (i = 0; i < n; ++i) {
        buf[i] = tmp[n - 1u - i];
    }
    buf[n] = '\0';
    return buf;
}

char *kiln_i64_text(char *buf, int64_t v)
{
    if (v < 0) {
        /* negate in unsigned arithmetic so that INT64_MIN works */
        buf[0] = '-';
        kiln_u64_text(buf + 1, (uint64_t)0 - (uint64_t)v);
        return buf;
    }
    return kiln_u64_text(buf, (uint64_t)v);
}

char *kiln_u64_hex_text(char *buf, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    int i;
    buf[0] = '0';
    buf[1] = 'x';
    for (i = 0; i < 16; ++i) {
        buf[2 + i] = digits[(v >> (60 - 4 * i)) & 0xfu];
    }
    buf[18] = '\0';
    return buf;
}

#if defined(_WIN32)

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

double kiln_now_ms(void)
{
    static double ms_per_tick = 0.0;
    LARGE_INTEGER now;
    if (ms_per_tick == 0.0) {
        LARGE_INTEGER freq;
        if (!QueryPerformanceFrequency(&freq) || freq.QuadPart <= 0) {
            return (double)GetTickCount();
        }
        ms_per_tick = 1000.0 / (double)freq.QuadPart;
    }
    QueryPerformanceCounter(&now);
    return (double)now.QuadPart * ms_per_tick;
}

#else

#include <time.h>

#if defined(CLOCK_MONOTONIC)

double kiln_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return (double)clock() * (1000.0 / (double)CLOCKS_PER_SEC);
    }
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1.0e6;
}

#else

double kiln_now_ms(void)
{
    return (double)clock() * (1000.0 / (double)CLOCKS_PER_SEC);
}

#endif /* CLOCK_MONOTONIC */

#endif /* _WIN32 */
