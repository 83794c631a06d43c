#!/usr/bin/env python3
"""Check that the tests named after SECURITY.md rows and SECURITY.md agree.

- Every Rust function named `rowN_...` (or `rowN_M_...` for two rows) under
  programs/, crates/ and tests/ must cite rows of SECURITY.md's attack table
  (`| N | ...` lines of the "Attack cases" section).
- Every test SECURITY.md lists as `path/to/file.rs::function` (in the
  table's tests column, or anywhere else in the file) must exist: the file,
  and a `fn function` in it.
- A `rowN_` test that SECURITY.md does not list under row N is reported as a
  warning (an error with --strict).

Exit 0 with a one-line summary on success, 1 with one line per problem.
Standard library only; run from anywhere: python3 scripts/check-rows.py
"""

import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
SEARCH_DIRS = ("programs", "crates", "tests")
SECURITY = os.path.join(ROOT, "SECURITY.md")

ROW_FN = re.compile(r"\bfn\s+(row(\d+(?:_\d+)*)_\w*)\s*[(<]")
ANY_FN = re.compile(r"\bfn\s+(\w+)\s*[(<]")
REF = re.compile(r"`([\w./-]+\.rs)::(\w+)`")
TABLE_ROW = re.compile(r"^\|\s*(\d+)\s*\|")
CELL_SPLIT = re.compile(r"(?<!\\)\|")


def rust_files():
    for top in SEARCH_DIRS:
        base = os.path.join(ROOT, top)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d not in ("target", ".git"))
            for name in sorted(filenames):
                if name.endswith(".rs"):
                    yield os.path.join(dirpath, name)


def rel(path):
    return os.path.relpath(path, ROOT).replace(os.sep, "/")


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def collect_row_tests():
    """[(file, line, function, [rows])] for every `fn rowN_...`."""
    found = []
    for path in rust_files():
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in ROW_FN.finditer(text):
            rows = [int(n) for n in m.group(2).split("_")]
            found.append((rel(path), line_of(text, m.start()), m.group(1), rows))
    return found


def parse_security():
    """(rows: {N: set of (file, fn) listed in its row}, refs: [(line, file, fn)])."""
    with open(SECURITY, encoding="utf-8") as f:
        lines = f.read().splitlines()
    rows, refs = {}, []
    section = None
    tests_col = None
    for i, line in enumerate(lines, 1):
        if line.startswith("## "):
            section = line[3:].strip().lower()
            tests_col = None
        for m in REF.finditer(line):
            refs.append((i, m.group(1), m.group(2)))
        if section != "attack cases" or not line.startswith("|"):
            continue
        cells = [c.strip() for c in CELL_SPLIT.split(line.strip().strip("|"))]
        if tests_col is None and "tests" in [c.lower() for c in cells]:
            tests_col = [c.lower() for c in cells].index("tests")
            continue
        m = TABLE_ROW.match(line)
        if not m:
            continue
        n = int(m.group(1))
        if n in rows:
            raise SystemExit(f"check-rows: SECURITY.md line {i}: row {n} appears twice")
        listed = set()
        if tests_col is not None and tests_col < len(cells):
            listed = {(r.group(1), r.group(2)) for r in REF.finditer(cells[tests_col])}
        rows[n] = listed
    return rows, refs


def functions_in(path, cache={}):
    if path not in cache:
        full = os.path.join(ROOT, path)
        if not os.path.isfile(full):
            cache[path] = None
        else:
            with open(full, encoding="utf-8") as f:
                cache[path] = {m.group(1) for m in ANY_FN.finditer(f.read())}
    return cache[path]


def main(argv):
    strict = "--strict" in argv[1:]
    if not os.path.isfile(SECURITY):
        print("check-rows: SECURITY.md is missing", file=sys.stderr)
        return 1
    rows, refs = parse_security()
    if not rows:
        print("check-rows: SECURITY.md has no attack-table rows (| N | ... under '## Attack cases')", file=sys.stderr)
        return 1
    tests = collect_row_tests()
    errors, warnings = [], []

    for path, line, name, cited in tests:
        for n in cited:
            if n not in rows:
                errors.append(f"{path}:{line}: test {name} cites row {n}, which SECURITY.md's attack table does not have")
            elif (path, name) not in rows[n]:
                warnings.append(f"{path}:{line}: test {name} is not listed in the tests column of SECURITY.md row {n}")

    for line, path, name in refs:
        fns = functions_in(path)
        if fns is None:
            errors.append(f"SECURITY.md:{line}: lists {path}::{name}, but {path} does not exist")
        elif name not in fns:
            errors.append(f"SECURITY.md:{line}: lists {path}::{name}, but {path} has no fn {name}")

    if strict:
        errors.extend(warnings)
        warnings = []
    for w in warnings:
        print(f"check-rows: warning: {w}", file=sys.stderr)
    if errors:
        for e in errors:
            print(f"check-rows: {e}", file=sys.stderr)
        print(f"check-rows: FAILED, {len(errors)} problem(s)", file=sys.stderr)
        return 1
    print(
        f"check-rows: {len(tests)} row tests, all resolve to SECURITY.md rows "
        f"({len(rows)} rows; {len(set((p, n) for _, p, n in refs))} listed tests exist)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
