/* rt_fmt.h - numbers for people, shared by the CLI and the console. */
#ifndef RT_FMT_H
#define RT_FMT_H

#include <stddef.h>

/* "512 B", "1.5 MB": bytes in units of 1024; "-" when bytes < 0 (unknown). */
void rt_fmt_bytes(long long bytes, char *out, size_t size);

/* "45s", "12m", "3h", "9d": an age in seconds, rounded down; negative is 0. */
void rt_fmt_age(long long secs, char *out, size_t size);

#endif
