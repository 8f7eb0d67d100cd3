#!/usr/bin/env python3
"""PostgreSQL's own regression suite as the oracle for `countersign risk` on SQL.

Runs every *.sql file of a directory (PostgreSQL's src/test/regress/sql/) with psql against a
fresh database of a throw-away server, and records what PostgreSQL destroyed, per statement:

  - an event trigger on sql_drop logs pg_event_trigger_dropped_objects() with current_query():
    tables, columns, schemas (and the columns a DROP TYPE ... CASCADE takes along);
  - an event trigger on ddl_command_end puts statement-level triggers on every table the file
    creates: TRUNCATE of a table with rows, a DELETE (or MERGE ... DELETE) that leaves a table
    with rows empty, and an UPDATE after which every row carries the statement's transaction id
    (every row rewritten) are logged with current_query().

Errors are allowed, as the regression suite expects some. Then countersign reads each file and
every destroyed object must have a finding on its statement (by line, or a finding that says it
ran from that statement's line: a DO block, a called function). Critical and high findings on
statements that destroyed nothing are false positives, split by whether the statement failed.

What it does not see: DELETE and UPDATE of tables the file did not create (the tables of the
suite's test_setup.sql are not loaded, so those statements fail), rows deleted by a DELETE that
leaves some, and anything dropped by DROP DATABASE or DROP OWNED outside the event trigger.

  bench/pg_regress_oracle.py REGRESS_SQL_DIR [--countersign build/default/countersign]
                             [--pg-bindir /usr/lib/postgresql/15/bin] [--only name,name]
                             [--cache bench/work/regress-truth] [-v]
"""
import argparse
import collections
import glob
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

ORACLE_SQL = r"""
CREATE SCHEMA oracle;
CREATE TABLE oracle.destroyed (query text, what text, object text);
CREATE FUNCTION oracle.on_drop() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO oracle.destroyed
    SELECT current_query(), o.object_type, o.object_identity FROM pg_event_trigger_dropped_objects() o
    WHERE o.object_type IN ('table', 'table column', 'schema') AND o.schema_name IS DISTINCT FROM 'oracle';
END $$;
CREATE EVENT TRIGGER oracle_drop ON sql_drop EXECUTE FUNCTION oracle.on_drop();

CREATE FUNCTION oracle.before_dml() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog AS $$
DECLARE n bigint; mine bigint;
BEGIN
  EXECUTE format('SELECT count(*), count(*) FILTER (WHERE xmin = pg_current_xact_id()::xid) FROM %s',
                 TG_RELID::regclass) INTO n, mine;
  PERFORM set_config('oracle.n' || TG_RELID, n::text, true);
  PERFORM set_config('oracle.mine' || TG_RELID, mine::text, true);
  RETURN NULL;
END $$;
CREATE FUNCTION oracle.after_dml() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog AS $$
DECLARE before_n bigint; before_mine bigint; n bigint; mine bigint;
BEGIN
  before_n := coalesce(nullif(current_setting('oracle.n' || TG_RELID, true), ''), '0')::bigint;
  before_mine := coalesce(nullif(current_setting('oracle.mine' || TG_RELID, true), ''), '0')::bigint;
  IF TG_OP = 'TRUNCATE' THEN
    IF before_n > 0 THEN
      INSERT INTO oracle.destroyed VALUES (current_query(), 'truncated', TG_RELID::regclass::text);
    END IF;
    RETURN NULL;
  END IF;
  EXECUTE format('SELECT count(*), count(*) FILTER (WHERE xmin = pg_current_xact_id()::xid) FROM %s',
                 TG_RELID::regclass) INTO n, mine;
  IF TG_OP = 'DELETE' AND before_n > 0 AND n = 0 THEN
    INSERT INTO oracle.destroyed VALUES (current_query(), 'emptied', TG_RELID::regclass::text);
  ELSIF TG_OP = 'UPDATE' AND n > 0 AND mine = n AND before_mine < before_n THEN
    INSERT INTO oracle.destroyed VALUES (current_query(), 'rewritten', TG_RELID::regclass::text);
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION oracle.on_create() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS rel FROM pg_event_trigger_ddl_commands() d JOIN pg_class c ON c.oid = d.objid
           WHERE d.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'p') LOOP
    BEGIN
      EXECUTE format('CREATE TRIGGER zz_oracle_before BEFORE DELETE OR UPDATE OR TRUNCATE ON %s '
                     'FOR EACH STATEMENT EXECUTE FUNCTION oracle.before_dml()', r.rel);
      EXECUTE format('CREATE TRIGGER zz_oracle_after AFTER DELETE OR UPDATE OR TRUNCATE ON %s '
                     'FOR EACH STATEMENT EXECUTE FUNCTION oracle.after_dml()', r.rel);
    EXCEPTION WHEN others THEN NULL;  -- a table that cannot carry triggers is not observed
    END;
  END LOOP;
END $$;
CREATE EVENT TRIGGER oracle_create ON ddl_command_end
  WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO') EXECUTE FUNCTION oracle.on_create();
"""

# Which rule claims each kind of destruction (any countersign finding naming the object on the
# statement counts as reported; these say which rule the figure is filed under).
CLAIM = {"table": "sql-drop-table", "table column": "sql-drop-column", "schema": "sql-drop-schema",
         "truncated": "sql-truncate", "emptied": "sql-delete-without-where",
         "rewritten": "sql-update-without-where"}
DESTRUCTIVE = {"sql-drop-database", "sql-drop-schema", "sql-drop-table", "sql-truncate", "sql-drop-cascade",
               "sql-delete-without-where", "sql-update-without-where", "sql-drop-column", "sql-column-readded"}


class Server:
    def __init__(self, bindir):
        self.bindir = bindir
        self.root = tempfile.mkdtemp(prefix="cs-pg-regress-")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self.sock = os.path.join(self.root, "socket")
        self.data = os.path.join(self.root, "data")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.server(["mkdir", self.sock])
        self.server([f"{bindir}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                     "--locale=C", "-N", "--no-instructions"])
        opts = (f"-k {self.sock} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=20")
        self.server([f"{bindir}/pg_ctl", "-D", self.data, "-l", os.path.join(self.root, "log"), "-w", "-o", opts,
                     "start"])

    def server(self, argv):
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    def dsn(self, db):
        return f"host={self.sock} port={self.port} user=postgres dbname={db}"

    def psql(self, db, args, stop=True, timeout=None, cwd=None):
        argv = ["psql", "-X", "-q", "-d", self.dsn(db)] + (["-v", "ON_ERROR_STOP=1"] if stop else []) + args
        return subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=timeout, cwd=cwd,
                              env={**os.environ, "PGOPTIONS": "-c statement_timeout=20s"})

    def stop(self):
        try:
            self.server([f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def line_starts(text):
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    return starts


def line_of(starts, offset):
    lo, hi = 0, len(starts)
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid
    return lo + 1


def statement_span(text, starts, query, cursor):
    """The lines of `query` in the file (searched from `cursor` on first, then anywhere)."""
    q = query.strip()
    if not q:
        return None, cursor
    # The statement with its semicolon, then without it but not followed by a word character
    # ("DROP TABLE t" must not match "DROP TABLE t2").
    exact, bare = re.escape(q), re.escape(q.rstrip(";").strip()) + r"(?!\w)"
    for pattern in (r"(?m)^[ \t]*" + exact, r"(?m)^[ \t]*" + bare, exact, bare):
        for start in (cursor, 0):
            m = re.compile(pattern).search(text, start)
            if m:
                return (line_of(starts, m.start()), line_of(starts, m.end())), m.start()
    return None, cursor


def names_of(obj):
    """The names a finding may give an object: schema.table[.column], table[.column]."""
    parts = obj.replace('"', "").split(".")
    out = {".".join(parts)}
    if len(parts) >= 2:
        out.add(".".join(parts[1:]))
        if len(parts) == 3:
            out.add(parts[0] + "." + parts[1])
            out.add(parts[1])
        else:
            out.add(parts[1] if len(parts) == 2 else parts[-1])
    return out


def reported_on(finding, span):
    line = int(finding["location"].split(":")[0]) if finding["location"] else 0
    if span[0] <= line <= span[1]:
        return True
    return any(span[0] <= int(m) <= span[1] for m in re.findall(r"at line (\d+)\)", finding["message"]))


def covers(finding, what, obj):
    rule = finding["rule"]
    res = finding["resource"].replace('"', "")
    if rule in ("unreviewable", "sql-drop-database", "sql-drop-cascade"):
        return True
    if rule == "sql-drop-schema":
        return obj.replace('"', "").split(".")[0] == res or what == "schema" and res == obj
    return res in names_of(obj) or (what == "schema" and res == obj)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("regress_dir")
    ap.add_argument("--countersign", default="build/default/countersign")
    ap.add_argument("--pg-bindir", default=max(glob.glob("/usr/lib/postgresql/*/bin"), default=""))
    ap.add_argument("--only", default="")
    ap.add_argument("--cache", default="", help="keep what PostgreSQL destroyed per file here (re-runs only "
                    "countersign when the file and the logging are unchanged)")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    # A terminated run still stops its server and removes its directory (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    files = sorted(glob.glob(os.path.join(os.path.abspath(a.regress_dir), "*.sql")))
    if a.only:
        keep = set(a.only.split(","))
        files = [f for f in files if os.path.basename(f)[:-4] in keep]
    srv = None
    truth_total = collections.Counter()
    truth_hit = collections.Counter()
    missed = []
    missed_where = []  # a WHERE (upsert, MERGE ON) that happened to match every row: no rule claims it
    dependents = collections.Counter()
    data_dependent = collections.Counter()
    fps = collections.Counter()
    fp_list = []
    findings_total = 0
    if a.cache:
        os.makedirs(a.cache, exist_ok=True)

    def truth_of(n, path):
        """What PostgreSQL destroyed running `path`: (lines that failed, log records)."""
        nonlocal srv
        key = hashlib.sha256((ORACLE_SQL + open(path, "rb").read().decode("utf-8", "replace")).encode()).hexdigest()
        cached = os.path.join(a.cache, os.path.basename(path) + ".json") if a.cache else None
        if cached and os.path.exists(cached):
            c = json.load(open(cached))
            if c["key"] == key:
                return set(c["errors"]), c["log"]
        if srv is None:
            srv = Server(a.pg_bindir)
            r = srv.psql("postgres", ["-c", "CREATE DATABASE oracle_tmpl"])
            if r.returncode:
                sys.exit(r.stderr)
            r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", srv.dsn("oracle_tmpl")],
                               input=ORACLE_SQL, capture_output=True, text=True)
            if r.returncode:
                sys.exit(r.stderr)
        db = f"r{n}"
        made = srv.psql("postgres", ["-c", f"CREATE DATABASE {db} TEMPLATE oracle_tmpl"])
        if made.returncode:
            sys.exit(made.stderr)
        try:
            run = srv.psql(db, ["-f", path], stop=False, timeout=120, cwd=os.path.dirname(path))
            errors = {int(m) for m in re.findall(r"^psql:[^:]*:(\d+): ERROR", run.stderr, re.M)}
        except subprocess.TimeoutExpired:
            errors = set()
            print(f"{os.path.basename(path)}: timed out after 120 s (what ran so far is counted)", file=sys.stderr)
        rows = srv.psql(db, ["-At", "-F", "\x1f", "-R", "\x1e", "-c",
                             "SELECT query, what, object FROM oracle.destroyed"], stop=True)
        if rows.returncode:
            print(f"{os.path.basename(path)}: cannot read the log: {rows.stderr.strip()}", file=sys.stderr)
        srv.psql("postgres", ["-c", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])
        if cached:
            json.dump({"key": key, "errors": sorted(errors), "log": rows.stdout}, open(cached, "w"))
        return errors, rows.stdout

    try:
        for n, path in enumerate(files):
            name = os.path.basename(path)
            errors, log = truth_of(n, path)
            text = open(path, encoding="utf-8", errors="replace").read()
            starts = line_starts(text)
            cs = subprocess.run([a.countersign, "risk", "--format", "json", path], capture_output=True, text=True)
            findings = json.loads(cs.stdout)["findings"] if cs.stdout.strip() else []
            findings_total += len(findings)
            used = set()
            cursor = 0
            seen = set()
            records = []
            for rec in filter(None, log.removesuffix("\n").split("\x1e")):
                query, what, obj = (rec.split("\x1f") + ["", "", ""])[:3]
                if (query, what, obj) in seen:
                    continue
                if re.fullmatch(r"pg_temp\.pg_temp_\d+(_\d+)?", obj):
                    continue  # REFRESH MATERIALIZED VIEW CONCURRENTLY's transient tables
                seen.add((query, what, obj))
                records.append((query, what, obj))
            # Objects a statement drops along with the one it names (partitions, inheritance
            # children, CASCADE dependents, a dropped table's columns) are covered when the
            # statement's own object is reported.
            reported_queries = set()
            pending = []
            for query, what, obj in records:
                span, cursor = statement_span(text, starts, query, cursor)
                kind = CLAIM[what]
                truth_total[kind] += 1
                hit = next((i for i, f in enumerate(findings)
                            if covers(f, what, obj) and (span is None or reported_on(f, span))), None)
                if hit is None:
                    pending.append((query, what, obj, kind))
                else:
                    truth_hit[kind] += 1
                    reported_queries.add(query)
                if span:
                    used.update(i for i, f in enumerate(findings) if reported_on(f, span))
            for query, what, obj, kind in pending:
                span, _ = statement_span(text, starts, query, 0)
                same_rule = span and any(f["rule"] == kind and reported_on(f, span) for f in findings)
                if query in reported_queries or same_rule:
                    truth_hit[kind] += 1
                    dependents[kind] += 1
                elif what in ("emptied", "rewritten") and re.search(r"\bwhere\b|\bon\s+conflict\b|^\s*merge\b",
                                                                    query, re.I):
                    data_dependent[kind] += 1
                    missed_where.append(f"{name}: {what} {obj} by: {query.strip()[:160]!r}")
                else:
                    missed.append(f"{name}: {what} {obj} by: {query.strip()[:160]!r}")
            for i, f in enumerate(findings):
                if i in used or f["rule"] not in DESTRUCTIVE or f["severity"] not in ("critical", "high"):
                    continue
                line = int(f["location"].split(":")[0])
                end = line_of(starts, text.find(";", starts[line - 1]) if text.find(";", starts[line - 1]) >= 0
                              else len(text))
                failed = any(line <= e <= end for e in errors)
                fps[(f["rule"], "failed" if failed else "ran")] += 1
                fp_list.append(f"{name}:{f['location']}: {f['rule']} {f['resource']} "
                               f"({'the statement failed' if failed else 'ran, destroyed nothing'})")
    finally:
        if srv:
            srv.stop()

    print(f"{len(files)} regression files, {findings_total} countersign findings")
    print("recall (objects PostgreSQL destroyed that have a finding on their statement):")
    for kind in sorted(truth_total):
        print(f"  {kind:26} {truth_hit[kind]:5} / {truth_total[kind]:5}")
    print(f"  {'all':26} {sum(truth_hit.values()):5} / {sum(truth_total.values()):5}")
    print(f"  (of the hits, {sum(dependents.values())} are objects destroyed along with the statement's reported one, "
          "or under another name: a partition, an inheritance child, a CASCADE dependent, a view's base table)")
    print("not claimed: a DELETE/UPDATE whose WHERE (or upsert/MERGE whose ON) happened to match every row:",
          ", ".join(f"{k} {n}" for k, n in sorted(data_dependent.items())) or "none")
    print("false positives (critical/high on a statement that destroyed nothing):")
    for (rule, how), n in sorted(fps.items()):
        print(f"  {rule:26} {how:7} {n:5}")
    if a.verbose:
        print("missed:", *missed, sep="\n  ")
        print("WHERE matched every row:", *missed_where, sep="\n  ")
        print("false positives:", *fp_list, sep="\n  ")
    else:
        print(f"missed ({len(missed)}):", *missed[:40], sep="\n  ")


if __name__ == "__main__":
    main()
