#!/usr/bin/env python3
"""A layer 5 pyramidal cell with the Hay et al. (2011) channel set, side by
side in NEURON 9.0.2, NEURON + CoreNEURON and neurite.

    python3 benches/peers/l5_peers.py [--repeat R] [--skip-coreneuron] [--kernels] [--out FILE]

The cell is benches/peers/l5_cell.json (200 compartments; BBP's versions of
Hay's twelve channel files as mearec 1.11.0 ships them, fetched from PyPI
into ~/.cache/neurite, never committed), 1000 ms with a current step. The
script runs in its own venv (neurite_venv), compiles the channels with
nrnivmodl (and `nrnivmodl -coreneuron`) into ~/.cache/neurite, builds
neurite's `l5-cell` (which compiles the same files with neurite's NMODL
compiler), runs every simulator R times round-robin, each a fresh process,
and prints a table: the run time (finitialize + psolve; min and median),
the whole process, the spikes and whether they are NEURON's, and the time
per compartment-step. `--kernels` adds a table of the time NEURON and
neurite spend in their generated mechanism kernels (R more runs each under
Linux `perf`, the least kernel time of each).
"""

import os as _os
import sys as _sys

_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "scripts"))
import neurite_venv  # noqa: E402

neurite_venv.ensure(["neuron==9.0.2", "numpy"])

import argparse  # noqa: E402
import datetime  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from nmodl_corpus import cache_dir, fetch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SPEC = os.path.join(HERE, "l5_cell.json")
CHANNELS = ["CaDynamics_E2", "Ca_HVA", "Ca_LVAst", "Ih", "Im", "K_Pst", "K_Tst", "NaTa_t", "NaTs2_t", "Nap_Et2",
            "SK_E2", "SKv3_1"]
NEURITE_LINE = re.compile(r"l5: compartments (\d+) spikes (\d+) simulated (\S+) ms setup (\S+) s run (\S+) s wall (\S+) s")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def channel_files():
    fetch("mearec")
    d = os.path.join(cache_dir(), "mearec", "unpacked", "MEArec", "cell_models", "bbp", "L5_TTPC1_cADpyr232_1",
                     "mechanisms")
    return [os.path.join(d, c + ".mod") for c in CHANNELS]


def nrnivmodl(files, coreneuron):
    """The channel library, compiled once per content (and flavour)."""
    key = hashlib.sha256(b"".join(open(f, "rb").read() for f in files)).hexdigest()[:12]
    build = os.path.join(cache_dir(), "..", "l5-nrnivmodl-%s%s" % (key, "-core" if coreneuron else ""))
    build = os.path.normpath(build)
    library = os.path.join(build, "x86_64", "libnrnmech.so")
    if os.path.exists(library):
        return build, library
    shutil.rmtree(build, ignore_errors=True)
    os.makedirs(build)
    for f in files:
        shutil.copy(f, build)
    cmd = [os.path.join(os.path.dirname(sys.executable), "nrnivmodl")] + (["-coreneuron"] if coreneuron else [])
    log("$ (cd %s && %s)" % (build, " ".join(cmd)))
    result = subprocess.run(cmd, cwd=build, capture_output=True, text=True)
    if result.returncode != 0 or not os.path.exists(library):
        raise RuntimeError("nrnivmodl failed:\n" + (result.stdout + result.stderr)[-3000:])
    return build, library


def read_spikes(path):
    with open(path) as f:
        next(f)
        return [float(line.split(",")[1]) for line in f if line.strip()]


def command(sim, paths, workdir, spikes):
    """The command line and working directory of one run of `sim`."""
    if sim == "neurite":
        return [paths["neurite"], "--spec", SPEC, "--spikes", spikes], workdir
    core = sim == "coreneuron"
    build, library = paths["core" if core else "neuron"]
    cmd = [sys.executable, os.path.join(HERE, "neuron_l5.py"), "--mods", library, "--spec", SPEC,
           "--spikes", spikes] + (["--coreneuron"] if core else [])
    # CoreNEURON loads its mechanisms from the build directory; NEURON
    # must not find them in its working directory as well.
    return cmd, build if core else workdir


def run_once(sim, paths, workdir, tag):
    spikes = os.path.join(workdir, "spikes-%s-%s.csv" % (sim, tag))
    cmd, cwd = command(sim, paths, workdir, spikes)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        return {"error": (p.stdout + p.stderr)[-2000:]}
    if sim == "neurite":
        m = None
        for line in p.stdout.splitlines():
            m = NEURITE_LINE.search(line) or m
        run_s = float(m.group(5))
    else:
        r = json.loads([line for line in p.stdout.splitlines() if line.startswith("RESULT ")][-1][7:])
        run_s = r["init_s"] + r["run_s"]
    return {"run_s": run_s, "wall_s": wall, "spikes": read_spikes(spikes)}


def in_kernels(sim, dso, symbol):
    """Whether a `perf` sample of `sim` is in its generated mechanism code:
    NEURON's mechanisms (libnrnmech.so, with the exchange of their ion
    variables, and pas built into libnrniv) and the `exp` and `pow` they
    call; neurite's generated `advance_state` and `current` (its `exp` and
    `pow` are inlined there) and the exchange of their ion variables
    (`IonBinding::load`/`store`)."""
    if sim == "neurite":
        generated = "mechanisms::" in symbol and ("::advance_state" in symbol or "::current" in symbol)
        return generated or symbol.startswith("neurite::ions::IonBinding::")
    if dso == "libnrnmech.so" or "__pas" in symbol:
        return True
    if symbol in ("hoc_Exp", "exp@plt", "pow@plt"):
        return True
    return dso.startswith("libm.so") and ("exp" in symbol or "pow" in symbol)


def kernel_seconds(sim, paths, workdir):
    """One run of `sim` under `perf record` (1 kHz): seconds in its
    generated kernels and in all."""
    data = os.path.join(workdir, "perf-%s.data" % sim)
    cmd, cwd = command(sim, paths, workdir, os.path.join(workdir, "spikes-%s-perf.csv" % sim))
    subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "1000", "-o", data] + cmd, cwd=cwd,
                   check=True, capture_output=True)
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "-n",
                             "--stdio"], check=True, capture_output=True, text=True).stdout
    total = kernels = 0
    for line in report.splitlines():
        m = re.match(r"\s*[\d.]+%\s+(\d+)\s+(\S+)\s+\[\.\]\s+(.*\S)", line)
        if not m:
            continue
        samples, dso, symbol = int(m.group(1)), m.group(2), m.group(3)
        total += samples
        kernels += samples if in_kernels(sim, dso, symbol) else 0
    return kernels / 1000.0, total / 1000.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-coreneuron", action="store_true")
    parser.add_argument("--out", help="also write the table to this markdown file")
    parser.add_argument("--kernels", action="store_true",
                        help="also run NEURON and neurite --repeat times under perf (Linux perf, e.g. Debian's "
                             "linux-perf) and compare the time in their generated mechanism kernels")
    args = parser.parse_args()
    if args.kernels and shutil.which("perf") is None:
        raise SystemExit("--kernels needs Linux perf on PATH (Debian: apt-get install linux-perf)")
    files = channel_files()
    paths = {"neuron": nrnivmodl(files, False)}
    sims = ["neuron", "neurite"]
    if not args.skip_coreneuron:
        try:
            paths["core"] = nrnivmodl(files, True)
            sims.insert(1, "coreneuron")
        except RuntimeError as e:
            log("CoreNEURON left out: %s" % e)
    log("$ cargo build --release -p l5-cell")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "l5-cell"], cwd=ROOT, check=True)
    workdir = tempfile.mkdtemp(prefix="neurite-l5-")
    paths["neurite"] = os.path.join(workdir, "l5-cell")
    shutil.copy2(os.path.join(ROOT, "target", "release", "l5-cell"), paths["neurite"])
    with open(SPEC) as f:
        spec = json.load(f)
    compartments = sum(s["nseg"] for s in spec["sections"])
    steps = round(spec["tstop"] / spec["dt"])
    runs = {sim: [] for sim in sims}
    for r in range(args.repeat):
        for sim in sims:
            res = run_once(sim, paths, workdir, str(r))
            if "error" in res:
                raise SystemExit("%s failed:\n%s" % (sim, res["error"]))
            log("%s run %d: %.3f s (process %.3f s), %d spikes" % (sim, r, res["run_s"], res["wall_s"],
                                                                    len(res["spikes"])))
            runs[sim].append(res)
    reference = runs["neuron"][0]["spikes"]
    best = {sim: min(x["run_s"] for x in rs) for sim, rs in runs.items()}
    lines = [
        "L5 pyramidal cell, Hay et al. channel set (BBP/mearec files), %d compartments, %g ms, dt %g ms; "
        "%d runs each, round-robin; %s, %s; %s." % (compartments, spec["tstop"], spec["dt"], args.repeat,
                                                    platform.processor() or platform.machine(),
                                                    datetime.date.today().isoformat(),
                                                    "python3 benches/peers/l5_peers.py --repeat %d%s%s"
                                                    % (args.repeat, " --skip-coreneuron" if args.skip_coreneuron else "",
                                                       " --kernels" if args.kernels else "")),
        "",
        "| simulator | run (s), min | median | whole process (s), min | spikes | same as NEURON | "
        "ns per compartment-step | NEURON / this |",
        "|---|---|---|---|---|---|---|---|",
    ]
    label = {"neuron": "NEURON 9.0.2", "coreneuron": "NEURON + CoreNEURON", "neurite": "neurite (1 thread)"}
    for sim in sims:
        rs = runs[sim]
        same = all(len(x["spikes"]) == len(reference) and all(abs(a - b) < 1e-9 for a, b in
                                                                 zip(x["spikes"], reference)) for x in rs)
        lines.append("| %s | %.3f | %.3f | %.3f | %d | %s | %.1f | %.1fx |" % (
            label[sim], best[sim], statistics.median(x["run_s"] for x in rs), min(x["wall_s"] for x in rs),
            len(rs[0]["spikes"]), "yes" if same else "NO", 1e9 * best[sim] / (compartments * steps),
            best["neuron"] / best[sim]))
    if args.kernels:
        ns = {}
        lines += ["", "Time in the generated mechanism kernels (runs under `perf record -F 1000`, round-robin, the "
                  "run with the least kernel time of each; NEURON: libnrnmech.so, pas, and the `exp`/`pow` they "
                  "call; neurite: generated `advance_state` and `current`, and their ion exchange):", "",
                  "| simulator | kernels (s) | of the process (s) | ns per compartment-step | NEURON / this |",
                  "|---|---|---|---|---|"]
        best = {}
        for r in range(args.repeat):
            for sim in ("neuron", "neurite"):
                kernels, total = kernel_seconds(sim, paths, workdir)
                log("%s under perf, run %d: %.2f s in kernels of %.2f s" % (sim, r, kernels, total))
                best[sim] = min(best.get(sim, (kernels, total)), (kernels, total))
        for sim in ("neuron", "neurite"):
            kernels, total = best[sim]
            ns[sim] = 1e9 * kernels / (compartments * steps)
            lines.append("| %s | %.2f | %.2f | %.1f | %.1fx |" % (label[sim], kernels, total, ns[sim],
                                                                  ns["neuron"] / ns[sim]))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
