#!/usr/bin/env python3
"""Arbor's modcc and neurite-modc on the same public .mod files, as shipped.

    python3 scripts/corpus_modcc.py [--corpus NAME ...]

Fetches the corpora of scripts/nmodl_corpus.py (PyPI, cached in
~/.cache/neurite/corpus, never committed) and the modcc that ships in the
arbor 0.12.2 wheel (unpacked into ~/.cache/neurite/arbor-0.12.2), runs both
translators on every distinct file (one per content), and prints one table
row per corpus: distinct files, how many modcc translates, how many
neurite-modc translates, and modcc's most common complaints.
"""

import argparse
import collections
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from nmodl_corpus import CORPORA, cache_dir, fetch, modc_binary  # noqa: E402

ARBOR = "arbor==0.12.2"


def modcc_binary():
    root = os.path.join(os.path.dirname(cache_dir()), "arbor-0.12.2")
    exe = os.path.join(root, "arbor", "bin", "modcc")
    if not os.path.exists(exe):
        download = os.path.join(root, "download")
        os.makedirs(download, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", download, ARBOR],
                       check=True, stdout=subprocess.DEVNULL)
        wheel = [f for f in os.listdir(download) if f.endswith(".whl")][0]
        with zipfile.ZipFile(os.path.join(download, wheel)) as z:
            z.extract("arbor/bin/modcc", root)
        os.chmod(exe, 0o755)
    return exe


def distinct(files):
    seen = {}
    for path in files:
        with open(path, "rb") as f:
            seen.setdefault(hashlib.sha256(f.read()).hexdigest(), path)
    return sorted(seen.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="only these corpora")
    args = parser.parse_args()
    modcc = modcc_binary()
    modc = modc_binary(None)
    print("| corpus | distinct files | Arbor 0.12.2 modcc translates | neurite-modc translates |")
    print("|---|---|---|---|")
    complaints = collections.Counter()
    for name in args.corpus or list(CORPORA):
        files = distinct(fetch(name))
        arbor_ok = 0
        with tempfile.TemporaryDirectory() as out:
            for i, path in enumerate(files):
                r = subprocess.run([modcc, "-o", os.path.join(out, "m%d" % i), path], capture_output=True, text=True)
                if r.returncode == 0:
                    arbor_ok += 1
                else:
                    text = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr)
                    lines = [line.strip() for line in text.splitlines()
                             if line.strip() and path not in line and not line.strip().startswith("*")
                             and line.strip() not in ("error trace:", "internal compiler error:")]
                    reason = lines[0] if lines else "exit status %d" % r.returncode
                    complaints[re.sub(r"'[^']*'", "'…'", reason)[:90]] += 1
            with tempfile.TemporaryDirectory() as neurite_out:
                lines = subprocess.run([modc, "-o", neurite_out, *files], capture_output=True, text=True).stdout
        neurite_ok = sum(1 for line in lines.splitlines() if line.startswith("ok "))
        print("| %s | %d | %d | %d |" % (name, len(files), arbor_ok, neurite_ok))
    print()
    print("modcc's most common complaints:")
    for reason, n in complaints.most_common(8):
        print("- %d × %s" % (n, reason))


if __name__ == "__main__":
    main()
