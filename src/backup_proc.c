/* backup_proc.c - which pg_dump, pg_restore or psql fits the server: the
 * same major version when installed, else the nearest newer one (an older
 * pg_dump refuses a newer server). Running them is spawn.c's job. */
#include "config.h"
#include "backup_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_err.h"
#include "rt_sandbox.h"
#include "rt_spawn.h"

/* "pg_dump (PostgreSQL) 15.8 (Debian 15.8-1)" -> 15; 9.6.x -> 906. -1 when unknown. */
static int
tool_major(const char *path, char **version)
{
	const char *argv[] = { path, "--version", NULL };
	struct rt_buf out = { 0 };
	int status = -1, major = -1, minor = 0;
	const char *s;

	if (rt_spawn(argv, &(struct rt_spawn_opts){ .capture = true }, &status, &out, NULL) == 0 &&
	    status == 0 && (s = strstr(rt_buf_str(&out), ") ")) &&
	    sscanf(s + 2, "%d.%d", &major, &minor) >= 1) {
		if (major < 10)
			major = major * 100 + minor;
		*version = rt_xstrndup(rt_buf_str(&out), strcspn(rt_buf_str(&out), "\n"));
	}
	rt_buf_free(&out);
	return major;
}

static int
server_major(int server_version)
{
	return server_version >= 100000 ? server_version / 10000
	       : server_version / 10000 * 100 + server_version / 100 % 100;
}

static char *
major_text(int major)
{
	return major >= 100 ? rt_xasprintf("%d.%d", major / 100, major % 100)
	       : rt_xasprintf("%d", major);
}

/* The candidates: the server's bindir, the Debian dir of the major, $PATH. */
static void
candidates(const char *tool, int major, struct rt_strv *out)
{
	char *bindir = rt_pg_bindir(), *m = major_text(major), *p;

	/* the server's own major version first: found there, the search ends */
	rt_strv_push_take(out, rt_xasprintf("/usr/lib/postgresql/%s/bin/%s", m, tool));
	if (bindir)
		rt_strv_push_take(out, rt_xasprintf("%s/%s", bindir, tool));
	if ((p = rt_spawn_which(tool)))
		rt_strv_push_take(out, p);
	free(bindir);
	free(m);
}

char *
rt_pg_tool(const char *tool, int server_version, char **version, char **note, struct rt_err *err)
{
	int want = server_major(server_version), best_major = 0;
	struct rt_strv cand = { 0 }, seen = { 0 };
	char *best = NULL, *best_ver = NULL, *m;

	*note = NULL;
	*version = NULL;
	candidates(tool, want, &cand);
	for (size_t i = 0; i < cand.n; i++) {
		char *ver = NULL;
		int major = access(cand.v[i], X_OK) == 0 ? tool_major(cand.v[i], &ver) : -1;

		if (major < 0)
			continue;
		rt_strv_push_take(&seen, rt_xasprintf("%s (%s)", cand.v[i], ver));
		if (major >= want && (!best || major < best_major)) {
			free(best);
			free(best_ver);
			best = rt_xstrdup(cand.v[i]);
			best_ver = ver;
			best_major = major;
			if (major == want)   /* an exact match: no need to ask the others */
				break;
		} else {
			free(ver);
		}
	}
	m = major_text(want);
	if (best && best_major != want)
		*note = rt_xasprintf("no %s of PostgreSQL %s installed: using %s, which is newer than "
				     "the server", tool, m, best_ver);
	if (!best) {
		char *list = rt_strv_join(&seen, ", ");

		rt_err_set(err, RT_ERR_RUN, "no %s for PostgreSQL %s (the server's version) or newer: "
			   "install the PostgreSQL %s client tools", tool, m, m);
		rt_err_detail(err, "found: %s", seen.n ? list : "none");
		if (seen.n)
			rt_err_detail(err, "an older %s refuses a newer server", tool);
		free(list);
	}
	*version = best_ver;
	free(m);
	rt_strv_free(&cand);
	rt_strv_free(&seen);
	return best;
}
