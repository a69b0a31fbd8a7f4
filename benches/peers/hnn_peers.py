#!/usr/bin/env python3
"""HNN-core's cortical column (the ERP simulation) in hnn-core 0.6.1 (serial and
MPIBackend with 2 ranks), NEURON 9.0.2 and neurite, whole process, side by side.

    python3 benches/peers/hnn_peers.py [--repeat R] [--skip-mpi] [--out FILE]

The workload is hnn-core's standard ERP run, every default left alone:

    net = jones_2009_model()
    add_erp_drives_to_jones_model(net)
    dpls = simulate_dipole(net, tstop=170.0, dt=0.025, n_trials=1)

and neurite's `hnn` example without arguments (the same model: 270 cells,
775 drive cells, 170 ms at dt 0.025 ms).

The hnn-core side is scripts/hnn_reference.py's (its venv under
~/.cache/neurite with NEURON 9.0.2 and hnn-core 0.6.1 --no-deps, hnn-core's
mod files compiled by NEURON 9's nrnivmodl, `h.nrnunit_use_legacy` a no-op):
importing it puts this script in that venv, and its `time-run` runs are
what is timed.  Rows, each the wall time of a fresh process (median over R
round-robin repeats):

  1. hnn-core serial: `python scripts/hnn_reference.py time-run serial`'s run
     (JoblibBackend n_jobs=1), started as this script's `--hnn-serial-child`,
     which is that run with hnn-core's ParallelContext.psolve timed
     (row 3) and its NEURON model building (NetworkBuilder) timed;
  2. hnn-core MPIBackend(n_procs=2): `python scripts/hnn_reference.py
     time-run mpi2` (mpiexec -np 2 nrniv ... started by hnn-core);
  3. NEURON 9.0.2: `_PC.psolve(tstop)` inside row 1's runs, NEURON's
     integration alone (not a whole process);
  4. neurite, 1 rank, 1 thread: `hnn --spikes FILE`;
  5. neurite, 2 threads: `hnn --threads 2 --spikes FILE`;
  6. neurite, 2 MPI ranks: `mpiexec --oversubscribe -n 2 hnn --spikes FILE`
     (built with `--features mpi` into its own target directory).

The neurite binaries are built (`cargo build --release --example hnn`, and
with `--features mpi --target-dir $TMPDIR/neurite-peers-mpi-target`) and
copied to a temporary directory before any timing, so that rebuilds by
others do not change what is timed.  Checked: every run exits with status 0,
every hnn-core run gives the same spike count and every neurite run that
count (1428); the exit status is 1 otherwise.  neurite's spikes are also
compared with tests/data/hnn_erp_spikes.csv (hnn-core's, written by
scripts/hnn_reference.py).  Progress goes to stderr, the markdown report to
stdout (and --out FILE).
"""

import os as _os
import sys as _sys

_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "..", "scripts"))
# hnn_reference's import re-executes this script in its venv (neurite_venv.ensure
# with its PACKAGES: NEURON 9.0.2, hnn-core's dependencies, mpi4py, psutil).
import hnn_reference as ref  # noqa: E402

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from peers_common import cpu_model, log, neurite_revision  # noqa: E402
from peers_common import mpi_env as run_env  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SELF = os.path.abspath(__file__)
REFERENCE_SPIKES = os.path.join(ROOT, "tests", "data", "hnn_erp_spikes.csv")
EXPECTED_SPIKES = 1428  # hnn-core 0.6.1's ERP run (tests/data/hnn_erp_spikes.csv)
SPIKE_TOL_MS = 1e-9

NEURITE_LINE = re.compile(r"hnn: cells (\d+) drive cells (\d+) trials (\d+) ranks (\d+) threads (\d+) "
                          r"spikes (\d+) simulated (\S+) ms wall (\S+) s")

ROWS = ["hnn-serial", "hnn-mpi2", "neuron-psolve", "neurite", "neurite-t2", "neurite-mpi2"]
LABEL = {
    "hnn-serial": "hnn-core %s serial (JoblibBackend n_jobs=1)" % ref.HNN_VERSION,
    "hnn-mpi2": "hnn-core %s MPIBackend(n_procs=2)" % ref.HNN_VERSION,
    "neuron-psolve": "NEURON %s psolve alone, inside row 1 (**not a whole process**)" % ref.NEURON_VERSION,
    "neurite": "neurite, 1 rank, 1 thread",
    "neurite-t2": "neurite, 1 rank, 2 threads (`--threads 2`)",
    "neurite-mpi2": "neurite, 2 MPI ranks (mpiexec included)",
}


# ---------------------------------------------------------------------------
# the hnn-core serial run with its psolve timed (a child process)
# ---------------------------------------------------------------------------

def hnn_serial_child():
    """scripts/hnn_reference.py's `time-run serial` in this (fresh) process,
    with hnn-core's ParallelContext.psolve and NetworkBuilder timed; prints
    time-run's RESULT line, then a TIMES line.

    hnn_core.network_builder keeps its ParallelContext in the module global
    _PC, made by _create_parallel_context (called by NetworkBuilder._build) and
    used as _PC.psolve(h.tstop) by _simulate_single_trial.  A HocObject's
    methods cannot be replaced, so _PC becomes a thin proxy that forwards
    everything to the real ParallelContext and times psolve.  The hooks are
    put in place by wrapping hnn_reference.import_hnn_core, which time_run
    calls first (its time includes the import, as a user's run does)."""
    times = {"psolve_s": [], "network_builder_s": [], "import_s": None}
    original_import = ref.import_hnn_core

    class TimedPC:
        def __init__(self, pc):
            object.__setattr__(self, "_pc", pc)

        def __getattr__(self, name):
            return getattr(self._pc, name)

        def __setattr__(self, name, value):
            setattr(self._pc, name, value)

        def psolve(self, *args):
            t0 = time.perf_counter()
            result = self._pc.psolve(*args)
            times["psolve_s"].append(time.perf_counter() - t0)
            return result

    def import_with_timers():
        t0 = time.perf_counter()
        hnn_core = original_import()
        times["import_s"] = time.perf_counter() - t0
        nb = sys.modules["hnn_core.network_builder"]
        create = nb._create_parallel_context
        builder = nb.NetworkBuilder

        def create_parallel_context(*args, **kwargs):
            out = create(*args, **kwargs)
            if nb._PC is not None and not isinstance(nb._PC, TimedPC):
                nb._PC = TimedPC(nb._PC)
            return out

        def network_builder(*args, **kwargs):
            t0 = time.perf_counter()
            out = builder(*args, **kwargs)
            times["network_builder_s"].append(time.perf_counter() - t0)
            return out

        nb._create_parallel_context = create_parallel_context
        nb.NetworkBuilder = network_builder  # _simulate_single_trial calls it by this global name
        return hnn_core

    ref.import_hnn_core = import_with_timers
    ref.ensure_hnn_core()  # as hnn_reference.py's main() does before time_run
    ref.time_run("serial")
    if len(times["psolve_s"]) != 1 or len(times["network_builder_s"]) != 1:
        raise SystemExit("hnn_peers: psolve / NetworkBuilder not timed exactly once (%r): hnn-core's "
                         "network_builder has changed" % times)
    print("TIMES " + json.dumps({"import_s": times["import_s"], "psolve_s": times["psolve_s"][0],
                                 "network_builder_s": times["network_builder_s"][0]}), flush=True)


# ---------------------------------------------------------------------------
# environment
# ---------------------------------------------------------------------------

def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def builds_running():
    """The cargo / rustc processes on the machine (someone else building: a
    noisy measurement)."""
    found = []
    for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if pid.isdigit():
            try:
                with open("/proc/%s/comm" % pid) as f:
                    if f.read().strip() in ("cargo", "rustc"):
                        found.append(int(pid))
            except OSError:
                pass
    return found


def mpi_version():
    try:
        out = subprocess.run(["mpiexec", "--version"], capture_output=True, text=True).stdout
        return out.strip().splitlines()[0] if out.strip() else "unknown"
    except OSError:
        return "mpiexec not found"


def build_neurite(args, workdir, commands):
    """cargo build, then copy the binaries so that later rebuilds by others do
    not change what is timed."""
    bins = {}
    cmd = ["cargo", "build", "--release", "--example", "hnn"]
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, cwd=ROOT, check=True)
    commands.append(" ".join(cmd))
    bins["neurite"] = os.path.join(workdir, "hnn")
    shutil.copy2(os.path.join(ROOT, "target", "release", "examples", "hnn"), bins["neurite"])
    if not args.skip_mpi:
        # Own target directory: building the `mpi` feature into target/ would
        # replace target/release/examples/hnn under the feet of whoever else
        # uses it (and flip the crate's feature set there).
        cmd = ["cargo", "build", "--release", "--features", "mpi", "--example", "hnn",
               "--target-dir", args.mpi_target_dir]
        log("$ " + " ".join(cmd))
        subprocess.run(cmd, cwd=ROOT, check=True)
        commands.append(shown(cmd, workdir))
        bins["neurite-mpi2"] = os.path.join(workdir, "hnn-mpi")
        shutil.copy2(os.path.join(args.mpi_target_dir, "release", "examples", "hnn"), bins["neurite-mpi2"])
    return bins


# ---------------------------------------------------------------------------
# one run
# ---------------------------------------------------------------------------

def command(row, bins, spikes):
    python = sys.executable
    if row == "hnn-serial":
        return [python, SELF, "--hnn-serial-child"]
    if row == "hnn-mpi2":
        return [python, ref.SCRIPT, "time-run", "mpi2"]
    if row == "neurite":
        return [bins["neurite"], "--spikes", spikes]
    if row == "neurite-t2":
        return [bins["neurite"], "--threads", "2", "--spikes", spikes]
    if row == "neurite-mpi2":
        return ["mpiexec", "--oversubscribe", "-n", "2", bins["neurite-mpi2"], "--spikes", spikes]
    raise ValueError(row)


def read_spikes(path):
    rows = []
    with open(path) as f:
        header = f.readline().strip()
        if header != "gid,t_ms":
            raise ValueError("%s: header %r" % (path, header))
        for line in f:
            if line.strip():
                g, t = line.strip().split(",")
                rows.append((int(g), float(t)))
    return rows


def run_once(row, bins, workdir, tag):
    spikes = os.path.join(workdir, "spikes-%s-%s.csv" % (row, tag))
    cmd = command(row, bins, spikes)
    out_path = os.path.join(workdir, "stdout-%s-%s.txt" % (row, tag))
    err_path = os.path.join(workdir, "stderr-%s-%s.txt" % (row, tag))
    load = loadavg()
    builds = builds_running()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=workdir, stdout=out, stderr=err, env=run_env())
        # os.wait4: the child's rusage, including the descendants it waited
        # for (mpiexec's ranks, hnn-core's mpiexec and nrniv ranks)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    with open(out_path) as f:
        stdout = f.read()
    res = {"row": row, "cmd": cmd, "rc": rc, "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime,
           "load1": load, "builds": builds}
    problems = []
    if rc != 0:
        with open(err_path) as f:
            problems.append("exit status %d: %s" % (rc, (stdout[-800:] + f.read()[-1500:]).strip()))
    if row.startswith("hnn-"):
        lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
        if lines:
            r = json.loads(lines[-1][len("RESULT "):])
            res.update(spikes=r["n_spikes"], in_process_s=r["in_process_s"], agg=r["agg"])
        elif rc == 0:
            problems.append("no RESULT line in: %r" % stdout[-500:])
        lines = [line for line in stdout.splitlines() if line.startswith("TIMES ")]
        if lines:
            res.update(json.loads(lines[-1][len("TIMES "):]))
        elif row == "hnn-serial" and rc == 0:
            problems.append("no TIMES line in: %r" % stdout[-500:])
    else:
        m = None
        for line in stdout.splitlines():
            m = NEURITE_LINE.search(line) or m
        if m:
            res.update(spikes=int(m.group(6)), ranks=int(m.group(4)), threads=int(m.group(5)),
                       internal_s=float(m.group(8)))
            want = {"neurite": (1, 1), "neurite-t2": (1, 2), "neurite-mpi2": (2, 1)}[row]
            if (res["ranks"], res["threads"]) != want:
                problems.append("ran with ranks %d threads %d, not %d and %d" % (
                    res["ranks"], res["threads"], want[0], want[1]))
            if int(m.group(1)) != 270 or int(m.group(2)) != 775 or float(m.group(7)) != ref.TSTOP:
                problems.append("not the ERP model: %s" % m.group(0))
        elif rc == 0:
            problems.append("no summary line in neurite's output: %r" % stdout[-500:])
        if os.path.exists(spikes):
            res["spike_list"] = read_spikes(spikes)
            if "spikes" in res and len(res["spike_list"]) != res["spikes"]:
                problems.append("%d spikes in %s, %d in the summary" % (len(res["spike_list"]), spikes,
                                                                       res["spikes"]))
        elif rc == 0:
            problems.append("no spike file written")
    res["problems"] = problems
    return res


def compare_spikes(ref_spikes, got):
    """neurite's spikes (gid, t) against hnn-core's, each side sorted by gid then time."""
    if len(ref_spikes) != len(got):
        return False, "%d spikes vs %d" % (len(got), len(ref_spikes))
    worst = 0.0
    for (g0, t0), (g1, t1) in zip(sorted(ref_spikes), sorted(got)):
        if g0 != g1:
            return False, "gid %d vs %d" % (g1, g0)
        worst = max(worst, abs(t0 - t1))
    if worst > SPIKE_TOL_MS:
        return False, "max |dt| %.3g ms" % worst
    return True, "identical (%d spikes, gids and times, max |dt| %.1g ms)" % (len(got), worst)


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

def fmt_s(x):
    if x is None:
        return "n/a"
    if x >= 10:
        return "%.1f" % x
    return "%.2f" % x


def shown(cmd, workdir):
    """A command as the report shows it: this machine's temp dir as $WORK,
    the venv's python as python (in the venv)."""
    out = []
    for part in cmd:
        if part == sys.executable:
            part = "$VENV/bin/python"
        elif part.startswith(workdir):
            part = "$WORK" + part[len(workdir):]
        elif part.startswith(ROOT + os.sep):
            part = os.path.relpath(part, ROOT)
        elif part.startswith(tempfile.gettempdir() + os.sep):
            part = "$TMPDIR" + part[len(tempfile.gettempdir()):]
        out.append(shlex.quote(part) if not part.startswith("$") else part)
    return " ".join(out)


def shown_path(path):
    """A path as the report shows it: relative to the repository, or under
    $TMPDIR, never this machine's own folders."""
    rel = os.path.relpath(path, ROOT)
    if not rel.startswith(".."):
        return rel
    if path.startswith(tempfile.gettempdir() + os.sep):
        return "$TMPDIR" + path[len(tempfile.gettempdir()):]
    return os.path.basename(path)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=3, help="round-robin repetitions (default 3)")
    p.add_argument("--skip-mpi", action="store_true", help="leave out the MPI rows (hnn-core MPIBackend, "
                   "neurite 2 ranks)")
    p.add_argument("--out", default=None, help="also write the report to this file")
    p.add_argument("--mpi-target-dir", default=os.path.join(tempfile.gettempdir(), "neurite-peers-mpi-target"),
                   help="cargo --target-dir of the MPI build (default $TMPDIR/neurite-peers-mpi-target)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory with every run's output")
    p.add_argument("--hnn-serial-child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.hnn_serial_child:
        hnn_serial_child()
        return 0
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    if args.out:
        args.out = os.path.abspath(args.out)
    os.chdir(ROOT)

    started = datetime.datetime.now().astimezone()
    ref.ensure_hnn_core()
    log("hnn_peers: hnn-core's mechanisms: %s" % ref.nrnmech_library())  # compiled once, not timed
    workdir = tempfile.mkdtemp(prefix="neurite-hnn-peers-")
    commands = []
    try:
        try:
            bins = build_neurite(args, workdir, commands)
        except subprocess.CalledProcessError as e:
            log("error: %s failed (exit status %s)" % (" ".join(e.cmd), e.returncode))
            return 2
        rows = [r for r in ("hnn-serial", "hnn-mpi2", "neurite", "neurite-t2", "neurite-mpi2")
                if not (args.skip_mpi and r.endswith("mpi2"))]
        for r in rows:
            commands.append(shown(command(r, bins, os.path.join(workdir, "spikes.csv")), workdir))
        runs = {r: [] for r in rows}
        load_start = loadavg()
        for rep in range(args.repeat):
            for r in rows:
                res = run_once(r, bins, workdir, str(rep))
                runs[r].append(res)
                extra = ""
                if r == "hnn-serial" and "psolve_s" in res:
                    extra = ", psolve %.2f s, NetworkBuilder %.2f s, import %.2f s" % (
                        res["psolve_s"], res["network_builder_s"], res["import_s"])
                log("[%d] %-13s wall %.2f s, cpu %.2f s, load %.2f%s, spikes %s, exit %d%s%s" % (
                    rep, r, res["wall_s"], res["cpu_s"], res["load1"],
                    ", cargo/rustc running" if res["builds"] else "", res.get("spikes"), res["rc"], extra,
                    "" if not res["problems"] else " PROBLEM: " + "; ".join(res["problems"])))
        load_end = loadavg()
        finished = datetime.datetime.now().astimezone()

        # checks
        failures = []
        for r in rows:
            for i, res in enumerate(runs[r]):
                for problem in res["problems"]:
                    failures.append("%s run %d: %s" % (r, i, problem))
        hnn_counts = sorted(set(res["spikes"] for r in rows if r.startswith("hnn-") for res in runs[r]
                                if "spikes" in res))
        if len(hnn_counts) != 1:
            failures.append("hnn-core's runs gave different spike counts: %s" % hnn_counts)
        hnn_count = hnn_counts[0] if len(hnn_counts) == 1 else None
        if hnn_count is not None and hnn_count != EXPECTED_SPIKES:
            failures.append("hnn-core gave %d spikes, not %d" % (hnn_count, EXPECTED_SPIKES))
        ref_spikes = None
        if os.path.exists(REFERENCE_SPIKES):
            ref_spikes = read_spikes(REFERENCE_SPIKES)
        spike_notes = {}
        for r in rows:
            if r.startswith("hnn-"):
                continue
            notes = []
            for i, res in enumerate(runs[r]):
                if "spikes" in res and res["spikes"] != hnn_count:
                    failures.append("%s run %d: %d spikes, hnn-core %s" % (r, i, res["spikes"], hnn_count))
                if ref_spikes is not None and "spike_list" in res:
                    ok, msg = compare_spikes(ref_spikes, res["spike_list"])
                    notes.append(msg if ok else "DIFFER: " + msg)
            spike_notes[r] = sorted(set(notes))

        def median(r, key="wall_s"):
            vals = [res[key] for res in runs.get(r, []) if res["rc"] == 0 and res.get(key) is not None]
            return statistics.median(vals) if vals else None

        def spread(r, key="wall_s"):
            vals = [res[key] for res in runs.get(r, []) if res["rc"] == 0 and res.get(key) is not None]
            return (min(vals), max(vals)) if vals else (None, None)

        base = median("hnn-serial")

        def ratio(x):
            return "%.1fx" % (base / x) if base and x else "n/a"

        table = [
            "| # | run | wall (s), median | min - max | CPU (s), median | hnn-core serial / this | spikes | exit |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for n, r in enumerate(ROWS, 1):
            if args.skip_mpi and r.endswith("mpi2"):
                continue
            if r == "neuron-psolve":
                key, src = "psolve_s", "hnn-serial"
            else:
                key, src = "wall_s", r
            med = median(src, key)
            lo, hi = spread(src, key)
            cpu = "-" if r == "neuron-psolve" else fmt_s(median(src, "cpu_s"))
            if r == "neuron-psolve":
                spikes, rcs = "(row 1)", "(row 1)"
            else:
                counts = sorted(set(res.get("spikes") for res in runs[src]), key=str)
                spikes = ", ".join(str(c) for c in counts)
                codes = sorted(set(res["rc"] for res in runs[src]))
                rcs = ", ".join(str(c) for c in codes)
            table.append("| %d | %s | %s | %s - %s | %s | %s | %s | %s |" % (
                n, LABEL[r], fmt_s(med), fmt_s(lo), fmt_s(hi), cpu, ratio(med), spikes, rcs))

        one, two, threads = median("neurite"), median("neurite-mpi2"), median("neurite-t2")
        summary = []
        if base and one:
            summary.append("- neurite 1 rank, 1 thread vs hnn-core serial, whole process: **%.1fx** faster "
                           "(goal 10x: %s)" % (base / one, "met" if base / one >= 10 else "**not met**"))
        if one and two:
            summary.append("- neurite 2 MPI ranks vs 1 rank, whole process: **%.2fx** faster (goal 1.8x: %s)" % (
                one / two, "met" if one / two >= 1.8 else "**not met**"))
        if one and threads:
            summary.append("- neurite 2 threads vs 1 thread, whole process: %.2fx" % (one / threads))
        hmpi = median("hnn-mpi2")
        if base and hmpi:
            summary.append("- hnn-core MPIBackend(n_procs=2) vs serial, whole process: %.2fx" % (base / hmpi))
        ps, nbs, imp, inproc = (median("hnn-serial", k) for k in ("psolve_s", "network_builder_s", "import_s",
                                                                  "in_process_s"))
        if None not in (base, ps, nbs, imp, inproc):
            summary.append(
                "- hnn-core serial, where its %.1f s go (medians): interpreter start and script setup %.1f s, "
                "`import hnn_core` (with NEURON and the mechanisms) %.1f s, `jones_2009_model()` + ERP drives "
                "+ simulate_dipole's Python outside NEURON's solver %.1f s, NetworkBuilder (the cells, synapses "
                "and NetCons made in NEURON by hnn-core's Python) %.1f s, **`psolve` %.1f s** (%.0f%% of the "
                "process)." % (base, base - inproc, imp, inproc - imp - nbs - ps, nbs, ps, 100 * ps / base))
            if one:
                summary.append("- neurite 1 rank (whole process, model building included) vs NEURON's psolve "
                               "alone: %.1fx" % (ps / one))
        internal = [(r, median(r, "internal_s")) for r in rows if not r.startswith("hnn-")]
        if all(x is not None for _, x in internal):
            summary.append("- neurite's own wall (its last line: model building and the run, process start and "
                           "exit not included), medians: %s" % ", ".join("%s %.2f s" % x for x in internal))
        if hnn_count is not None:
            summary.append("- spikes: %d in every hnn-core run (required in every neurite run: %s)" % (
                hnn_count, "yes" if not any("spikes, hnn-core" in f for f in failures) else "**NO**"))
        if ref_spikes is not None:
            summary.append("- neurite's spikes vs hnn-core's in tests/data/hnn_erp_spikes.csv (written by "
                           "scripts/hnn_reference.py): %s" % "; ".join(
                               "%s %s" % (r, "; ".join(notes) or "n/a") for r, notes in spike_notes.items()))
        serial_agg = next((res["agg"] for res in runs["hnn-serial"] if "agg" in res), None)
        mpi_agg = next((res["agg"] for res in runs.get("hnn-mpi2", []) if "agg" in res), None)
        if serial_agg and mpi_agg and len(serial_agg) == len(mpi_agg):
            summary.append("- hnn-core agg dipole, serial vs MPIBackend: max |difference| %.3g nAm" % max(
                abs(a - b) for a, b in zip(serial_agg, mpi_agg)))

        versions = "hnn-core %s on NEURON %s (python %s), neurite %s, %s" % (
            ref.HNN_VERSION, ref.NEURON_VERSION, platform.python_version(), neurite_revision(), mpi_version())
        report = [
            "# neurite vs hnn-core: HNN-core's cortical column, ERP run",
            "",
            "- date: %s to %s" % (started.strftime("%Y-%m-%d %H:%M:%S %Z"), finished.strftime("%H:%M:%S")),
            "- CPU: %s; %d cores (%d usable by this process)" % (
                cpu_model(), os.cpu_count() or 0, len(os.sched_getaffinity(0))),
            "- noise: 1-min load average %.2f at the start of the runs, %.2f at the end, %.2f - %.2f before "
            "each run (this benchmark's own previous runs included); cargo/rustc processes running at the "
            "start of %d of %d runs" % (
                load_start, load_end, min(res["load1"] for rs in runs.values() for res in rs),
                max(res["load1"] for rs in runs.values() for res in rs),
                sum(1 for rs in runs.values() for res in rs if res["builds"]),
                sum(len(rs) for rs in runs.values())),
            "- %s" % versions,
            "- workload: hnn-core's `jones_2009_model()` + `add_erp_drives_to_jones_model(net)` + "
            "`simulate_dipole(net, tstop=%g, dt=%g, n_trials=1)` (270 cells, 775 drive cells); neurite: "
            "`examples/hnn.rs` without model arguments, the same model" % (ref.TSTOP, ref.DT),
            "- wall = the whole process as the driver sees it (interpreter start, imports, building the model, "
            "the run, writing its output; mpiexec included), median of %d round-robin run(s); CPU = user + "
            "system time of the process and its children (MPI ranks included)" % args.repeat,
            "",
        ] + table + [""] + summary + [
            "",
            "Commands (from the repository root; `$VENV` is scripts/hnn_reference.py's venv under "
            "~/.cache/neurite, `$WORK` a temporary directory with copies of the built binaries; "
            "`--hnn-serial-child` is `scripts/hnn_reference.py time-run serial` with psolve and NetworkBuilder "
            "timed):",
            "",
            "```",
            "python3 benches/peers/hnn_peers.py --repeat %d%s%s" % (
                args.repeat, " --skip-mpi" if args.skip_mpi else "",
                " --out " + shown_path(args.out) if args.out else ""),
        ] + commands + ["```", ""]
        if failures:
            report += ["**CHECK FAILED**:", ""] + ["- " + f for f in failures] + [""]
        text = "\n".join(report)
        print(text, flush=True)
        if args.out:
            with open(args.out, "w") as f:
                f.write(text + "\n")
            log("wrote %s" % args.out)
        return 1 if failures else 0
    finally:
        if args.keep:
            log("outputs kept in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
