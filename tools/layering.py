#!/usr/bin/env python3
"""tools/layering.py — check the #include lines of herd's sources against
the dependency direction

    cli -> run -> (virt, image, reach, seed, templates) -> plans -> common

Usage: layering.py [ROOT]      check ROOT (default: the repository)
       layering.py --self-test plant violations in a scratch tree and
                               check that each one is caught

A folder may include its own files and those of the folders listed for it
below, nothing else: no arrow back up, and between folders of one level
only the listed ones (seed renders through templates; virt, image and
reach know nothing of each other).  Third-party headers are confined to
the folder that owns that library (libvirt to virt/), and common/log.h,
the printing, to cli/ (nothing below the command line prints).  Each
violation is printed as FILE:LINE: why; the exit status is 1 if any.
"""
import os
import re
import subprocess
import sys
import tempfile

O = "orchestrator/"
# folder -> the folders it may include from (besides itself)
MAY = {
    "common": [],
    "plans": ["common"],
    "templates": ["plans", "common"],
    "seed": ["templates", "plans", "common"],
    O + "virt": ["plans", "common"],
    O + "image": ["plans", "common"],
    O + "reach": ["plans", "common"],
    O + "run": [O + "virt", O + "image", O + "reach", "seed", "templates",
                "plans", "common"],
    O + "cli": [O + "run", O + "virt", O + "image", O + "reach", "seed",
                "templates", "plans", "common"],
}
# a third-party header (by prefix) -> the folders that may include it
LIBS = {
    "libvirt/": [O + "virt"],
    "curl/": [O + "image"],
    "archive": [O + "image", "seed"],	# archive.h, archive_entry.h
    "libssh/": [O + "reach", "seed"],
    "yaml.h": ["plans", "seed"],
    "openssl/": ["common"],
    "cmocka.h": [],
}
# a header of ours -> the only folders that may include it (besides its own)
ONLY = {
    "common/log.h": [O + "cli"],
}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def folder_of(rel):
    """The rule folder of a source path, or None."""
    d = os.path.dirname(rel)
    return d if d in MAY else None


def check_file(root, rel, out):
    here = folder_of(rel)
    bad = 0
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            why = judge(root, rel, here, m.group(1), m.group(2))
            if why:
                out.append(f"{rel}:{n}: {why}")
                bad += 1
    return bad


def judge(root, rel, here, kind, name):
    if kind == "<":
        for prefix, folders in LIBS.items():
            if name.startswith(prefix) and here not in folders:
                return (f"<{name}> may be included only in "
                        f"{', '.join(folders) or 'tests'}/, not in {here}/")
        return None
    if "/" not in name:	# a file of the same folder (or generated)
        if os.path.exists(os.path.join(root, os.path.dirname(rel), name)) or \
           name == "tmpl_data.h":
            return None
        return f'"{name}" is not in {here}/: include it by its path'
    there = next((d for d in sorted(MAY, key=len, reverse=True)
                  if name.startswith(d + "/")), None)
    if there is None:
        return f'"{name}" is in no folder the layering knows'
    if there == here:
        return None
    if name in ONLY and here not in ONLY[name]:
        return f'"{name}" may be included only in {", ".join(ONLY[name])}/'
    if there not in MAY[here]:
        return (f'{here}/ may not include "{name}" ({there}/): '
                f'{here}/ may include {", ".join(MAY[here]) or "nothing"}')
    return None


def check(root):
    out, bad, files = [], 0, 0
    for d in sorted(MAY):
        path = os.path.join(root, d)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if name.endswith((".c", ".h")):
                files += 1
                bad += check_file(root, f"{d}/{name}", out)
    for d, _, names in os.walk(os.path.join(root, "orchestrator")):
        rel = os.path.relpath(d, root)
        if rel not in MAY and any(n.endswith((".c", ".h")) for n in names):
            out.append(f"{rel}/: a folder of sources the layering does not know "
                       "(add it to tools/layering.py)")
            bad += 1
    return bad, files, out


def self_test():
    """Plant one violation of each kind; each must be named by file and line."""
    planted = {
        "orchestrator/run/up.c": '#include "orchestrator/cli/cmd.h"\n',
        "orchestrator/image/cycle.c": '\n#include "orchestrator/run/handle.h"\n',
        "orchestrator/virt/side.c": '#include "orchestrator/image/image.h"\n',
        "orchestrator/reach/lib.c": "#include <libvirt/libvirt.h>\n",
        "orchestrator/run/print.c": '#include "common/log.h"\n',
        "plans/up.h": '#include "seed/keys.h"\n',
        "templates/back.c": '#include "seed/iso.h"\n',
    }
    clean = {
        "orchestrator/cli/ok.c": '#include "orchestrator/run/handle.h"\n#include "common/log.h"\n',
        "orchestrator/run/ok.c": '#include "orchestrator/virt/virt.h"\n#include "seed/keys.h"\n',
        "orchestrator/virt/ok.c": '#include <libvirt/libvirt.h>\n#include "plans/plan.h"\n',
        "seed/ok.c": '#include "templates/render.h"\n#include <archive.h>\n',
        "common/ok.c": '#include "ok.h"\n',
        "common/ok.h": "\n",
    }
    with tempfile.TemporaryDirectory() as root:
        for rel, text in {**clean}.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        bad, _, out = check(root)
        if bad:
            print("layering self-test: a clean tree failed:\n" + "\n".join(out))
            return 1
        for rel, text in planted.items():
            os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        os.makedirs(os.path.join(root, "orchestrator/misc"))
        open(os.path.join(root, "orchestrator/misc/x.c"), "w").close()
        r = subprocess.run([sys.executable, __file__, root],
                           capture_output=True, text=True)
        want = [f"{rel}:{text.count(chr(10))}:" for rel, text in planted.items()]
        want.append("orchestrator/misc/:")
        missed = [w for w in want if w not in r.stdout]
        if r.returncode != 1 or missed or len(r.stdout.splitlines()) != len(want) + 1:
            print(f"layering self-test: exit {r.returncode}, missed {missed}:\n{r.stdout}")
            return 1
    print(f"layering self-test: ok ({len(want)} planted violations caught, a clean tree passes)")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    bad, files, out = check(root)
    for line in out:
        print(line)
    print(f"layering: {files} files, {bad} violation{'s' if bad != 1 else ''}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
