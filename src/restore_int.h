/* restore_int.h - private to restore.c and restore_feed.c: pg_restore (and,
 * with clean, psql) reading a backup through a FIFO that the restore job
 * writes, hashing every byte on the way (see restore_feed.c). */
#ifndef RT_RESTORE_INT_H
#define RT_RESTORE_INT_H

#include <openssl/evp.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "rt_spawn.h"

struct rt_backup_info;
struct rt_db;
struct rt_err;

enum rt_feed_sum { RT_SUM_PENDING, RT_SUM_OK, RT_SUM_BAD };

/* One restore's children and the dump flowing into them. */
struct rt_feed {
	struct rt_backup_info *info;    /* the backup (borrowed; ->check set by the verdict) */
	bool clean;
	bool is_waiting;            /* everything hashed and fed: waiting for the children */
	bool is_done;
	bool is_cancelled;
	bool is_committed;          /* the restore's transaction committed */
	double cancel_ms;
	struct rt_proc rst;         /* pg_restore; its messages through rst.fd */
	struct rt_proc psql;        /* with clean: the drops, the script, the gate, the check */
	int gate;                   /* with clean: psql's descriptor 3 */
	bool is_gate_open;          /* the token went through the gate: psql commits */
	int file;                   /* the dump */
	int feed;                   /* the FIFO's write end; -1 once closed */
	int fifo_rd;                /* our read end of the FIFO (never read) */
	int timer;                  /* a timerfd: when to write into the full FIFO again */
	bool is_pacing;             /* the FIFO was full: wait for the timer, not POLLOUT */
	long long pipe_size;        /* the FIFO's capacity */
	long long round;            /* bytes written since the last wake-up */
	double pace_ms;             /* the timer's delay: the FIFO about half drained */
	char *dir, *fifo;           /* the private directory and the FIFO in it */
	char *conninfo, *password;
	char *prelude;              /* with clean: the drops */
	char *keep_sql;             /* with clean: the audit log into a temporary table */
	char *history_sql;          /* with clean: the audit log back, and the restore's row */
	char *hist_schema;          /* with clean: retort_history's schema */
	EVP_MD_CTX *md;
	long long size;             /* of the dump when opened */
	long long hashed;           /* read and hashed so far */
	unsigned char *buf;         /* hashed, not fed yet: buf[off .. len) */
	size_t off, len;
	enum rt_feed_sum sum;
	char sum_hex[65];
	bool is_draining;           /* a child ended early: only hashing the rest */
};

/* Empties f: nothing open, nothing running. */
void rt_feed_init(struct rt_feed *f);

/* Finds pg_restore (and psql beside it), opens the dump at info->path (its
 * size must still be the sidecar's), makes the FIFO and starts the children
 * on db's database. *note: something to tell the user (a newer pg_restore
 * than the server), owned by the caller, or NULL. 0, or -1 with err. */
int rt_feed_start(struct rt_feed *f, struct rt_db *db, struct rt_backup_info *info, bool clean,
		  char **note, struct rt_err *err);

/* Non-blocking. 1 while running; 0 once the restore committed; -1 with err:
 * RT_ERR_INPUT for a checksum mismatch (nothing restored), RT_ERR_CANCEL,
 * RT_ERR_RUN for a child that failed. f->is_committed says whether the
 * database holds the dump even so (a mismatch found only after pg_restore
 * committed). Once the whole dump is hashed, info->check is OK or BAD_SUM. */
int rt_feed_step(struct rt_feed *f, struct rt_err *err);

/* The descriptors to poll before the next step. */
size_t rt_feed_fds(const struct rt_feed *f, struct pollfd *fds, size_t max);

/* Asks the children to stop (they send the server a cancel request), unless
 * psql already has the token and is committing. True when it did. */
bool rt_feed_cancel(struct rt_feed *f);

/* Kills what still runs, closes and removes the FIFO, frees; f is empty
 * again. Idempotent. */
void rt_feed_end(struct rt_feed *f);

#endif
