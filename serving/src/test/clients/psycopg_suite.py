"""psycopg 3 against the follower's endpoint, as an application would use it.

Connection settings come from the PG* environment variables; FEATURES is a JSON list of feature
vectors. Prints one JSON object with what each way of calling gave; the Java test
(ClientsIT) compares it with pgjdbc's answers. Any unexpected error exits non-zero.
"""
import json
import os

import psycopg

features = json.loads(os.environ["FEATURES"])
PREDICT = "SELECT pgml.predict('bc', %s::float8[])"
out = {}

# Autocommit, every statement prepared on the server (prepare_threshold=0: Parse/Bind/Execute
# with named statements from the first call).
with psycopg.connect(autocommit=True, prepare_threshold=0) as conn:
    out["autocommit_prepared"] = [conn.execute(PREDICT, (f,)).fetchone()[0] for f in features]
    out["server_version"] = conn.info.parameter_status("server_version")

# A transaction (autocommit off): an ordinary query and a prediction inside it, then commit;
# psycopg's default parameters (a list of floats adapts to an array) and its default prepare
# threshold.
with psycopg.connect() as conn:
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM public.breast_cancer")
        out["count"] = cur.fetchone()[0]
        cur.execute("SELECT pgml.predict('bc', %s)", (features[0],))
        out["in_transaction"] = cur.fetchone()[0]
        cur.execute("SET datestyle TO 'ISO, DMY'")
        cur.execute("SELECT '2024-01-02'::date")
        out["date"] = cur.fetchone()[0].isoformat()
    conn.commit()
    # A failed statement fails the transaction until rollback (25P02), as on PostgreSQL.
    try:
        conn.execute("SELECT pgml.predict('no_such_project', %s::float8[])", (features[0],))
    except psycopg.Error as e:
        out["unknown_project"] = e.sqlstate
    try:
        conn.execute("SELECT 1")
    except psycopg.Error as e:
        out["in_failed_transaction"] = e.sqlstate
    conn.rollback()
    out["after_rollback"] = conn.execute("SELECT 41 + 1").fetchone()[0]
    conn.commit()

# Binary results (and binary parameters): the follower must honour the formats asked for.
with psycopg.connect(autocommit=True) as conn:
    with conn.cursor(binary=True) as cur:
        cur.execute(
            "SELECT pgml.predict('bc', %b), 7::int4, 'x'::text, true, 2.5::float8",
            (features[1],),
        )
        out["binary"] = list(cur.fetchone())
        cur.execute("SELECT id, mean_radius FROM public.breast_cancer ORDER BY id LIMIT 2")
        out["binary_rows"] = [list(r) for r in cur.fetchall()]
    # Pipeline mode: many statements sent before any result is read, one Sync at the end.
    with conn.pipeline():
        cursors = [conn.execute(PREDICT, (f,)) for f in features]
    out["pipeline"] = [c.fetchone()[0] for c in cursors]

print(json.dumps(out))
