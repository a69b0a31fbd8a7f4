#!/usr/bin/env python3
"""Side-by-side benchmark of the NEURON ParallelContext-tutorial ring in
NEURON 9.0.2, NEURON + CoreNEURON, Arbor 0.12.2 and neurite.

    python3 benches/peers/run_peers.py [--bench ring-tiny,ring-dend,memory]
        [--repeat R] [--quick] [--skip-coreneuron] [--skip-arbor] [--mpi] [--out FILE]

See benches/peers/README.md.  Every run is a fresh subprocess; the simulators
are run round-robin R times; the table shows the minimum (and the median) of
the simulator-internal run time, the setup time, the whole-process wall time,
the peak RSS of the process (os.wait4 rusage, ru_maxrss) and a check of the
spikes against NEURON's.
"""

import os as _os
import sys as _sys

_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "scripts"))
import neurite_venv  # noqa: E402

# Its own venv under ~/.cache/neurite, with the peers it runs.
neurite_venv.ensure(["neuron==9.0.2", "arbor==0.12.2", "numpy"])

import argparse
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from peers_common import cpu_model, log, mpi_env, neurite_revision  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # the neurite repository

# name: (cells, dend nseg, tstop ms).  The names are a contract.
BENCHES = {
    "ring-tiny": dict(cells=1000, nseg=1, tstop=1000.0),
    "ring-dend": dict(cells=100, nseg=101, tstop=1000.0),
    "memory": dict(cells=10000, nseg=101, tstop=1.0),
}
DT = 0.025
EXACT_TOL_MS = 1e-9

LABEL = {
    "neuron": "NEURON 9.0.2",
    "coreneuron": "NEURON + CoreNEURON",
    "arbor": "Arbor 0.12.2",
    "neurite": "neurite (1 proc, 1 thread)",
    "neurite-mpi2": "neurite (2 MPI ranks)",
}
SHORT = {
    "neuron": "NEURON",
    "coreneuron": "CoreNEURON",
    "arbor": "Arbor",
    "neurite": "neurite",
    "neurite-mpi2": "neurite-2ranks",
}


# ---------------------------------------------------------------------------
# environment
# ---------------------------------------------------------------------------

def build_neurite(args, workdir):
    """cargo build, then copy the binaries so that later rebuilds by others do
    not change what is timed."""
    bins = {}
    if args.neurite_bin:
        src = args.neurite_bin
    else:
        cmd = ["cargo", "build", "--release", "--example", "ring"]
        log("$ (cd %s && %s)" % (ROOT, " ".join(cmd)))
        subprocess.run(cmd, cwd=ROOT, check=True)
        src = os.path.join(ROOT, "target", "release", "examples", "ring")
    dst = os.path.join(workdir, "ring")
    shutil.copy2(src, dst)
    bins["neurite"] = dst
    if args.mpi:
        if args.neurite_mpi_bin:
            src = args.neurite_mpi_bin
        else:
            # Own target directory: building the `mpi` feature into target/
            # would replace target/release/examples/ring under the feet of
            # whoever else uses it (and flip the feature set of the crate).
            cmd = ["cargo", "build", "--release", "--features", "mpi", "--example", "ring",
                   "--target-dir", args.mpi_target_dir]
            log("$ (cd %s && %s)" % (ROOT, " ".join(cmd)))
            subprocess.run(cmd, cwd=ROOT, check=True)
            src = os.path.join(args.mpi_target_dir, "release", "examples", "ring")
        dst = os.path.join(workdir, "ring-mpi")
        shutil.copy2(src, dst)
        bins["neurite-mpi2"] = dst
    return bins


# ---------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------

TIME_BIN = "/usr/bin/time"


def command(sim, bench, cfg, bins, args, spikes, setup_probe=False, rank_rss_file=None):
    cells, nseg, tstop = cfg["cells"], cfg["nseg"], cfg["tstop"]
    if setup_probe:
        tstop = 0.0
    common = ["--cells", str(cells), "--tstop", repr(tstop), "--dt", repr(DT),
              "--dend-nseg", str(nseg)]
    if spikes:
        common += ["--spikes", spikes]
    if sim in ("neuron", "coreneuron"):
        cmd = [args.python, os.path.join(HERE, "neuron_ring.py")] + common
        if sim == "coreneuron":
            cmd.append("--coreneuron")
        if bench == "memory":
            cmd.append("--shape-once")
        return cmd
    if sim == "arbor":
        return [args.python, os.path.join(HERE, "arbor_ring.py")] + common + ["--threads", "1"]
    if sim == "neurite":
        return [bins["neurite"]] + common + ["--threads", "1"]
    if sim == "neurite-mpi2":
        cmd = ["mpiexec", "-n", "2"]
        if os.cpu_count() is not None and os.cpu_count() < 2:
            cmd.append("--oversubscribe")
        if rank_rss_file and os.path.exists(TIME_BIN):
            # each rank appends its own peak RSS (KB): the total is their sum
            cmd += [TIME_BIN, "-a", "-o", rank_rss_file, "-f", "%M"]
        return cmd + [bins["neurite-mpi2"]] + common + ["--threads", "1"]
    raise ValueError(sim)


NEURITE_LINE = re.compile(
    r"ring: cells (\d+) ranks (\d+) threads (\d+) spikes (\d+) simulated (\S+) ms wall (\S+) s")
SOLVER_TIME = re.compile(r"Solver Time\s*:\s*([0-9.eE+-]+)")
MODEL_SIZE = re.compile(r"Model size\s*:\s*([0-9.eE+-]+)\s*([kMG])B")
SIZE_UNIT_MB = {"k": 1.0 / 1024, "M": 1.0, "G": 1024.0}


def run_once(sim, bench, cfg, bins, args, rundir, tag, setup_probe=False):
    os.makedirs(rundir, exist_ok=True)
    spikes = None if setup_probe else os.path.join(rundir, "spikes-%s.csv" % tag)
    rank_rss_file = os.path.join(rundir, "rank-rss-%s.txt" % tag)
    if os.path.exists(rank_rss_file):
        os.remove(rank_rss_file)
    cmd = command(sim, bench, cfg, bins, args, spikes, setup_probe, rank_rss_file)
    out_path = os.path.join(rundir, "stdout-%s.txt" % tag)
    err_path = os.path.join(rundir, "stderr-%s.txt" % tag)
    env = mpi_env()
    env.setdefault("OMP_NUM_THREADS", "1")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=rundir, stdout=out, stderr=err, env=env)
        # os.wait4 gives this child's own rusage (ru_maxrss of the child, or of
        # its largest waited-for descendant: for mpiexec the largest rank)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path) as f:
        stdout = f.read()
    res = {"sim": sim, "cmd": cmd, "rc": p.returncode, "wall_s": wall,
           "maxrss_mb": ru.ru_maxrss / 1024.0, "spikes_file": spikes, "setup_probe": setup_probe}
    if os.path.exists(rank_rss_file):
        with open(rank_rss_file) as f:
            kb = [int(l) for l in f.read().split() if l.isdigit()]
        if kb:
            res["rank_rss_mb"] = [k / 1024.0 for k in kb]
            res["maxrss_mb"] = sum(kb) / 1024.0  # all ranks together
    if p.returncode != 0:
        with open(err_path) as f:
            res["error"] = (stdout[-1500:] + f.read()[-1500:]).strip()
        return res
    if sim.startswith("neurite"):
        m = None
        for line in stdout.splitlines():
            m = NEURITE_LINE.search(line) or m
        if not m:
            res["rc"] = -1
            res["error"] = "no summary line in neurite output: %r" % stdout[-500:]
            return res
        res["spikes"] = int(m.group(4))
        res["internal_s"] = float(m.group(6))  # setup + finitialize + psolve
        res["ranks"] = int(m.group(2))
    else:
        line = [l for l in stdout.splitlines() if l.startswith("RESULT ")]
        if not line:
            res["rc"] = -1
            res["error"] = "no RESULT line: %r" % stdout[-500:]
            return res
        r = json.loads(line[-1][len("RESULT "):])
        res.update(r)
        res["setup_s"] = r["build_s"] + r["init_s"]
        m = SOLVER_TIME.search(stdout)
        if m:
            res["solver_s"] = float(m.group(1))
            res["transfer_s"] = res["run_s"] - res["solver_s"]
        m = MODEL_SIZE.search(stdout)
        if m:
            res["coreneuron_model_mb"] = float(m.group(1)) * SIZE_UNIT_MB[m.group(2)]
    return res


# ---------------------------------------------------------------------------
# spike checks
# ---------------------------------------------------------------------------

def read_spikes(path):
    rows = []
    with open(path) as f:
        header = f.readline().strip()
        assert header == "gid,t_ms", (path, header)
        for line in f:
            g, t = line.strip().split(",")
            rows.append((int(g), float(t)))
    return rows


def check_exact(ref, got):
    if len(ref) != len(got):
        return False, "SPIKES DIFFER: %d spikes vs %d (NEURON)" % (len(got), len(ref))
    worst = 0.0
    for (g0, t0), (g1, t1) in zip(ref, got):
        if g0 != g1:
            return False, "SPIKES DIFFER: gid %d vs %d at t=%r" % (g1, g0, t0)
        worst = max(worst, abs(t0 - t1))
    if worst > EXACT_TOL_MS:
        return False, "SPIKES DIFFER: max |dt| %.3g ms" % worst
    return True, "identical (%d spikes, max |dt| %.1g ms)" % (len(ref), worst)


def check_arbor(ref, got, tol):
    """Arbor interpolates threshold crossings and delivers events with its own
    rules, so its times differ from NEURON's; the k-th spike of gid g is matched
    with NEURON's k-th spike of gid g."""
    by_gid = {}
    for g, t in ref:
        by_gid.setdefault(g, []).append(t)
    seen = {}
    diffs = []  # in Arbor's time order
    unmatched = 0
    for g, t in got:
        k = seen.get(g, 0)
        seen[g] = k + 1
        if k < len(by_gid.get(g, [])):
            diffs.append(t - by_gid[g][k])
        else:
            unmatched += 1
    worst = max((abs(d) for d in diffs), default=0.0)
    hop = max((abs(b - a) for a, b in zip(diffs, diffs[1:])), default=0.0)
    detail = "%d vs %d spikes (NEURON)" % (len(got), len(ref))
    if unmatched:
        detail += ", %d unmatched" % unmatched
    if diffs:
        detail += "; first spike dt %+.3g ms; max |dt| %.3g ms; |dt| grows <= %.3g ms per spike" % (
            diffs[0], worst, hop)
    if len(got) == len(ref) and unmatched == 0 and worst <= tol:
        return True, "within %.3g ms: %s" % (tol, detail)
    return False, "SPIKES DIFFER (tol %.3g ms): %s" % (tol, detail)


# ---------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------

def fmt_s(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x >= 100:
        return "%.1f" % x
    if x >= 1:
        return "%.2f" % x
    return "%.3f" % x


def summarize(runs):
    ok = [r for r in runs if r["rc"] == 0]
    if not ok:
        return None
    s = {}
    for key in ("run_s", "setup_s", "wall_s", "internal_s", "solver_s", "transfer_s", "import_s"):
        vals = [r[key] for r in ok if r.get(key) is not None]
        if vals:
            s[key] = min(vals)
            s[key + "_median"] = statistics.median(vals)
    s["maxrss_mb"] = max(r["maxrss_mb"] for r in ok)
    return s


def run_bench(bench, cfg, sims, bins, args, workdir):
    log("=== %s: %d cells, dend nseg %d, tstop %g ms, %d repeat(s) ===" % (
        bench, cfg["cells"], cfg["nseg"], cfg["tstop"], args.repeat))
    runs = {s: [] for s in sims}
    probes = {s: [] for s in sims if s.startswith("neurite")}
    baselines = {}
    base_cfg = dict(cfg, cells=1)
    for rep in range(args.repeat):
        order = list(sims)
        for sim in order:
            rundir = os.path.join(workdir, bench, sim)
            if sim in probes:
                r = run_once(sim, bench, cfg, bins, args, rundir, "setup%d" % rep, setup_probe=True)
                probes[sim].append(r)
                log("  [%d] %-13s setup probe (tstop 0): wall %.3f s, internal %s s%s" % (
                    rep, sim, r["wall_s"], r.get("internal_s"), "" if r["rc"] == 0 else " FAILED"))
            r = run_once(sim, bench, cfg, bins, args, rundir, "run%d" % rep)
            runs[sim].append(r)
            if r["rc"] == 0:
                log("  [%d] %-13s wall %.3f s, rss %.0f MB, spikes %s" % (
                    rep, sim, r["wall_s"], r["maxrss_mb"], r.get("spikes")))
            else:
                log("  [%d] %-13s FAILED rc=%s: %s" % (rep, sim, r["rc"], r.get("error", "")[-800:]))
            if bench == "memory" and rep == 0 and not args.no_baseline:
                b = run_once(sim, bench, base_cfg, bins, args, rundir, "baseline")
                baselines[sim] = b
                log("  [%d] %-13s baseline (1 cell): rss %.0f MB" % (rep, sim, b["maxrss_mb"]))

    # neurite: internal run time = wall(tstop) - wall(tstop 0)
    for sim, ps in probes.items():
        ok = [p["internal_s"] for p in ps if p["rc"] == 0]
        setup = min(ok) if ok else None
        for r in runs[sim]:
            if r["rc"] == 0 and setup is not None:
                r["setup_s"] = setup
                r["run_s"] = max(r["internal_s"] - setup, 0.0)

    # spike checks against NEURON (or neurite when NEURON failed)
    ref_sim = next((s for s in ("neuron", "neurite") if s in runs and any(r["rc"] == 0 for r in runs[s])), None)
    ref = None
    if ref_sim:
        ref_run = next(r for r in runs[ref_sim] if r["rc"] == 0)
        ref = read_spikes(ref_run["spikes_file"])
    checks = {}
    for sim, rs in runs.items():
        msgs = []
        good = True
        for r in rs:
            if r["rc"] != 0:
                good = False
                msgs.append("RUN FAILED (rc %s)" % r["rc"])
                continue
            got = read_spikes(r["spikes_file"])
            if ref is None:
                ok, msg = False, "NO REFERENCE"
            elif sim == "arbor":
                ok, msg = check_arbor(ref, got, args.arbor_tol)
            else:
                ok, msg = check_exact(ref, got)
            good &= ok
            msgs.append(msg)
        distinct = sorted(set(msgs), key=msgs.index)
        text = "; ".join(distinct)
        if ref_sim == sim and good:
            text = "reference: " + text
        checks[sim] = (good, text if good else "**" + text + "**")

    return {"bench": bench, "cfg": cfg, "runs": runs, "probes": probes, "baselines": baselines,
            "summary": {s: summarize(rs) for s, rs in runs.items()}, "checks": checks,
            "ref": ref_sim}


def ratio_text(sim, s, nsum):
    if sim == "neurite":
        return "1.0x (reference)"
    if not s or not nsum or not nsum.get("run_s"):
        return "n/a"
    return "%s/neurite = %.1fx" % (SHORT[sim], s["run_s"] / nsum["run_s"])


def table_ring(res):
    cfg = res["cfg"]
    lines = ["### %s: %d cells, dend nseg %d, tstop %g ms, dt %g ms (%d compartments)" % (
        res["bench"], cfg["cells"], cfg["nseg"], cfg["tstop"], DT, cfg["cells"] * (1 + cfg["nseg"])), ""]
    lines.append("| simulator | run (s) min | run (s) median | setup (s) | total wall (s) min | "
                 "peak RSS (MB) | run time vs neurite | spikes |")
    lines.append("|---|---:|---:|---:|---:|---:|---|---|")
    nsum = res["summary"].get("neurite")
    for sim, s in res["summary"].items():
        ok, check = res["checks"][sim]
        if s is None:
            lines.append("| %s | FAILED | | | | | | %s |" % (LABEL[sim], check))
            continue
        lines.append("| %s | %s | %s | %s | %s | %.0f | %s | %s |" % (
            LABEL[sim], fmt_s(s.get("run_s")), fmt_s(s.get("run_s_median")), fmt_s(s.get("setup_s")),
            fmt_s(s.get("wall_s")), s["maxrss_mb"], ratio_text(sim, s, nsum), check))
    return lines


def table_memory(res):
    cfg = res["cfg"]
    ncomp = cfg["cells"] * (1 + cfg["nseg"])
    lines = ["### memory: %d cells, dend nseg %d (%d compartments = N*(1+K)), tstop %g ms" % (
        cfg["cells"], cfg["nseg"], ncomp, cfg["tstop"]), ""]
    lines.append("| simulator | peak RSS (MB) | bytes / compartment | 1-cell baseline RSS (MB) | "
                 "(RSS - baseline) bytes / compartment | setup (s) | run (s) | total wall (s) | spikes |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for sim, s in res["summary"].items():
        ok, check = res["checks"][sim]
        if s is None:
            lines.append("| %s | FAILED | | | | | | | %s |" % (LABEL[sim], check))
            continue
        rss = s["maxrss_mb"]
        b = res["baselines"].get(sim)
        if b and b["rc"] == 0:
            base = "%.0f" % b["maxrss_mb"]
            marg = "%.0f" % ((rss - b["maxrss_mb"]) * 1048576.0 / ncomp)
        else:
            base = marg = "n/a"
        setup = s.get("setup_s")
        run = s.get("run_s")
        if sim.startswith("neurite"):
            # the simulator's own wall clock (setup dominates at tstop 1 ms)
            setup_txt = "%s (internal wall %s)" % (fmt_s(setup), fmt_s(s.get("internal_s")))
        else:
            setup_txt = fmt_s(setup)
        lines.append("| %s | %.0f | %.0f | %s | %s | %s | %s | %s | %s |" % (
            LABEL[sim], rss, rss * 1048576.0 / ncomp, base, marg, setup_txt, fmt_s(run),
            fmt_s(s.get("wall_s")), check))
    return lines


def notes(res):
    out = []
    s = res["summary"]
    c = s.get("coreneuron")
    cms = [r.get("coreneuron_model_mb") for r in res["runs"].get("coreneuron", []) if r.get("coreneuron_model_mb")]
    if cms:
        out.append("- CoreNEURON reports \"Model size\" %.3g MB for its copy of the model (%.0f bytes per compartment)."
                   % (cms[0], cms[0] * 1048576.0 / (res["cfg"]["cells"] * (1 + res["cfg"]["nseg"]))))
    if c and c.get("solver_s") is not None:
        out.append("- CoreNEURON: psolve (run column) %s s, of which CoreNEURON's own \"Solver Time\" %s s; "
                   "the rest (min over runs %s s) is the in-memory model transfer and CoreNEURON setup."
                   % (fmt_s(c["run_s"]), fmt_s(c["solver_s"]), fmt_s(c.get("transfer_s"))))
    arb = [r for r in res["runs"].get("arbor", []) if r["rc"] == 0]
    if arb:
        r = arb[0]
        out.append("- Arbor: %s branch(es) per cell (soma + dendrite form one unbranched cable), "
                   "%s CVs per cell (NEURON: %d segments)."
                   % (r.get("branches_per_cell"), r.get("cvs_per_cell"), 1 + res["cfg"]["nseg"]))
    n = [r for r in res["runs"].get("neuron", []) if r["rc"] == 0]
    cn = [r for r in res["runs"].get("coreneuron", []) if r["rc"] == 0]
    if n and cn:
        same = all(x.get("v0_end") == n[0].get("v0_end") for x in cn)
        dv = max(abs(x["vsum_end"] - n[0]["vsum_end"]) for x in cn)
        out.append("- NEURON vs CoreNEURON state at tstop: gid 0 soma v %s; |sum of soma v difference| %.3g mV "
                   "(h.usetable_hh = %g in both)." % ("identical" if same else "DIFFERS", dv, n[0]["usetable_hh"]))
    for sim in ("neurite", "neurite-mpi2"):
        x = s.get(sim)
        if x and x.get("setup_s") is not None:
            out.append("- %s: run = internal wall of the run (%s s) - internal wall of a --tstop 0 run (setup + "
                       "finitialize, %s s); the ring example prints its wall with ms resolution."
                       % (LABEL[sim], fmt_s(x.get("internal_s")), fmt_s(x["setup_s"])))
    if res["bench"] == "memory":
        out.append("- NEURON/CoreNEURON memory runs call h.define_shape() once for the ring instead of once per cell "
                   "(neuron_ring.py --shape-once; same 3-D points, areas and ri bit for bit, the tutorial's per-cell "
                   "call costs O(N^2 nseg)).")
    mp = [r for r in res["runs"].get("neurite-mpi2", []) if r["rc"] == 0]
    if mp:
        if mp[0].get("rank_rss_mb"):
            out.append("- neurite 2 ranks: peak RSS is the sum over the ranks (each rank run under %s; per rank %s MB; "
                       "mpiexec itself not counted)." % (TIME_BIN, " + ".join("%.0f" % x for x in mp[0]["rank_rss_mb"])))
        else:
            out.append("- neurite 2 ranks: peak RSS is that of the largest process under mpiexec (one rank), not the sum.")
    return out


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bench", default="ring-tiny,ring-dend,memory",
                   help="comma-separated subset of: %s" % ", ".join(BENCHES))
    p.add_argument("--repeat", type=int, default=3, help="round-robin repetitions (default 3)")
    p.add_argument("--quick", action="store_true", help="cells and tstop / 10 (memory keeps tstop 1 ms)")
    p.add_argument("--skip-coreneuron", action="store_true")
    p.add_argument("--skip-arbor", action="store_true")
    p.add_argument("--mpi", action="store_true", help="add a neurite row with 2 MPI ranks")
    p.add_argument("--out", default=None, help="also write the report to this file")
    p.add_argument("--json", default=None, help="write all raw run records to this file")
    p.add_argument("--arbor-tol", type=float, default=0.1, help="Arbor spike time tolerance, ms (default 0.1)")
    p.add_argument("--no-baseline", action="store_true", help="memory: skip the 1-cell baseline runs")
    p.add_argument("--python", default=sys.executable, help="python with neuron and arbor (default: this one)")
    p.add_argument("--neurite-bin", default=None, help="use this ring binary instead of building it")
    p.add_argument("--neurite-mpi-bin", default=None, help="use this MPI ring binary instead of building it")
    p.add_argument("--mpi-target-dir", default=os.path.join(tempfile.gettempdir(), "neurite-peers-mpi-target"),
                   help="cargo --target-dir for the --features mpi build (kept out of target/)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory with all outputs")
    args = p.parse_args(argv)

    benches = [b.strip() for b in args.bench.split(",") if b.strip()]
    for b in benches:
        if b not in BENCHES:
            p.error("unknown benchmark %r (choose from %s)" % (b, ", ".join(BENCHES)))
    if args.repeat < 1:
        p.error("--repeat must be >= 1")

    sims = ["neuron"]
    if not args.skip_coreneuron:
        sims.append("coreneuron")
    if not args.skip_arbor:
        sims.append("arbor")
    sims.append("neurite")
    if args.mpi:
        sims.append("neurite-mpi2")

    workdir = tempfile.mkdtemp(prefix="neurite-peers-")
    try:
        try:
            bins = build_neurite(args, workdir)
        except subprocess.CalledProcessError as e:
            log("error: %s failed (exit status %s); fix the build or pass a prebuilt binary with "
                "--neurite-bin / --neurite-mpi-bin" % (" ".join(e.cmd), e.returncode))
            return 2
        versions = subprocess.run(
            [args.python, "-c", "import neuron, arbor; print(neuron.__version__, arbor.__version__)"],
            capture_output=True, text=True).stdout.split()
        header = [
            "# neurite vs peers: NEURON ParallelContext ring",
            "",
            "- date: %s" % datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
            "- CPU: %s; %d cores (%d usable by this process)" % (
                cpu_model(), os.cpu_count() or 0, len(os.sched_getaffinity(0))),
            "- NEURON %s, Arbor %s (python %s), neurite %s" % (
                versions[0] if versions else "?", versions[1] if len(versions) > 1 else "?",
                platform.python_version(), neurite_revision()),
            "- dt %g ms, single thread per process, %d round-robin repeat(s)%s; run = simulator-internal "
            "time of the run only (pc.psolve / simulation.run; neurite: its wall minus that of a tstop 0 run), "
            "setup = model building + initialization, total wall = whole subprocess (interpreter start and "
            "imports included); peak RSS = ru_maxrss of the subprocess" % (
                DT, args.repeat, ", QUICK (cells / 10, ring tstop / 10)" if args.quick else ""),
            "",
        ]
        print("\n".join(header), flush=True)
        report = list(header)
        results = []
        for bench in benches:
            cfg = dict(BENCHES[bench])
            if args.quick:
                cfg["cells"] = max(2, cfg["cells"] // 10)
                if bench != "memory":
                    cfg["tstop"] = cfg["tstop"] / 10
            res = run_bench(bench, cfg, sims, bins, args, workdir)
            results.append(res)
            lines = table_memory(res) if bench == "memory" else table_ring(res)
            lines += [""] + notes(res) + [""]
            print("\n".join(lines), flush=True)
            report += lines
        failed = [(r["bench"], s) for r in results for s, (ok, _) in r["checks"].items() if not ok]
        if failed:
            line = "**CHECK FAILED** for: %s" % ", ".join("%s/%s" % x for x in failed)
            if all(s == "arbor" for _, s in failed):
                line += (" (Arbor only: its spike times drift from NEURON's by O(dt) per ring hop, "
                         "see README; exit status 0)")
            print(line, flush=True)
            report.append(line)
        if args.out:
            with open(args.out, "w") as f:
                f.write("\n".join(report) + "\n")
            log("wrote %s" % args.out)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1, default=str)
            log("wrote %s" % args.json)
        return 1 if any(s != "arbor" for _, s in failed) else 0
    finally:
        if args.keep:
            log("outputs kept in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
