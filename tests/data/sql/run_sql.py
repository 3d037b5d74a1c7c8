"""Runs an exported scoring statement in a real SQL engine (for tests/sql_export.rs).

    python run_sql.py ENGINE DATA.csv STATEMENT.sql OUT.csv

ENGINE is duckdb (the duckdb package), sqlite (Python's own sqlite3) or postgres (psql on the
server that PGHOST / PGPORT / PGUSER name). DATA.csv becomes the table `customers`: in DuckDB
as read_csv_auto reads it; in SQLite and PostgreSQL with each column typed as its values are
(whole numbers, numbers, dates written YYYY-MM-DD, else text; empty fields are NULL). The
statement's rows go to OUT.csv with their column names, numbers written with repr() so doubles
keep every bit.
"""

import csv
import os
import re
import subprocess
import sys
import tempfile

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def typed_columns(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        names = next(r)
        rows = list(r)
    kinds = []
    for j in range(len(names)):
        values = [row[j] for row in rows if row[j] != ""]
        kind = "INTEGER"
        for v in values:
            if kind == "INTEGER":
                try:
                    int(v)
                    continue
                except ValueError:
                    kind = "REAL"
            if kind == "REAL":
                try:
                    float(v)
                    continue
                except ValueError:
                    kind = "DATE" if all(DATE.match(x) for x in values) else "TEXT"
                    break
        kinds.append(kind)
    return names, kinds, rows


def convert(v, kind):
    if v == "":
        return None
    if kind == "INTEGER":
        return int(v)
    if kind == "REAL":
        return float(v)
    return v


def write(out, names, rows):
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for row in rows:
            w.writerow([repr(v) if isinstance(v, float) else v for v in row])


def duckdb_run(data, sql, out):
    import duckdb

    con = duckdb.connect()
    con.execute(f"CREATE TABLE customers AS SELECT * FROM read_csv_auto('{data}')")
    rows = con.execute(sql).fetchall()
    write(out, [d[0] for d in con.description], rows)


def sqlite_run(data, sql, out):
    import sqlite3

    names, kinds, rows = typed_columns(data)
    con = sqlite3.connect(":memory:")
    types = {"INTEGER": "INTEGER", "REAL": "REAL", "DATE": "TEXT", "TEXT": "TEXT"}
    cols = ", ".join(f'"{n}" {types[k]}' for n, k in zip(names, kinds))
    con.execute(f"CREATE TABLE customers ({cols})")
    marks = ", ".join("?" for _ in names)
    con.executemany(f"INSERT INTO customers VALUES ({marks})",
                    [[convert(v, k) for v, k in zip(row, kinds)] for row in rows])
    cur = con.execute(sql)
    write(out, [d[0] for d in cur.description], cur.fetchall())


def postgres_run(data, sql, out):
    names, kinds, _ = typed_columns(data)
    types = {"INTEGER": "BIGINT", "REAL": "DOUBLE PRECISION", "DATE": "DATE", "TEXT": "TEXT"}
    cols = ", ".join(f'"{n}" {types[k]}' for n, k in zip(names, kinds))
    statements = [s for s in sql.split(";\n") if s.strip()]
    query = statements[-1].strip().rstrip(";")
    settings = "".join(s + ";\n" for s in statements[:-1] if not s.lstrip().startswith("--") or "\n" in s)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("SET client_min_messages = warning;\nDROP TABLE IF EXISTS customers;\n")
        script.write(f"CREATE TABLE customers ({cols});\n")
        script.write(f"\\copy customers FROM '{data}' WITH (FORMAT csv, HEADER true)\n")
        script.write("SET extra_float_digits = 3;\n")
        script.write(settings)
        script.write(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true);\n")
    try:
        with open(out, "wb") as f:
            subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", script.name],
                           check=True, env=os.environ, stdout=f)
    finally:
        os.unlink(script.name)


if __name__ == "__main__":
    engine, data, statement, out = sys.argv[1:5]
    sql = open(statement).read()
    {"duckdb": duckdb_run, "sqlite": sqlite_run, "postgres": postgres_run}[engine](data, sql, out)
