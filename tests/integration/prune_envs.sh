#!/usr/bin/env bash
# Backups of several envs in one backup dir: prune applies retention to each
# (database, env) as the sidecar records it (never as the file name says),
# only to the session's own pair unless --all-envs, keeps the newest of each
# and every backup without a sidecar, and --dry-run shows per env what goes
# and what stays. restore --clean on a protected env backs up first, and
# retort_history is not rolled back: it keeps the rows written since the
# backup and records the restore.
. "$RT_SRCDIR/tests/lib/tap.sh"
. "$RT_SRCDIR/tests/lib/pg.sh"
pg_start
copy_sample
P="$T/proj/migrations"
B="$T/proj/backups"
psqlc "CREATE DATABASE appprod" >/dev/null
export APP_URL="$PGURL" PROD_URL="postgresql://postgres@/appprod?host=$PGSOCK"
cat >"$P/retort.conf" <<EOF
[retort]
backup_dir = backups

[env dev]
url = \${APP_URL}
default = true

[env prod]
url = \${PROD_URL}
protected = true

[env stage]
url = \${APP_URL}
EOF
R() { rt -d "$P" "$@"; }
HEAD=8289ba23590a MID=2733b3fe03af
newest() { ls -t "$B"/*.dump 2>/dev/null | head -1; }
ndumps() { ls "$B"/*.dump 2>/dev/null | wc -l; }
# the dumps whose sidecar names env $1, by name
of_env() { grep -l "^env,$1\$" "$B"/*.dump.csv 2>/dev/null | sed 's|.*/||; s|\.csv$||' | sort | paste -sd' '; }
hist() { psqlc -d appprod "$1"; }

R -q upgrade $MID || bail "dev upgrade failed"
# (prod's first automatic backup, at base)
R -q -e prod --yes upgrade $MID >/dev/null || bail "prod upgrade failed"
for _ in 1 2 3; do R -q backup >/dev/null || bail "dev backup failed"; sleep 1.1; done
for _ in 1 2; do R -q -e prod backup >/dev/null || bail "prod backup failed"; sleep 1.1; done
# the automatic backup before a protected upgrade is one of prod's too
R -e prod --yes upgrade >"$T/out" 2>&1 || bail "prod upgrade to head failed"
auto=$(sed -n 's/^backup before migrating: //p' "$T/out")
like "the protected upgrade backed up first" "$auto" "/appprod_prod_[0-9TZ]+_${MID}\.dump$"
R -q -e stage backup >/dev/null || bail "stage backup failed"
# a prod backup under a dev-looking name: the sidecar says whose it is
p1=$(ls "$B"/appprod_prod_*.dump | head -1)
cp -p "$p1" "$B/app_dev_20000101T000000Z_renamed.dump"
cp -p "$p1.csv" "$B/app_dev_20000101T000000Z_renamed.dump.csv"
# a dump without a sidecar: nobody's, never pruned
cp -p "$p1" "$B/orphan.dump"
touch -d "30 days ago" "$B/orphan.dump"
dev3=$(of_env dev) prod5=$(of_env prod) stage1=$(of_env stage)
is "three dev backups" "$(echo $dev3 | wc -w)" 3
is "five prod backups (one renamed like dev's, two automatic)" "$(echo $prod5 | wc -w)" 5
all=$(ndumps)

# --- dev: --dry-run shows its own pair, the others untouched ---
out=$(R prune --keep 1 --dry-run); rc=$?
is "prune --keep 1 --dry-run in dev exits 0" "$rc" 0
newest_dev=$(ls -t $(for f in $dev3; do echo "$B/$f"; done) | head -1 | sed 's|.*/||')
like "... heads dev's pair with what stays and goes" "$out" "database app, env dev: 1 stay, 2 would go"
like "... the newest stays" "$out" "  stays +$newest_dev  \(the newest\)"
is "... two would go, beyond the 1 newest" "$(grep -c '^  would delete .* (beyond the 1 newest)$' <<<"$out")" 2
like "... prod's backups are another env's" "$out" "database appprod, env prod: 5 backup\(s\) stay, another env \(--all-envs prunes every env\)"
like "... as are stage's (same database, other env)" "$out" "database app, env stage: 1 backup\(s\) stay, another env"
unlike "... the renamed prod backup is not listed as dev's" "$out" "would delete +app_dev_20000101T000000Z_renamed"
like "... the dump without a sidecar is listed as kept" "$out" "without a sidecar: 1 backup\(s\) stay .*
  stays +orphan.dump  \(no sidecar\)"
is "... and nothing was deleted" "$(ndumps)" "$all"

out=$(R prune --keep 1); rc=$?
is "prune --keep 1 in dev exits 0" "$rc" 0
like "... says what it deleted" "$out" "database app, env dev: 1 stay, 2 deleted
  deleted +app_dev_"
is "dev keeps its newest backup only" "$(of_env dev)" "$newest_dev"
is "prod's five backups are all there" "$(of_env prod)" "$prod5"
like "... the automatic one included" "$(ls "$B")" "$(basename "$auto")"
is "stage's backup is there" "$(of_env stage)" "$stage1"
is "the dump without a sidecar is there" "$(ls "$B"/orphan.dump* | wc -l)" 1

# an age limit applies per pair too: the newest of each stays however old
touch -d "20 days ago" "$B/$newest_dev"
R -q prune --keep-days 7
is "the newest dev backup stays, however old" "$(of_env dev)" "$newest_dev"

# csv: every backup with its pair, action and reason
csv=$(R prune --keep 1 --dry-run --format csv)
is "prune csv header" "$(head -1 <<<"$csv")" "name,database,env,action,reason"
like "... the session's pair first" "$(sed -n 2p <<<"$csv")" "^$newest_dev,app,dev,keep,newest$"
is "... prod's rows: other_env" "$(grep -c ',appprod,prod,keep,other_env$' <<<"$csv")" 5
like "... no sidecar: database and env empty" "$csv" "
orphan.dump,,,keep,no_sidecar"
like "prune json: null for what a dump without a sidecar cannot say" \
	"$(R prune --keep 1 --dry-run --format json)" '"name": "orphan.dump", "database": null, "env": null'

# --- prod, then every env ---
out=$(R -e prod prune --keep 1 --dry-run)
like "prune in prod heads prod's pair" "$out" "^database appprod, env prod: 1 stay, 4 would go
  stays +$(basename "$auto")  \(the newest\)"
like "... and calls dev's another env" "$out" "database app, env dev: 1 backup\(s\) stay, another env"
out=$(R prune --keep 1 --all-envs --dry-run); rc=$?
is "prune --all-envs --dry-run exits 0" "$rc" 0
like "... shows dev's pair" "$out" "database app, env dev: 1 backup\(s\) stay, nothing to prune
  stays +$newest_dev  \(the newest\)"
like "... and prod's" "$out" "database appprod, env prod: 1 stay, 4 would go"
like "... the renamed one among them, by its sidecar" "$out" "  would delete +app_dev_20000101T000000Z_renamed.dump  \(beyond the 1 newest\)"
like "... and stage's" "$out" "database app, env stage: 1 backup\(s\) stay, nothing to prune"
is "... deleting nothing" "$(of_env prod)" "$prod5"
R -q prune --keep 1 --all-envs
is "--all-envs pruned prod to its newest" "$(of_env prod | wc -w)" 1
is "... the newest: the automatic backup" "$(of_env prod)" "$(basename "$auto")"
is "... dev kept its newest" "$(of_env dev)" "$newest_dev"
is "... stage its one" "$(of_env stage)" "$stage1"
is "... and the dump without a sidecar stays" "$(ls "$B"/orphan.dump | wc -l)" 1

# --- a session without an env (--url): env "url", as the file names say ---
for _ in 1 2; do R -q --url "$APP_URL" backup >/dev/null || bail "url backup failed"; sleep 1.1; done
is "backups made with --url are named _url_" "$(ls "$B" | grep -c '^app_url_.*\.dump$')" 2
is "... and their sidecar has an empty env" "$(of_env '')" "$(ls "$B" | grep '^app_url_.*\.dump$' | sort | paste -sd' ')"
out=$(R --url "$APP_URL" prune --keep 1 --dry-run)
like "prune --url heads the url pair" "$out" "^database app, env url: 1 stay, 1 would go"
like "... dev's backups are another env's" "$out" "database app, env dev: 1 backup\(s\) stay, another env"
R -q --url "$APP_URL" prune --keep 1
is "prune --url left one url backup" "$(ls "$B" | grep -c '^app_url_.*\.dump$')" 1
is "... and dev's" "$(of_env dev)" "$newest_dev"
out=$(R -e nosuch prune --keep 1 2>&1); rc=$?
is "prune in an unknown env exits 2" "$rc" 2

# --- restore --clean on a protected env: a backup first, the audit log kept ---
R -q -e prod --yes downgrade $MID >/dev/null || bail "prod downgrade failed"
R -q -e prod backup >/dev/null || bail "prod backup failed"
bk=$(newest)
n_at_backup=$(hist "SELECT count(*) FROM retort_history")
max_at_backup=$(hist "SELECT max(id) FROM retort_history")
R -q -e prod --yes upgrade >/dev/null || bail "prod upgrade after the backup failed"
after=$(hist "SELECT string_agg(format('%s %s %s %s', id, revision, direction, outcome), ',' ORDER BY id) FROM retort_history WHERE id > $max_at_backup")
n_after=$(hist "SELECT count(*) FROM retort_history WHERE id > $max_at_backup")
like "the upgrade after the backup wrote history rows" "$after" "$HEAD upgrade ok"
# a transaction-off revision left dirty after the backup: the restore undoes
# its half, so its entry must not stay dirty (resolve would resume it)
hist "INSERT INTO retort_history (revision, direction, started_at, tool_version, outcome, statements_done)
      VALUES ('4d68eb8716bd', 'upgrade', now(), 'test', 'dirty', 1)"
is "prod is at head" "$(hist 'SELECT version_num FROM alembic_version')" "$HEAD"
before_files=$(ndumps)
out=$(R -e prod restore --clean "$bk" </dev/null 2>&1); rc=$?
is "restore --clean on prod without --yes off a terminal exits 2" "$rc" 2
is "... and makes no backup" "$(ndumps)" "$before_files"
out=$(R -e prod --yes restore --clean "$(basename "$bk")" 2>&1); rc=$?
is "restore --clean --yes --env prod exits 0" "$rc" 0
like "... says a backup is made first" "$out" "a backup of appprod is made first \(protected env\)"
safety=$(sed -n 's/^backup before restoring: //p' <<<"$out")
like "... names the backup it made" "$safety" "^$B/appprod_prod_[0-9]{8}T[0-9]{6}Z_${HEAD}(-[0-9]+)?\.dump$"
is "... one new file" "$(ndumps)" $((before_files + 1))
is "... the backup has the state before the restore (head)" "$(grep '^revision,' "$safety.csv" | cut -d, -f2)" "$HEAD"
like "... every count matches (retort_history is not compared)" "$out" "row counts: all [0-9]+ tables match the backup"
like "... says the audit log was kept" "$out" "retort_history: not rolled back"
is "prod is at the backup's revision" "$(hist 'SELECT version_num FROM alembic_version')" "$MID"
is "retort_history: the backup's rows, those since, and the restore's" \
	"$(hist 'SELECT count(*) FROM retort_history')" $((n_at_backup + n_after + 2))
is "... the rows written since the backup, unchanged" \
	"$(hist "SELECT string_agg(format('%s %s %s %s', id, revision, direction, outcome), ',' ORDER BY id) FROM retort_history WHERE id > $max_at_backup AND direction <> 'restore' AND tool_version <> 'test'")" "$after"
is "... the dirty one failed now, saying why" \
	"$(hist "SELECT outcome || ': ' || error FROM retort_history WHERE tool_version = 'test'")" \
	"failed: was dirty: the restore of $(basename "$bk") undid its changes"
is "... the last row is the restore" \
	"$(hist "SELECT direction || ' ' || revision || ' ' || outcome || ' ' || error || ' ' || checksum FROM retort_history ORDER BY id DESC LIMIT 1")" \
	"restore $MID ok $(basename "$bk") $(sha256sum "$bk" | cut -d' ' -f1)"
is "... with who and when" "$(hist "SELECT tool_version LIKE 'retort %' AND started_at <= finished_at AND os_user IS NOT NULL FROM retort_history WHERE direction = 'restore'")" t

# the database goes on as usual: upgrade again, its rows after the restore's
R -q -e prod --yes upgrade --no-backup >/dev/null; rc=$?
is "an upgrade after the restore exits 0" "$rc" 0
is "... its rows come after the restore's" \
	"$(hist "SELECT max(id) > (SELECT id FROM retort_history WHERE direction = 'restore') FROM retort_history WHERE direction = 'upgrade'")" t
like "current reads the database" "$(R -e prod current 2>&1)" "$HEAD"
R -q -e prod --yes downgrade $MID --no-backup >/dev/null || bail "prod downgrade failed"

# a backup of another database (dev's; both logs count their ids from 1):
# every prod row stays, under a new id where dev's log used it
R -q backup >/dev/null || bail "dev backup failed"
devbk=$(newest)
rows() { "$PG_BINDIR/psql" -qXAt -d "$1" -c "SELECT format('%s %s %s %s', revision, direction, outcome, started_at) FROM retort_history $2" | sort; }
dev_rows=$(rows app "")
prod_rows=$(rows appprod "")
is "both logs start at id 1" "$(psqlc 'SELECT min(id) FROM retort_history') $(hist 'SELECT min(id) FROM retort_history')" "1 1"
out=$(R -q -e prod --yes restore --clean "$devbk" 2>&1); rc=$?
is "restoring dev's backup into prod exits 0" "$rc" 0
is "... the log: dev's rows and every prod row (the restore's aside)" \
	"$(rows appprod "WHERE id <> (SELECT max(id) FROM retort_history)")" "$(sort <<<"$dev_rows
$prod_rows")"
is "... then the restore's row" "$(hist "SELECT direction || ' ' || error FROM retort_history ORDER BY id DESC LIMIT 1")" \
	"restore $(basename "$devbk")"
is "... ids unique (the primary key held) and the sequence past them" \
	"$(hist "SELECT nextval(pg_get_serial_sequence('retort_history', 'id')) > max(id) FROM retort_history")" t
done_testing
