/* textdiff.c - diff -u of two texts through two temporary files. */
#include "config.h"
#include "rt_textdiff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_err.h"
#include "rt_spawn.h"

/* Writes len bytes of data to a new temporary file; its path into path. */
static int
write_temp(const char *data, size_t len, char *path, size_t size, struct rt_err *err)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/retort-diff-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);   /* mode 0600 */
	if (fd < 0) {
		rt_err_set(err, RT_ERR_RUN, "cannot create a temporary file in %s: %s",
			   dir && *dir ? dir : "/tmp", strerror(errno));
		path[0] = '\0';
		return -1;
	}
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rt_err_set(err, RT_ERR_RUN, "cannot write %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return close(fd) == 0 ? 0 : -1;
}

int
rt_text_diff(const char *a, size_t alen, const char *label_a, const char *b, size_t blen,
	     const char *label_b, struct rt_buf *out, bool *differ, struct rt_err *err)
{
	struct rt_spawn_opts o = { .capture = true };
	char pa[4096] = "", pb[4096] = "";
	int rc = -1, status = 0;

	*differ = false;
	if (write_temp(a, alen, pa, sizeof(pa), err) < 0 ||
	    write_temp(b, blen, pb, sizeof(pb), err) < 0)
		goto out;
	{
		const char *const argv[] = { "diff", "-u", "--label", label_a, "--label", label_b,
					     pa, pb, NULL };

		if (rt_spawn(argv, &o, &status, out, err) < 0)
			goto out;
	}
	/* diff: 0 the same, 1 different, 2 trouble (its message is in out) */
	if (status > 1) {
		rt_err_set(err, RT_ERR_RUN, "diff failed (status %d)", status);
		goto out;
	}
	*differ = status == 1;
	rc = 0;
out:
	if (pa[0])
		unlink(pa);
	if (pb[0])
		unlink(pb);
	return rc;
}
