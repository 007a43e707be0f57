"""psycopg2 (libpq) checks for the fidelity suite: run once directly and once through the gateway by
psycopg2.test.ts, which compares the JSON this prints. Argument: a JSON object of libpq connection keywords."""
import json
import sys
import threading
import time

import psycopg2
import psycopg2.extensions
import psycopg2.extras

params = json.loads(sys.argv[1])


def connect(**extra):
    return psycopg2.connect(**params, **extra)


def error_fields(e):
    d = e.diag
    return {"pgcode": e.pgcode, "primary": d.message_primary, "detail": d.message_detail,
            "hint": d.message_hint, "position": d.statement_position, "constraint": d.constraint_name,
            "severity": d.severity}


def rows(cur):
    return [list(map(str_or_none, r)) for r in cur.fetchall()]


def str_or_none(v):
    if v is None:
        return None
    if isinstance(v, memoryview):
        return v.tobytes().hex()
    return str(v)


def simple_query(c):
    cur = c.cursor()
    cur.execute("SELECT 1 AS one, 'a'::text AS t, NULL::int AS n")
    return {"rows": rows(cur), "columns": [(d.name, d.type_code) for d in cur.description]}


def parameters(c):
    cur = c.cursor()
    cur.execute("SELECT %s::int + %s::int, %s::text, %s", (40, 2, "it's", None))
    return rows(cur)


def types(c):
    cur = c.cursor()
    cur.execute("SELECT * FROM items ORDER BY id")
    stored = rows(cur)
    cur.execute("SELECT %s::numeric, %s::bytea, %s::json, %s::jsonb, %s::int[], %s::text[], %s::timestamptz, %s::uuid, %s::interval",
                ("12345678901234567890.000000001", psycopg2.Binary(b"\x00\x01\xfe\xff"), json.dumps({"k": [1, 2]}),
                 psycopg2.extras.Json({"z": 1, "a": "é"}), [1, None, 3], ["a,b", '"q"', None],
                 "2024-02-29T11:34:56.789Z", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "1 year 2 mons 3 days 04:05:06.5"))
    return {"stored": stored, "echoed": rows(cur)}


def transactions(c):
    cur = c.cursor()
    cur.execute("INSERT INTO sink VALUES (1, 'kept')")
    cur.execute("SAVEPOINT s1")
    cur.execute("INSERT INTO sink VALUES (2, 'undone')")
    cur.execute("ROLLBACK TO SAVEPOINT s1")
    cur.execute("SELECT id, v FROM sink ORDER BY id")
    inside = rows(cur)
    try:
        cur.execute("SELECT 1/0")
    except psycopg2.Error as e:
        failed = e.pgcode
    status = c.get_transaction_status()
    c.rollback()
    cur.execute("SELECT count(*) FROM sink")
    after = rows(cur)
    c.rollback()
    return {"inside": inside, "failed": failed, "status": status, "after": after}


def errors(c):
    c.autocommit = True
    cur = c.cursor()
    out = []
    for sql, args in [("SELECT 1/0", None), ("SELECT nope FROM items", None),
                      ("INSERT INTO items (id, name) VALUES (1, 'dup')", None),
                      ("INSERT INTO items (id) VALUES (9)", None), ("SELEC 1", None), ("SELECT %s::int", ("x",))]:
        try:
            cur.execute(sql, args)
            out.append("no error")
        except psycopg2.Error as e:
            out.append(error_fields(e))
    cur.execute("SELECT 2")
    out.append(rows(cur))
    return out


def notices(c):
    c.autocommit = True
    cur = c.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS items (id int)")
    return list(c.notices)


def listen_notify(c):
    c.autocommit = True
    cur = c.cursor()
    cur.execute("LISTEN fidelity_py")
    other = connect()
    other.autocommit = True
    other.cursor().execute("NOTIFY fidelity_py, 'from another session'")
    other.close()
    got = []
    deadline = time.time() + 5
    while len(got) < 1 and time.time() < deadline:
        c.poll()
        while c.notifies:
            n = c.notifies.pop(0)
            got.append([n.channel, n.payload])
        time.sleep(0.02)
    return got


class Sink:
    def __init__(self):
        self.parts = []

    def write(self, data):
        self.parts.append(data.decode() if isinstance(data, bytes) else data)


def copy(c):
    cur = c.cursor()
    out = Sink()
    cur.copy_expert("COPY (SELECT id, name, price FROM items ORDER BY id) TO STDOUT WITH CSV HEADER", out)
    import io
    cur.copy_expert("COPY sink (id, v) FROM STDIN", io.StringIO("10\tcopied\n11\t\\N\n"))
    cur.execute("SELECT id, v FROM sink WHERE id >= 10 ORDER BY id")
    copied = rows(cur)
    c.rollback()
    return {"out": "".join(out.parts), "copied": copied}


def named_cursor(c):
    cur = c.cursor("fidelity_cursor")
    cur.itersize = 7
    cur.execute("SELECT id FROM big WHERE id <= 20 ORDER BY id")
    first = cur.fetchmany(3)
    rest = cur.fetchall()
    cur.close()
    c.rollback()
    return {"first": first, "rest": rest}


def cancel(c):
    cur = c.cursor()
    threading.Timer(0.3, c.cancel).start()
    try:
        cur.execute("SELECT pg_sleep(20)")
        result = "not cancelled"
    except psycopg2.Error as e:
        result = error_fields(e)
    c.rollback()
    cur.execute("SELECT 1")
    return {"result": result, "after": rows(cur)}


def large(c):
    cur = c.cursor()
    cur.execute("SELECT id, h FROM big ORDER BY id")
    total = 0
    count = 0
    for i, h in cur:
        total += i + ord(h[0])
        count += 1
    return {"count": count, "sum": total}


def parameter_status(c):
    keys = ["server_version", "server_encoding", "client_encoding", "DateStyle", "IntervalStyle", "TimeZone",
            "integer_datetimes", "standard_conforming_strings", "application_name", "is_superuser",
            "session_authorization", "default_transaction_read_only", "in_hot_standby"]
    return {k: c.get_parameter_status(k) for k in keys}


def multiple_statements(c):
    cur = c.cursor()
    cur.execute("SELECT 1; SELECT 2, 3; UPDATE sink SET v = v WHERE id = -1")
    return {"rowcount": cur.rowcount, "status": cur.statusmessage}


def large_object(c):
    # lobject uses libpq's lo_* calls, which send FunctionCall messages.
    lo = c.lobject(0, "wb")
    lo.write(b"large object data")
    oid = lo.oid
    lo.close()
    lo = c.lobject(oid, "rb")
    data = lo.read()
    lo.close()
    c.rollback()
    return data


def executemany(c):
    cur = c.cursor()
    cur.executemany("INSERT INTO sink VALUES (%s, %s)", [(i, "v%d" % i) for i in range(5)])
    cur.execute("SELECT count(*), sum(id) FROM sink")
    out = rows(cur)
    c.rollback()
    return out


def backend_pid(c):
    cur = c.cursor()
    cur.execute("SELECT pg_backend_pid()")
    return cur.fetchone()[0] == c.get_backend_pid()


def close(c):
    c.close()
    try:
        c.cursor()
        return "usable after close"
    except psycopg2.InterfaceError as e:
        return ["closed", c.closed, str(e)]


CHECKS = {"simple query": simple_query, "parameters": parameters, "type round trips": types,
          "transactions and savepoints": transactions, "errors with fields": errors, "notices": notices,
          "LISTEN/NOTIFY": listen_notify, "COPY in and out": copy, "named cursor with itersize": named_cursor,
          "cancel": cancel, "large result": large, "parameter status": parameter_status,
          "several statements": multiple_statements, "large object (FunctionCall)": large_object,
          "backend pid": backend_pid, "executemany": executemany, "connection close": close}

if __name__ == "__main__":
    report = {}
    for name, check in CHECKS.items():
        conn = connect(application_name="fidelity-py")
        try:
            report[name] = check(conn)
        except Exception as e:  # a failing check is a result to compare, not a crash
            report[name] = {"exception": type(e).__name__, "message": str(e)}
        finally:
            conn.close()
    print(json.dumps(report, default=str))
