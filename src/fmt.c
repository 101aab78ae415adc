/* fmt.c - sizes and ages for people. */
#include "config.h"
#include "rt_fmt.h"

#include <stdio.h>

void
rt_fmt_bytes(long long bytes, char *out, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 0) {
		snprintf(out, size, "-");
		return;
	}
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(*units))
		v /= 1024, u++;
	snprintf(out, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void
rt_fmt_age(long long secs, char *out, size_t size)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(out, size, "%llds", secs);
	else if (secs < 7200)
		snprintf(out, size, "%lldm", secs / 60);
	else if (secs < 172800)
		snprintf(out, size, "%lldh", secs / 3600);
	else
		snprintf(out, size, "%lldd", secs / 86400);
}
