#!/usr/bin/env python3
"""gen_seed.py N USERS DIR - writes DIR/resumes.csv: N resumes rows of the
sample project at head for USERS users (ids 1..USERS, which must exist),
with JSON parsed_resume, quoted commas and newlines, NULL and empty titles.
Deterministic (a fixed seed), for tests/bench/seed."""
import json
import os
import random
import sys

n, users, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(14)
roles = ["Software Engineer", "Data Engineer", "Product Manager", "UX Designer", "SRE"]
skills = ["Python", "SQL", "PostgreSQL", "Go", "Kubernetes", "React", "Rust", "C"]
os.makedirs(out, exist_ok=True)


def q(s):
    return '"' + s.replace('"', '""') + '"'


with open(os.path.join(out, "resumes.csv"), "w", newline="", encoding="utf-8") as f:
    f.write("user_id,serial_number,title,parsed_resume,status,template_id\n")
    for i in range(n):
        uid, serial = 1 + i % users, 1 + i // users
        role = roles[i % len(roles)]
        pr = {"name": "User %d" % uid, "email": "u%d@example.com" % uid,
              "summary": "%s, %d years.\nLikes \"clean\" data." % (role, i % 20),
              "skills": rng.sample(skills, 3),
              "experience": [{"company": "Acme, Inc.", "role": role, "years": i % 7}]}
        title = "" if i % 50 == 0 else ('""' if i % 51 == 0 else q("%s, résumé v%d" % (role, serial)))
        f.write("%d,%d,%s,%s,%s,\n" % (uid, serial, title, q(json.dumps(pr, ensure_ascii=False)),
                                      ("active", "draft")[i % 2]))
