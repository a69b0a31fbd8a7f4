#!/usr/bin/env python3
"""Compares every translated .mod file of the public corpora with NEURON 9.0.2.

    python3 scripts/corpus_vs_neuron.py [--corpus NAME ...] [--update-baseline]

Runs in its own venv under ~/.cache/neurite (neurite_venv; NEURITE_PYTHON
names another Python with neuron 9.0.2). For each corpus of
scripts/nmodl_corpus.py (fetched from PyPI into ~/.cache/neurite/corpus,
never committed):

1. keeps one file per distinct content, and one file per mechanism name
   (a second file with the same name cannot be loaded into one NEURON);
2. translates them with `neurite-modc` into
   ~/.cache/neurite/corpus/compare/<corpus>/;
3. compiles the translated files with NEURON's nrnivmodl (cached while the
   files do not change) and builds `validation/corpus-runner` with neurite's
   translations of all corpora;
4. runs one protocol in both, for each mechanism and each TABLE mode it has
   (usetable 1, and 0 when it has a TABLE): a soma (L = diam = 20 um, pas g
   1e-4 S/cm2, e -65 mV) with the mechanism inserted or placed at its middle,
   a 0.3 nA step from 5 to 20 ms and a -0.2 nA step from 25 to 35 ms, for
   mechanisms with NET_RECEIVE a NetStim (start 3 ms, interval 6 ms, 6
   spikes) through a NetCon (weight 0.002, delay 1 ms), every POINTER
   pointing at the soma's voltage, and for a mechanism that reads an ion
   current it does not write (a calcium pool) a density mechanism of the
   same corpus that writes it, with its defaults; celsius 34, dt 0.025 ms, 50 ms from
   v = -65 mV;
5. compares them at every step: v within 1e-6 mV, every STATE and every
   concentration the mechanism writes within 1e-9 relative (relative to
   the value, or to a millionth of the state's peak where the value is
   smaller: there both are at their rounding level).

Prints a table per corpus (files, distinct contents, with VERBATIM,
translated, compared, matched) and the reason for every file that is not
matched. Exits 1 if the harness fails or if a mechanism listed in
validation/corpus-matched.txt (those that matched before) no longer matches;
`--update-baseline` rewrites that list from this run.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import neurite_venv  # noqa: E402

neurite_venv.ensure(["neuron==9.0.2", "numpy"])

from nmodl_corpus import CORPORA, cache_dir, fetch, modc_binary  # noqa: E402

PROTOCOL = {
    "celsius": 34.0,
    "dt": 0.025,
    "tstop": 50.0,
    "v_init": -65.0,
    "clamps": [[5.0, 15.0, 0.3], [25.0, 10.0, -0.2]],
    "stimulus": {"start": 3.0, "interval": 6.0, "number": 6.0, "weight": 0.002, "artificial_weight": 0.4,
                 "delay": 1.0},
}
# Parameters set for one mechanism where its defaults leave it nearly idle
# in the protocol's 50 ms (both simulators get them).
PARAMETERS = {
    # 1 Hz gives one spike in 50 ms: 200 Hz with a 2 ms refractory period
    # draws from exprand at every spike.
    ("pynn", "PoissonStimRefractory"): {"rate": 200.0, "tau_refrac": 2.0},
    # NEURON's built-in clamps are off by default.
    ("neuron", "IClamp"): {"del": 2.0, "dur": 30.0, "amp": 0.05},
    ("neuron", "SEClamp"): {"dur1": 8.0, "amp1": -40.0, "dur2": 12.0, "amp2": 10.0, "dur3": 10.0, "amp3": -70.0,
                            "rs": 2.0},
}
V_TOLERANCE = 1e-6
STATE_TOLERANCE = 1e-9
BASELINE = os.path.join(ROOT, "validation", "corpus-matched.txt")


def strip_comments(text):
    text = re.sub(r"\bCOMMENT\b.*?\bENDCOMMENT\b", "", text, flags=re.S)
    return "\n".join(line.split(":", 1)[0] for line in text.splitlines())


def mechanism_name(path):
    """The mechanism's name as NEURON gives it: SUFFIX, POINT_PROCESS or
    ARTIFICIAL_CELL of the NEURON block, else the file name."""
    with open(path, errors="replace") as f:
        text = strip_comments(f.read())
    block = re.search(r"\bNEURON\s*\{(.*?)\}", text, re.S)
    if block:
        m = re.search(r"\b(SUFFIX|POINT_PROCESS|ARTIFICIAL_CELL)\s+(\w+)", block.group(1))
        if m:
            return m.group(2)
    return os.path.splitext(os.path.basename(path))[0]


def has_table(path):
    with open(path, errors="replace") as f:
        return re.search(r"\bTABLE\b", strip_comments(f.read())) is not None


def digest(paths):
    h = hashlib.sha256()
    for p in sorted(paths):
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


# ---------------------------------------------------------------------------
# The NEURON side: run as a subprocess (one per corpus, since mechanisms
# cannot be unloaded and names repeat between corpora).
# ---------------------------------------------------------------------------

def neuron_builtins():
    from neuron import h
    names = []
    for kind in (0, 1):
        mt = h.MechanismType(kind)
        name = h.ref("")
        for i in range(int(mt.count())):
            mt.select(i)
            mt.selected(name)
            names.append(name[0])
    print(json.dumps(names))


def neuron_side(plan_path, library):
    from neuron import h
    h.nrn_load_dll(library)
    h.load_file("stdrun.hoc")
    with open(plan_path) as f:
        plan = json.load(f)
    h.celsius = plan["celsius"]
    for run in plan["runs"]:
        try:
            neuron_run(h, plan, run)
            print("ok %s" % run["name"], flush=True)
        except Exception as e:  # one mechanism's failure must not stop the others
            print("error %s: %s" % (run["name"], e), flush=True)


def reset_legacy_random():
    """Seeds NEURON's legacy generator (scop_random, normrand, exprand) with 1,
    as at the start of a process: it is one per process, so an earlier run's
    draws would carry over into the next mechanism's (neurite starts every
    instance at seed 1)."""
    import ctypes
    import neuron
    lib = ctypes.CDLL(os.path.join(os.path.dirname(neuron.__file__), ".data", "lib", "libnrniv.so"))
    set_seed = lib._Z8set_seedd  # C++ `void set_seed(double)`
    set_seed.argtypes = [ctypes.c_double]
    set_seed(1.0)


def neuron_run(h, plan, run):
    name = run["name"]
    reset_legacy_random()
    # One NEURON process runs a corpus: every table back to NEURON's default
    # first (an earlier run may have switched one off), then this run's.
    for other in plan["runs"]:
        if hasattr(h, "usetable_" + other["name"]):
            setattr(h, "usetable_" + other["name"], 1)
    usetable = "usetable_" + name
    if hasattr(h, usetable):
        setattr(h, usetable, run["usetable"])
    h.dt = plan["dt"]
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("pas")
    soma.g_pas = 1e-4
    soma.e_pas = -65
    seg = soma(0.5)
    keep = []
    if run.get("partner"):
        soma.insert(run["partner"])
    if run["kind"] == "density":
        soma.insert(name)
        owner = getattr(seg, name)
    elif run["kind"] == "artificial":
        owner = getattr(h, name)()
        keep.append(owner)
    else:
        owner = getattr(h, name)(seg)
        keep.append(owner)
    for parameter, value in run.get("parameters", {}).items():
        if run["kind"] == "density":
            setattr(seg, "%s_%s" % (parameter, name), value)
        else:
            setattr(owner, parameter, value)
    for start, duration, amplitude in plan["clamps"]:
        ic = h.IClamp(seg)
        setattr(ic, "del", start)
        ic.dur = duration
        ic.amp = amplitude
        keep.append(ic)
    for pointer in run.get("pointers", []):
        h.setpointer(seg._ref_v, pointer, owner)
    spikes = None
    if run["kind"] in ("point", "artificial") and run["net_receive"]:
        s = plan["stimulus"]
        ns = h.NetStim()
        ns.start, ns.interval, ns.number, ns.noise = s["start"], s["interval"], s["number"], 0
        nc = h.NetCon(ns, owner)
        nc.weight[0] = s["artificial_weight" if run["kind"] == "artificial" else "weight"]
        nc.delay = s["delay"]
        keep += [ns, nc]
    if run["kind"] == "artificial":
        spikes = h.Vector()
        out = h.NetCon(owner, None)
        out.record(spikes)
        keep.append(out)
    t = h.Vector().record(h._ref_t)
    columns = [("v_mV", h.Vector().record(seg._ref_v))]
    for state in run["states"]:
        columns.append(("state:" + state, h.Vector().record(getattr(owner, "_ref_" + state))))
    for ion in run["concentrations"]:
        columns.append(("ion:" + ion, h.Vector().record(getattr(seg, "_ref_" + ion))))
    h.finitialize(plan["v_init"])
    h.continuerun(plan["tstop"])
    if spikes is not None:
        # As the runner: spikes so far and the last one's time per sample.
        times = list(spikes)
        count = [float(sum(1 for x in times if x <= tk)) for tk in t]
        last = [max([x for x in times if x <= tk], default=-1.0) for tk in t]
        columns += [("spikes", count), ("last_spike_ms", last)]
    with open(run["neuron_out"], "w") as f:
        f.write("t_ms," + ",".join(n for n, _ in columns) + "\n")
        for k in range(len(t)):
            f.write(repr(t[k]) + "," + ",".join(repr(v[k]) for _, v in columns) + "\n")
    del keep, columns


# ---------------------------------------------------------------------------
# The comparison.
# ---------------------------------------------------------------------------

def read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
        rows = [[float(x) for x in line.split(",")] for line in f if line.strip()]
    return header, rows


def compare(neurite_csv, neuron_csv):
    """(matched, summary) of one run."""
    h1, r1 = read_csv(neurite_csv)
    h2, r2 = read_csv(neuron_csv)
    if h1 != h2:
        return False, "columns differ: %s vs NEURON %s" % (h1, h2)
    if len(r1) != len(r2):
        return False, "%d samples vs NEURON %d" % (len(r1), len(r2))
    # States are compared relative to themselves, but no finer than a
    # millionth of their peak: below that (a state at 1e-20 of a scheme that
    # sums to 1) both solvers are at their rounding level.
    floor = [0.0] * len(h1)
    for b in r2:
        for c in range(2, len(h1)):
            if b[c] == b[c]:
                floor[c] = max(floor[c], 1e-6 * abs(b[c]))
    worst_v, worst_state, which = 0.0, 0.0, ""
    for a, b in zip(r1, r2):
        for c in range(1, len(h1)):
            x, y = a[c], b[c]
            if x != x or y != y:
                if (x != x) != (y != y):
                    return False, "%s is NaN in one of them at t = %g ms" % (h1[c], b[0])
                continue
            if c == 1:
                worst_v = max(worst_v, abs(x - y))
            else:
                rel = abs(x - y) / max(abs(y), floor[c], 1e-300) if x != y else 0.0
                if rel > worst_state:
                    worst_state, which = rel, h1[c]
    matched = worst_v <= V_TOLERANCE and worst_state <= STATE_TOLERANCE
    summary = "max |dv| %.2e mV, states %.2e relative%s" % (worst_v, worst_state, " (%s)" % which if which else "")
    return matched, summary


def neuron_nan_at(path):
    """The first time (ms) NEURON's v is NaN in a trace, or None."""
    if not os.path.exists(path):
        return None
    _, rows = read_csv(path)
    return next((row[0] for row in rows if row[1] != row[1]), None)


def build_runner(modules_dir):
    env = dict(os.environ, NEURITE_CORPUS_MODULES=modules_dir)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "corpus-runner"], cwd=ROOT, env=env, check=True)
    return os.path.join(ROOT, "target", "release", "corpus-runner")


def nocmodl_rejects(path, scratch):
    """NEURON's own translator's error for `path`, or None if it accepts it."""
    import importlib.util
    package = importlib.util.find_spec("neuron").submodule_search_locations[0]
    exe = os.path.join(package, ".data", "bin", "nocmodl")
    os.makedirs(scratch, exist_ok=True)
    copy = os.path.join(scratch, os.path.basename(path))
    shutil.copy(path, copy)
    result = subprocess.run([exe, copy], cwd=scratch, capture_output=True, text=True)
    if result.returncode == 0:
        return None
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "rror" in line]
    return (lines[-1] if lines else "exit status %d" % result.returncode).strip()


def nrnivmodl(build_dir, files):
    """Compiles `files` (name -> path) with nrnivmodl into build_dir, unless
    the same files were compiled there before; returns the library."""
    library = os.path.join(build_dir, "x86_64", "libnrnmech.so")
    stamp = os.path.join(build_dir, "stamp")
    key = digest(files.values())
    if os.path.exists(library) and os.path.exists(stamp) and open(stamp).read() == key:
        return library
    shutil.rmtree(build_dir, ignore_errors=True)
    os.makedirs(build_dir)
    for name, path in files.items():
        shutil.copy(path, os.path.join(build_dir, name + ".mod"))
    exe = os.path.join(os.path.dirname(sys.executable), "nrnivmodl")
    result = subprocess.run([exe], cwd=build_dir, capture_output=True, text=True)
    if result.returncode != 0 or not os.path.exists(library):
        raise RuntimeError("nrnivmodl failed in %s:\n%s" % (build_dir, (result.stdout + result.stderr)[-3000:]))
    with open(stamp, "w") as f:
        f.write(key)
    return library


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="only these corpora")
    parser.add_argument("--update-baseline", action="store_true", help="rewrite validation/corpus-matched.txt")
    parser.add_argument("--neuron-side", nargs=2, metavar=("PLAN", "LIBRARY"), help=argparse.SUPPRESS)
    parser.add_argument("--neuron-builtins", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.neuron_side:
        neuron_side(*args.neuron_side)
        return
    if args.neuron_builtins:
        neuron_builtins()
        return

    modc = modc_binary(None)
    corpora = args.corpus or list(CORPORA)
    base = cache_dir()
    modules_dir = os.path.join(base, "compare")
    work = os.path.join(base, "compare-runs")
    # The runner is built from every corpus directory there: translations
    # of corpora not run now may come from an older code generator.
    for other in set(CORPORA) - set(corpora):
        shutil.rmtree(os.path.join(modules_dir, other), ignore_errors=True)
    builtins = set(json.loads(subprocess.run([sys.executable, __file__, "--neuron-builtins"], check=True,
                                             capture_output=True, text=True).stdout.strip().splitlines()[-1]))
    # Per corpus: status of every distinct file, and the translated ones.
    status = {}
    chosen = {}
    counts = {}
    for corpus in corpora:
        files = fetch(corpus)
        distinct = {}
        for path in files:
            distinct.setdefault(digest([path]), path)
        names = {}
        notes = {}
        for path in sorted(distinct.values()):
            name = mechanism_name(path)
            if name in builtins and corpus != "neuron":
                # Another corpus's file of a built-in's name: NEURON would
                # not load it beside its own.
                notes[path] = "not compared: `%s` is a NEURON built-in" % name
            elif name in names:
                notes[path] = "not compared: same mechanism name `%s` as %s" % (name, os.path.relpath(names[name], base))
            else:
                names[name] = path
        out_dir = os.path.join(modules_dir, corpus)
        shutil.rmtree(out_dir, ignore_errors=True)
        os.makedirs(out_dir)
        lines = subprocess.run([modc, "-o", out_dir, *names.values()], capture_output=True, text=True).stdout
        translated = {}
        verbatim = 0
        for line in lines.splitlines():
            if line.startswith("ok "):
                path = line[3:]
                rejected = nocmodl_rejects(path, os.path.join(base, "nocmodl-check", corpus))
                if rejected:
                    notes[path] = "not compared: NEURON 9.0.2's nocmodl rejects it (%s)" % rejected
                    continue
                translated[mechanism_name(path)] = path
            elif line.startswith("error "):
                where, _, message = line[6:].partition(": ")
                path = where.split(":")[0]
                verbatim += "VERBATIM" in message
                notes[path] = "not translated: " + message
        chosen[corpus] = translated
        status[corpus] = notes
        counts[corpus] = (len(files), len(distinct), verbatim, len(translated))

    runner = build_runner(modules_dir)
    described = json.loads(subprocess.run([runner, "describe"], check=True, capture_output=True, text=True).stdout)
    results = {}
    for corpus in corpora:
        mechanisms = [d for d in described if d["corpus"] == corpus]
        out = os.path.join(work, corpus)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        runs = []
        for d in mechanisms:
            path = chosen[corpus].get(d["name"])
            if path is None:
                continue
            # A pool of an ion current it only reads (cad reading ica) gets
            # a density mechanism of the corpus that writes that current.
            partner = None
            for current in d.get("reads_currents", []):
                partner = next((p["name"] for p in mechanisms if p["kind"] == "density" and p["name"] != d["name"]
                                and current in p.get("writes_currents", []) and not p.get("pointers")
                                and not p.get("reads_currents")), None)
                if partner:
                    break
            for usetable in ([1.0, 0.0] if has_table(path) else [1.0]):
                stem = os.path.join(out, "%s_usetable%d" % (d["name"], usetable))
                runs.append(dict(d, usetable=usetable, out=stem + "_neurite.csv", neuron_out=stem + "_neuron.csv",
                                 path=path, partner=partner, parameters=PARAMETERS.get((corpus, d["name"]), {})))
        plan = dict(PROTOCOL, runs=runs)
        plan_path = os.path.join(out, "plan.json")
        with open(plan_path, "w") as f:
            json.dump(plan, f, indent=1)
        if not runs:
            continue
        # NEURON's own share/modfile files are its built-ins, compiled into
        # it: the translations are compared with those.
        library = nrnivmodl(os.path.join(base, "nrnivmodl", corpus),
                            {n: p for n, p in chosen[corpus].items() if n not in builtins})
        neuron_log = subprocess.run([sys.executable, __file__, "--neuron-side", plan_path, library],
                                    capture_output=True, text=True, cwd=out).stdout
        neurite_log = subprocess.run([runner, "run", plan_path], capture_output=True, text=True).stdout
        errors = {}
        for line in neuron_log.splitlines() + neurite_log.splitlines():
            if line.startswith("error "):
                who, _, message = line[6:].partition(": ")
                errors.setdefault(who.split("/")[-1], message)
        for run in runs:
            key = (corpus, run["name"])
            if run["name"] in errors and "became NaN" in errors[run["name"]] and neuron_nan_at(run["neuron_out"]) is not None:
                # NEURON goes on with NaN; neurite stops at the first
                # non-finite voltage with an error: the same behaviour.
                ok, summary = True, "non-finite in both: NEURON's v is NaN from t = %g ms, neurite stops with " \
                    "NonFiniteVoltage (%s)" % (neuron_nan_at(run["neuron_out"]), errors[run["name"]])
            elif run["name"] in errors:
                ok, summary = False, "run failed: " + errors[run["name"]]
            elif not (os.path.exists(run["out"]) and os.path.exists(run["neuron_out"])):
                ok, summary = False, "no traces"
            else:
                ok, summary = compare(run["out"], run["neuron_out"])
            summary = "usetable %d%s: %s" % (run["usetable"], ", with %s" % run["partner"] if run["partner"] else "",
                                             summary)
            before = results.get(key, (True, [], run["path"]))
            results[key] = (before[0] and ok, before[1] + [summary], run["path"])

    print("| corpus | files | distinct | with VERBATIM | translated | compared | matched |")
    print("|---|---|---|---|---|---|---|")
    matched_now = set()
    details = []
    for corpus in corpora:
        files, distinct, verbatim, translated = counts[corpus]
        mine = {k: v for k, v in results.items() if k[0] == corpus}
        matched = sorted(k[1] for k, v in mine.items() if v[0])
        matched_now.update("%s/%s" % (corpus, m) for m in matched)
        print("| %s | %d | %d | %d | %d | %d | %d |" % (corpus, files, distinct, verbatim, translated, len(mine),
                                                       len(matched)))
        for (c, name), (ok, summaries, path) in sorted(mine.items()):
            details.append("- %s %s/%s (%s): %s" % ("matched" if ok else "DIFFERS", c, name,
                                                    os.path.relpath(path, base), "; ".join(summaries)))
        for path, note in sorted(status[corpus].items()):
            if "VERBATIM" not in note:
                details.append("- %s %s: %s" % (corpus, os.path.relpath(path, base), note))
    print()
    for line in details:
        print(line)
    expected = set()
    if os.path.exists(BASELINE):
        with open(BASELINE) as f:
            expected = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    lost = sorted(e for e in expected if e.split("/")[0] in corpora and e not in matched_now)
    if args.update_baseline:
        keep = {e for e in expected if e.split("/")[0] not in corpora} | matched_now
        with open(BASELINE, "w") as f:
            f.write("# corpus/mechanism pairs that match NEURON 9.0.2 (scripts/corpus_vs_neuron.py); CI fails if one\n"
                    "# stops matching. Rewritten by `python3 scripts/corpus_vs_neuron.py --update-baseline`.\n")
            for e in sorted(keep):
                f.write(e + "\n")
        print("\nwrote %s (%d mechanisms)" % (BASELINE, len(keep)))
    elif lost:
        print("\nno longer matching NEURON: " + ", ".join(lost))
        sys.exit(1)


if __name__ == "__main__":
    main()
