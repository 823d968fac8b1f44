#!/usr/bin/env python3
"""Differential parser check: pyrt's tree against CPython 3.13's `ast`.

usage: compare_ast.py PYRT_CONFORMANCE_BIN FILE_OR_DIR... [--attrs]
Runs `PYRT ast-dump` and `ast.dump(ast.parse(src))` (with the same
include_attributes) on every .py file and prints a line per mismatch; ends
with "N passed, N failed". Files that CPython rejects must be rejected by
pyrt with the same message and line.
"""
import ast, os, subprocess, sys
sys.stdout.reconfigure(errors='backslashreplace')

def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in sorted(names):
                    if n.endswith('.py'):
                        yield os.path.join(root, n)
        else:
            yield p

def main():
    exe, rest = sys.argv[1], sys.argv[2:]
    attrs = '--attrs' in rest
    paths = [p for p in rest if p != '--attrs']
    ok = bad = 0
    for f in files(paths):
        src = open(f, encoding='utf-8', errors='surrogateescape').read()
        try:
            want = ast.dump(ast.parse(src), include_attributes=attrs)
        except SyntaxError as e:
            want = f"{type(e).__name__}: {e.msg} ({e.lineno}, )"
        cmd = [exe, 'ast-dump'] + (['--attrs'] if attrs else []) + [f]
        got = subprocess.run(cmd, capture_output=True, text=True, errors='surrogateescape').stdout.rstrip('\n')
        if want.startswith(('SyntaxError', 'IndentationError', 'TabError')):
            # Compare class, message and line (the column convention differs:
            # CPython reports a 1-based character offset).
            gw = got.rsplit(',', 1)[0] + ', )' if got.count('(') else got
            same = gw == want
        else:
            same = got == want
        if same:
            ok += 1
        else:
            bad += 1
            k = 0
            while k < min(len(want), len(got)) and want[k] == got[k]:
                k += 1
            lo = max(0, k - 150)
            print(f"MISMATCH {f} (at char {k})\n  cpython: ...{want[lo:k + 150]}\n  pyrt:    ...{got[lo:k + 150]}")
    print(f"{ok} passed, {bad} failed")
    sys.exit(1 if bad else 0)

main()
