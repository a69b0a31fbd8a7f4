#!/usr/bin/env python3
"""Runs neurite's NMODL compiler over the public .mod corpora.

    python3 scripts/nmodl_corpus.py [--modc PATH] [--corpus NAME ...]

Fetches each corpus from PyPI at run time into ~/.cache/neurite/corpus (never
into the repository: the files carry their authors' licences), runs
`neurite-modc --check` on every .mod file, and prints one table row per
corpus: files, files with VERBATIM C code (which neurite cannot compile),
files that pass, and the reason for every other failure. Exits 1 if a file
without VERBATIM fails. (Translation and comparison against NEURON come with
the code generator.)
"""

import argparse
import json
import os
import subprocess
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name: (PyPI requirement, path fragment of the .mod files)
CORPORA = {
    "hnn-core": ("hnn-core==0.6.1", "hnn_core/mod/"),
    "neuron": ("neuron==9.0.2", "share/"),
    "bmtk": ("bmtk==1.2.0", "mechanisms/modfiles/"),
    "pynn": ("PyNN==0.13.0", "pyNN/neuron/nmodl/"),
    "dbbs": ("dbbs-mod-collection==2.2.3", "dbbs_mod_collection/mod/"),
    "mearec": ("mearec==1.11.0", "cell_models/"),
}


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "neurite", "corpus")


def fetch(name):
    """Downloads and unpacks a corpus once; returns its .mod files."""
    requirement, fragment = CORPORA[name]
    root = os.path.join(cache_dir(), name)
    unpacked = os.path.join(root, "unpacked")
    if not os.path.isdir(unpacked):
        download = os.path.join(root, "download")
        os.makedirs(download, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", download, requirement]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        tmp = unpacked + ".tmp"
        os.makedirs(tmp, exist_ok=True)
        for archive in os.listdir(download):
            path = os.path.join(download, archive)
            if archive.endswith(".whl") or archive.endswith(".zip"):
                with zipfile.ZipFile(path) as z:
                    for member in z.namelist():
                        if member.endswith(".mod"):
                            z.extract(member, tmp)
            elif archive.endswith(".tar.gz"):
                with tarfile.open(path) as t:
                    members = [m for m in t.getmembers() if m.name.endswith(".mod") and m.isfile()]
                    t.extractall(tmp, members=members, filter="data")
        os.rename(tmp, unpacked)
    files = []
    for dirpath, _, names in os.walk(unpacked):
        for n in names:
            path = os.path.join(dirpath, n)
            # Arbor's own NMODL dialect (PyNN ships both) is not NEURON's.
            if n.endswith(".mod") and fragment in path.replace(os.sep, "/") + "/" and "/arbor/" not in path:
                files.append(path)
    return sorted(files)


def modc_binary(given):
    if given:
        return given
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "neurite-nmodl", "--bin", "neurite-modc"],
                   cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "neurite-modc")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modc", help="a built neurite-modc (default: build it)")
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="only these corpora")
    args = parser.parse_args()
    modc = modc_binary(args.modc)
    failed = False
    print("| corpus | files | with VERBATIM | parse and check | translate | failing the check without VERBATIM |")
    print("|---|---|---|---|---|---|")
    reasons = []
    modules = []
    for name in args.corpus or list(CORPORA):
        files = fetch(name)
        if not files:
            print("| %s | 0 (nothing fetched) | | | |" % name)
            failed = True
            continue
        out = subprocess.run([modc, "--check", *files], capture_output=True, text=True).stdout.splitlines()
        ok = sum(1 for line in out if line.startswith("ok "))
        verbatim = [line for line in out if line.startswith("error ") and ": VERBATIM:" in line]
        other = [line for line in out if line.startswith("error ") and ": VERBATIM:" not in line]
        failed |= bool(other) or len(out) != len(files)
        out_dir = os.path.join(cache_dir(), "generated", name)
        if os.path.isdir(out_dir):
            for old in os.listdir(out_dir):
                os.remove(os.path.join(out_dir, old))
        translated = subprocess.run([modc, "-o", out_dir, *files], capture_output=True, text=True).stdout.splitlines()
        translated_ok = sum(1 for line in translated if line.startswith("ok "))
        if os.path.isdir(out_dir):
            modules += sorted(os.path.join(out_dir, m) for m in os.listdir(out_dir))
        print("| %s | %d | %d | %d | %d | %d |" % (name, len(files), len(verbatim), ok, translated_ok, len(other)))
        reasons += ["%s: %s" % (name, line[len("error "):].replace(cache_dir() + os.sep, "")) for line in other]
    for reason in reasons:
        print("- " + reason)
    failed |= not compile_translations(modules)
    sys.exit(1 if failed else 0)


def compile_translations(modules):
    """Builds every generated module in one crate against this neurite."""
    crate = os.path.join(cache_dir(), "generated-crate")
    os.makedirs(os.path.join(crate, "src"), exist_ok=True)
    with open(os.path.join(crate, "Cargo.toml"), "w") as f:
        f.write('[package]\nname = "nmodl-corpus-check"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
                '[dependencies]\nneurite = { path = %s }\n\n[workspace]\n' % json.dumps(ROOT))
    with open(os.path.join(crate, "src", "lib.rs"), "w") as f:
        for i, path in enumerate(modules):
            f.write("pub mod file%d {\n    include!(%s);\n}\n" % (i, json.dumps(path)))
    target = os.path.join(ROOT, "target", "nmodl-corpus")
    result = subprocess.run(["cargo", "build", "--release", "-q", "--manifest-path", os.path.join(crate, "Cargo.toml"),
                             "--target-dir", target], capture_output=True, text=True)
    if result.returncode != 0:
        print("%d translations do not compile:" % len(modules))
        print(result.stderr[-6000:])
        return False
    print("all %d translations compile" % len(modules))
    return True


if __name__ == "__main__":
    main()
