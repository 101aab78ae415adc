/* timeit.c - run one command, print its wall time, peak RSS and status.
 *
 * usage: timeit [-i STDIN_FILE] [-o STDOUT_FILE] -- COMMAND [ARG]...
 * prints: "SECONDS MAXRSS_KB STATUS" on its own stdout, where SECONDS is
 * monotonic wall time from just before fork() to wait4() (microsecond
 * resolution, unlike /usr/bin/time's 10 ms), MAXRSS_KB the child's peak
 * resident set from wait4's rusage, STATUS the exit code (128+N on signal N).
 * The child's stdout goes to /dev/null unless -o is given; stderr is inherited.
 * Built by tests/bench/run with plain cc; no libraries.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
redirect(const char *path, int fd, int flags)
{
	int f = open(path, flags, 0644);

	if (f < 0 || dup2(f, fd) < 0)
		return -1;
	close(f);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *in = "/dev/null", *out = "/dev/null";
	struct rusage ru;
	double t0, t1;
	pid_t pid;
	int opt, status;

	while ((opt = getopt(argc, argv, "+i:o:")) != -1) {
		if (opt == 'i')
			in = optarg;
		else if (opt == 'o')
			out = optarg;
		else
			return 2;
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc) {
		fprintf(stderr, "usage: timeit [-i FILE] [-o FILE] -- COMMAND [ARG]...\n");
		return 2;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		if (redirect(in, 0, O_RDONLY) < 0 ||
		    redirect(out, 1, O_WRONLY | O_CREAT | O_TRUNC) < 0) {
			perror("timeit: redirect");
			_exit(127);
		}
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "timeit: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("timeit: wait4");
			return 2;
		}
	}
	t1 = now();
	printf("%.6f %ld %d\n", t1 - t0, ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
