#!/usr/bin/python3
"""Writes an Alembic 1.8 project that runs the same SQL as a retort versions
directory: the same revision ids and down_revisions, and for each revision
one op.execute() per statement of its upgrade and downgrade sections (the
bench generator writes one statement per line). env.py uses
transaction_per_migration=True, so Alembic commits once per revision with
its alembic_version update, the grouping retort and the psql floor use.

usage: alembic_chain.py RETORT_VERSIONS_DIR OUT_DIR SQLALCHEMY_URL
(env.py takes another database with: alembic -x url=URL ...)
"""
import os
import sys

src, out, url = sys.argv[1:4]
os.makedirs(os.path.join(out, "versions"), exist_ok=True)
with open(os.path.join(out, "alembic.ini"), "w") as f:
    f.write("[alembic]\nscript_location = %s\nsqlalchemy.url = %s\n" % (out, url.replace("%", "%%")))
with open(os.path.join(out, "env.py"), "w") as f:
    f.write('''from alembic import context
from sqlalchemy import engine_from_config, pool
cfg = context.config
url = context.get_x_argument(as_dictionary=True).get("url")
if url:
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
engine = engine_from_config(cfg.get_section(cfg.config_ini_section), prefix="sqlalchemy.",
                            poolclass=pool.NullPool)
with engine.connect() as conn:
    context.configure(connection=conn, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
''')
with open(os.path.join(out, "script.py.mako"), "w") as f:
    f.write("")

for name in sorted(os.listdir(src)):
    if not name.endswith(".sql"):
        continue
    head, sect, sql = {}, None, {"upgrade": [], "downgrade": []}
    with open(os.path.join(src, name), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("-- retort:upgrade"):
                sect = "upgrade"
            elif line.startswith("-- retort:downgrade"):
                sect = "downgrade"
            elif line.startswith("-- retort:") and sect is None:
                key, _, value = line[len("-- retort:"):].partition(" ")
                head[key] = value.strip()
            elif sect and line.strip() and not line.startswith("--"):
                sql[sect].append(line.strip())
    down = head["down_revision"]
    with open(os.path.join(out, "versions", head["revision"] + ".py"), "w") as f:
        f.write("from alembic import op\n")
        f.write("revision = %r\n" % head["revision"])
        f.write("down_revision = %r\n" % (None if down == "none" else down,))
        f.write("branch_labels = None\ndepends_on = None\n")
        for fn in ("upgrade", "downgrade"):
            f.write("def %s():\n" % fn)
            for stmt in sql[fn] or ["SELECT 1"]:
                f.write("    op.execute(%r)\n" % stmt)
