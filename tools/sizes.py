#!/usr/bin/env python3
"""tools/sizes.py — files and functions over their size budget.

Usage: sizes.py [--file N] [--function N] DIR...   (defaults 700 and 80)

A function is counted from the first line of its declaration to the
closing brace in column 0 (herd's style puts both braces of a function
there).  Prints each one over budget as FILE:LINE: and exits 1 if any.
"""
import os
import sys


def decl_start(lines, brace):
    """The first line of the declaration whose body opens at lines[brace]."""
    j = brace - 1
    while j > 0:
        prev = lines[j - 1]
        if not prev.strip() or prev.startswith(("}", "/*", " *", "#")) or \
           prev.rstrip().endswith((";", "*/")):
            break
        j -= 1
    return j


def scan(path, max_file, max_fn, out):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    n_lines = len(lines) - (lines[-1] == "")
    if n_lines > max_file:
        out.append(f"{path}:1: {n_lines} lines (budget {max_file})")
    start = None
    for i, line in enumerate(lines):
        if line.startswith("{"):
            start = decl_start(lines, i)
        elif line.startswith("}") and start is not None:
            if i - start + 1 > max_fn:
                out.append(f"{path}:{start + 1}: {lines[start].strip()} "
                           f"{i - start + 1} lines (budget {max_fn})")
            start = None
    return n_lines


def main(argv):
    max_file, max_fn, dirs = 700, 80, []
    args = iter(argv[1:])
    for a in args:
        if a == "--file":
            max_file = int(next(args))
        elif a == "--function":
            max_fn = int(next(args))
        else:
            dirs.append(a)
    out, files, biggest = [], 0, (0, "")
    for d in dirs:
        for dp, _, names in os.walk(d):
            for name in sorted(names):
                if name.endswith((".c", ".h")):
                    p = os.path.join(dp, name)
                    n = scan(p, max_file, max_fn, out)
                    files += 1
                    biggest = max(biggest, (n, p))
    for line in out:
        print(line)
    print(f"sizes: {files} files (largest {biggest[1]}, {biggest[0]} lines), "
          f"{len(out)} over budget (file {max_file}, function {max_fn})")
    return 1 if out else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
