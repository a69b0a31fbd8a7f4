#!/usr/bin/env python3
"""Reference data from hnn-core 0.6.1 (on NEURON 9.0.2) for its standard ERP run.

Usage (from the repository root; the script runs itself in a venv under
~/.cache/neurite, made on first use, see "Installation" below):

    python3 scripts/hnn_reference.py          # write tests/data/hnn_erp_*.csv
    python3 scripts/hnn_reference.py time     # time the whole run as a user sees it
    python3 scripts/hnn_reference.py params-default   # tests/data/hnn_params_default_*.csv
    python3 scripts/hnn_reference.py config           # tests/data/hnn_config_*.csv
    python3 scripts/hnn_reference.py erp-trials       # tests/data/hnn_erp_trial1_*.csv
    python3 scripts/hnn_reference.py drives-mix       # tests/data/hnn_drives_mix_*.csv
    python3 scripts/hnn_reference.py params-file N20.json   # tests/data/hnn_params_N20_*.csv
    python3 scripts/hnn_reference.py params-file tests/data/hnn_params_gauss.json   # ..._gauss_*.csv
    python3 scripts/hnn_reference.py bias             # tests/data/hnn_bias_*.csv
    python3 scripts/hnn_reference.py probability      # tests/data/hnn_probability_*.csv
    python3 scripts/hnn_reference.py bias-sections    # tests/data/hnn_bias_sections_*.csv

Each mode is one fresh python process; the no-argument run writes only the
hnn_erp_*.csv files below (the other modes are run one by one, see "Other
runs" at the end of this docstring).

The run is hnn-core's standard ERP simulation, exactly as its documentation
does it, with every default left alone:

    net = jones_2009_model()                  # hnn_core/param/default.json
    add_erp_drives_to_jones_model(net)        # evdist1, evprox1, evprox2
    dpls = simulate_dipole(net, tstop=170.0, dt=0.025, n_trials=1)

with the default backend (JoblibBackend(n_jobs=1): the trial runs in this
process).  The reference run adds record_vsec='soma' (only Vector.record's,
checked here to change nothing: the same run without it, in a fresh process,
gives bit-identical dipoles and spikes).

Files written to tests/data/ (all floats with repr(), which round-trips):

  hnn_erp_dipole.csv        t_ms,L2,L5,agg   dpls[0] as simulate_dipole returns it (nAm)
  hnn_erp_dipole_raw.csv    t_ms,L2,L5       per-cell-type dipole sums before any
                                             post-processing (fAm, as NEURON sums them)
  hnn_erp_spikes.csv        gid,t_ms         every recorded spike, drive cells included,
                                             sorted by time then gid
  hnn_erp_drive_events.csv  drive,target_gid,t_ms   the event times of every drive cell
                                             (trial 0) by the one cell it drives
  hnn_erp_soma_v.csv        t_ms,v0,v35,v135,v170   soma(0.5).v of gids 0, 35, 135, 170

What simulate_dipole does to the dipole here (hnn_core/parallel_backends.py,
_gather_trial_data, with postproc=False, the default):
  Dipole(times, dpl_data) names dpl_data's columns agg, L2, L5; then
  Dipole._baseline_renormalize(N_pyr_x, N_pyr_y) (hnn_core/dipole.py), with
  N = N_pyr_x * N_pyr_y = 10 * 10 per layer:
      L2 -= N * 0.0443
      L5 -= N * -49.0502                          for t <= 37
      L5 -= N * (3.4770508e-3 * t - 51.231085)    for 37 < t < 750
      L5 -= N * (1.01e-4 * t - 48.412078)         for t >= 750
      agg = L2 + L5
  then Dipole._convert_fAm_to_nAm(): every column *= 1e-6.  No smoothing and no
  dipole_scalefctr scaling (those only happen with the deprecated
  postproc=True).  This script checks that claim: it re-derives the returned
  dipole from the raw one with those two hnn-core methods and requires equality.

Other runs
----------
Each writes a dipole (t_ms,L2,L5,agg: dpls[...] as simulate_dipole returns it,
nAm) and its spikes (gid,t_ms: every recorded spike of that trial, drive cells
included, sorted by time then gid) to tests/data/, with simulate_dipole(net,
tstop=170.0, dt=0.025, n_trials=...) and the default backend, as above:

  params-default   hnn_params_default_{dipole,spikes}.csv
      net = jones_2009_model(params=<hnn_core>/param/default.json,
                             add_drives_from_params=True)
      (the drives come from the flat parameter file; the run prints them and
      the gid ranges)
  config           hnn_config_{dipole,spikes}.csv
      net = hnn_core.hnn_io.read_network_configuration(
                <hnn_core>/param/neymotin2020_base.json)
      (the run prints its drives, compares the file with what hnn-core's
      writer makes of the network read from it, and compares the network and
      its output with the ERP reference's and with params-default's, each run
      afresh in its own process.  Found with 0.6.1: the file is the
      params-default network, event_seed 272/507/777 = 2 + first drive gid,
      zero-weight NMDA drive connections included; its spikes equal
      params-default's and its dipole differs in the last bits only, from the
      end_pts the reader recomputes (Cell._update_end_pts).  It is not the ERP
      reference's network: add_erp_drives_to_jones_model seeds 274/544/814
      and adds no NMDA connections for evprox1/evprox2)
  erp-trials       hnn_erp_trial1_{dipole,spikes}.csv
      the ERP run above with n_trials=2; only trial index 1 is written.  Trial
      0 is checked to be bit for bit the n_trials=1 run (a fresh process)
      and the rows of hnn_erp_dipole.csv / hnn_erp_spikes.csv.
  drives-mix       hnn_drives_mix_{dipole,spikes,events}.csv
      net = jones_2009_model() with three drives of other kinds (see
      drives_mix_network): a bursty drive (10 drive cells, all-to-all,
      proximal, L2/L5 pyramidal), a cell-specific Poisson drive (distal,
      AMPA + NMDA, L2/L5 pyramidal) and an all-to-all evoked drive (5 drive
      cells, proximal, L2/L5 basket).  hnn_drives_mix_events.csv
      (drive,drive_gid,t_ms) holds every event time of every drive cell of
      trial 0, by drive cell gid (net.external_drives[name]['events'][0], one
      list per drive cell in gid order), in that order.  The run prints the
      gid ranges and every connection each drive made.
  params-file NAME hnn_params_<stem>_{dipole,spikes}.csv, or for runs longer
                   than 170 ms hnn_params_<stem>_dipole_every4.csv (rows 0, 4,
                   8, ... of the returned dipole only, to keep the file small)
      NAME is a .json file of hnn-core's installed param/ folder (N20.json,
      gamma_L5weak_L2weak.json, ...), <stem> NAME less ".json"; or one of
      this repository's tests/data/hnn_params_<stem>.json (hnn_params_gauss.json:
      a few keys of ours, the rest hnn-core's defaults for files; its
      Gaussian input, extgauss, is on):
          net = jones_2009_model(params=<hnn_core>/param/NAME,
                                 add_drives_from_params=True)
          dpls = simulate_dipole(net, tstop=<the file's tstop, as read>,
                                 dt=<the file's dt, else 0.025>, n_trials=1)
      (simulate_dipole has no default tstop; hnn-core's own examples read
      these files with neymotin_2020_model(params) and add their drives by
      hand, this mode takes the drives from the file instead.)  The run
      prints what hnn-core made of the file: the keys Params dropped or
      defaulted, create_pext's feeds, the drive specs (event seeds before
      and after _add_drives_from_params adds the drive's first gid), the
      tonic biases, the gid ranges, every drive's dynamics, weights, delays,
      connections and event times (per target type for cell-specific ones),
      the cell-to-cell connections and the spike counts.
  probability      hnn_probability_{dipole,spikes,pairs}.csv
      jones_2009_model() with connections kept at random by hnn-core's
      _connection_probability (np.random.default_rng(conn_seed).choice):
      see probability_network.  hnn_probability_pairs.csv lists every pair
      of the probabilistic connections (connection index in
      net.connectivity, src/target type, receptor, src gid, target gid).
  bias-sections    hnn_bias_sections_{dipole,spikes}.csv
      the ERP network with named biases on dendrites (see
      bias_sections_network): 'tuft' and 'tonic' on the L5 pyramidal cells,
      'trunk' on the L2 pyramidal cells.
  bias             hnn_bias_{dipole,spikes}.csv
      the ERP network with two tonic biases:
          net = jones_2009_model()
          add_erp_drives_to_jones_model(net)
          net.add_tonic_bias(amplitude={'L2_pyramidal': 0.3, 'L5_basket': -0.1},
                             t0=20.0, tstop=None)
      (hnn-core 0.6.1's signature: add_tonic_bias(*, cell_type=None,
      section='soma', bias_name='tonic', amplitude, t0=0, tstop=None)).
      simulate_dipole replaces tstop=None by its own tstop (170.0) in
      net.external_biases; NetworkBuilder then gives every cell of a biased
      type, right after cell.build() (sections, synapses, biophysics, dipole)
      and before its recordings and spike-detector NetCon, one
      h.IClamp(soma(0.5)) per bias with delay=t0, dur=tstop - t0, amp=the
      amplitude (nA).  The run prints net.external_biases before and after
      simulate_dipole, every IClamp as created (read back from NEURON, with
      the point processes already on its segment), and how the dipole and
      spikes compare with hnn_erp_*.csv (the same network without biases).

Installation
------------
hnn-core 0.6.1 pins NEURON <= 8.2.7 (install_requires and build-system), so
`pip install neuron==9.0.2 hnn-core==0.6.1` is refused (ResolutionImpossible).
The venv is made by neurite_venv.ensure with NEURON 9.0.2 and hnn-core's
runtime dependencies; hnn-core itself is then installed into it with
`pip install --no-deps hnn-core==0.6.1`.  hnn-core ships only an sdist whose
setup.py compiles hnn_core/mod with the nrnivmodl of its build environment
(NEURON 8.2.7 under pip's build isolation) into hnn_core/mod/x86_64, a library
NEURON 9 cannot use.  So this script compiles the installed hnn_core/mod/*.mod
itself with the running NEURON's nrnivmodl into the user's cache
(~/.cache/neurite/hnn-core-<ver>-nrnmech-<nrn ver>, writable, reused while the
.mod files are unchanged) and loads that library with h.nrn_load_dll before
hnn-core builds a network; hnn-core's load_custom_mechanisms then finds hh2
already defined and loads nothing.  NEURITE_PYTHON may name an interpreter
that already has neuron 9.0.2 and hnn-core 0.6.1 (nothing is installed then).
"""

import hashlib
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import neurite_venv  # noqa: E402

NEURON_VERSION = "9.0.2"
HNN_VERSION = "0.6.1"
# hnn-core's runtime dependencies (its install_requires less NEURON), NEURON
# 9.0.2, and mpi4py + psutil for MPIBackend (the `time` mode).
PACKAGES = ["neuron==" + NEURON_VERSION, "numpy", "scipy", "matplotlib", "h5io", "mpi4py", "psutil"]

# Set in the environment of the MPI ranks MPIBackend starts in `time` mode:
# there this script stands in for hnn_core/mpi_child.py (see run_mpi_child).
MPI_CHILD_ENV = "NEURITE_HNN_MPI_CHILD"

if os.environ.get(MPI_CHILD_ENV) != "1":
    neurite_venv.ensure(PACKAGES)

ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "data")
SCRIPT = os.path.abspath(__file__)

TSTOP = 170.0
DT = 0.025
SOMA_GIDS = (0, 35, 135, 170)


# ---------------------------------------------------------------------------
# hnn-core on NEURON 9
# ---------------------------------------------------------------------------

def ensure_hnn_core():
    """Checks NEURON's version and installs hnn-core without its dependencies
    (see Installation above) into this script's own venv when missing."""
    from importlib import metadata

    nrn = metadata.version("neuron")
    if nrn != NEURON_VERSION:
        raise SystemExit("hnn_reference.py needs NEURON %s, %s has %s" % (NEURON_VERSION, sys.executable, nrn))
    try:
        have = metadata.version("hnn-core")
    except metadata.PackageNotFoundError:
        have = None
    if have == HNN_VERSION:
        return
    if os.environ.get("NEURITE_PYTHON"):
        raise SystemExit("NEURITE_PYTHON=%s has hnn-core %s, not %s" % (sys.executable, have, HNN_VERSION))
    print("hnn_reference: pip install --no-deps hnn-core==%s" % HNN_VERSION, file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "hnn-core==" + HNN_VERSION],
                   check=True)


def hnn_package_dir():
    import importlib.util

    spec = importlib.util.find_spec("hnn_core")  # does not import it (see import_hnn_core)
    return os.path.dirname(spec.origin)


def nrnmech_library():
    """Compiles hnn-core's .mod files with this NEURON's nrnivmodl into the
    user's cache, unless done before for the same files; returns the library."""
    import shutil

    mod_dir = os.path.join(hnn_package_dir(), "mod")
    mods = sorted(name for name in os.listdir(mod_dir) if name.endswith(".mod"))
    digest = hashlib.sha256()
    for name in mods:
        with open(os.path.join(mod_dir, name), "rb") as f:
            digest.update(name.encode() + b"\0" + f.read() + b"\0")
    key = digest.hexdigest()
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    build = os.path.join(cache, "neurite", "hnn-core-%s-nrnmech-%s" % (HNN_VERSION, NEURON_VERSION))
    library = os.path.join(build, "x86_64", "libnrnmech.so")
    stamp = os.path.join(build, "stamp")
    if os.path.exists(library) and os.path.exists(stamp) and open(stamp).read() == key:
        return library
    print("hnn_reference: nrnivmodl %s -> %s" % (mod_dir, build), file=sys.stderr, flush=True)
    shutil.rmtree(build, ignore_errors=True)
    os.makedirs(build)
    for name in mods:
        shutil.copy(os.path.join(mod_dir, name), build)
    exe = os.path.join(os.path.dirname(sys.executable), "nrnivmodl")
    if not os.path.exists(exe):
        exe = shutil.which("nrnivmodl")
    result = subprocess.run([exe], cwd=build, capture_output=True, text=True)
    if result.returncode != 0 or not os.path.exists(library):
        raise RuntimeError("nrnivmodl failed in %s:\n%s" % (build, (result.stdout + result.stderr)[-3000:]))
    with open(stamp, "w") as f:
        f.write(key)
    return library


def import_hnn_core():
    """Loads the mechanisms (nrnmech_library) and imports hnn_core under NEURON 9.

    hnn_core/network_builder.py runs, at import time,
        if int(neuron.__version__[0]) >= 8: h.nrnunit_use_legacy(1)
    (NEURON 8 switched to modern unit constants, hnn-core asked for the legacy
    FARADAY, R, ... ones).  NEURON 9 only has the modern constants and that call
    is a hoc error there, so hnn_core cannot be imported as is.  `h` is a
    HocObject whose attributes cannot be assigned, so during the import of
    hnn_core `neuron.h` is replaced by a thin proxy that forwards everything to
    the real h except nrnunit_use_legacy, a no-op; once imported, every hnn_core
    module that bound the proxy gets the real h back.  NEURON 9's modern unit
    constants (FARADAY = 96485.33212..., R = 8.31446...) are thus in effect,
    which is what we want.
    """
    import neuron

    real_h = neuron.h
    real_h.nrn_load_dll(nrnmech_library())

    class _H:
        def __getattr__(self, name):
            return getattr(real_h, name)

        def __setattr__(self, name, value):
            setattr(real_h, name, value)

        def nrnunit_use_legacy(self, *args):
            return None

    proxy = _H()
    neuron.h = proxy
    try:
        import hnn_core
        import hnn_core.network_builder  # noqa: F401 (the module calling nrnunit_use_legacy)
        import hnn_core.parallel_backends  # noqa: F401
        import hnn_core.network_models  # noqa: F401
    finally:
        neuron.h = real_h
        for name, module in list(sys.modules.items()):
            if (name == "hnn_core" or name.startswith("hnn_core.")) and getattr(module, "h", None) is proxy:
                module.h = real_h
    assert hnn_core.__version__ == HNN_VERSION, hnn_core.__version__
    assert neuron.__version__ == NEURON_VERSION, neuron.__version__
    return hnn_core


def erp_network(hnn_core):
    from hnn_core.network_models import add_erp_drives_to_jones_model

    net = hnn_core.jones_2009_model()
    add_erp_drives_to_jones_model(net)
    return net


def run_erp(record_vsec=False):
    """hnn-core's ERP run in this process.  Returns (net, dpls, raw) where raw is
    (times, dpl_data) of trial 0 as _simulate_single_trial returned them.

    The raw dipole: hnn_core.network_builder._simulate_single_trial returns
    dpl_data (column 0: the sum over the dipole cell types, then one column per
    dipole cell type in net.cell_types order: L2_pyramidal, L5_pyramidal) in
    fAm, summed from each cell's dipole Vector.  JoblibBackend.simulate calls it
    through the global name `_simulate_single_trial` of
    hnn_core.parallel_backends, so that name is wrapped to copy what it
    returns.  It must be a copy: _gather_trial_data builds the Dipole on views
    of dpl_data's columns and _baseline_renormalize / _convert_fAm_to_nAm then
    change dpl_data in place.
    """
    net, dpls, captured = run_model(erp_network, n_trials=1, record_vsec=record_vsec)
    return net, dpls, captured[0]


def run_model(build, n_trials=1, record_vsec=False, tstop=TSTOP, dt=DT):
    """simulate_dipole(build(hnn_core), tstop=tstop, dt=dt, n_trials) in this
    process (TSTOP, DT unless told).  Returns (net, dpls, raws), raws[i] =
    (times, dpl_data) of trial i as _simulate_single_trial returned them (see
    run_erp)."""
    import numpy as np

    hnn_core = import_hnn_core()
    backends = hnn_core.parallel_backends
    captured = []
    original = backends._simulate_single_trial

    def capture(net, tstop, dt, trial_idx):
        data = original(net, tstop, dt, trial_idx)
        assert trial_idx == len(captured), (trial_idx, len(captured))
        captured.append((np.array(data["times"], dtype=float), np.array(data["dpl_data"], dtype=float, copy=True)))
        return data

    backends._simulate_single_trial = capture
    try:
        net = build(hnn_core)
        dpls = hnn_core.simulate_dipole(net, tstop=tstop, dt=dt, n_trials=n_trials, record_vsec=record_vsec)
    finally:
        backends._simulate_single_trial = original
    assert len(captured) == n_trials == len(dpls), (len(captured), n_trials, len(dpls))
    dipole_types = [n for n, d in net.cell_types.items() if d["cell_metadata"].get("measure_dipole", False)]
    assert dipole_types == ["L2_pyramidal", "L5_pyramidal"], dipole_types
    return net, dpls, captured


def sorted_spikes(net, trial=0):
    resp = net.cell_response
    return sorted((float(t), int(g)) for t, g in zip(resp.spike_times[trial], resp.spike_gids[trial]))


def run_digest(net, dpls, raw, trial=0):
    """A digest of everything the run produced that record_vsec could change
    (of one trial: raw is that trial's (times, dpl_data))."""
    import numpy as np

    h = hashlib.sha256()
    times, dpl_data = raw
    h.update(np.ascontiguousarray(times).tobytes())
    h.update(np.ascontiguousarray(dpl_data).tobytes())
    for key in ("agg", "L2", "L5"):
        h.update(np.ascontiguousarray(dpls[trial].data[key], dtype=float).tobytes())
    h.update(repr(sorted_spikes(net, trial)).encode())
    return h.hexdigest()


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------

def fmt(x):
    return repr(float(x))


def write_csv(fname, header, rows):
    path = os.path.join(DATA, fname)
    with open(path, "w") as f:
        f.write(header + "\n")
        for row in rows:
            f.write(",".join(row) + "\n")
    print("wrote %s (%d rows)" % (path, len(rows)))


def drive_targets(net, drive):
    """drive cell gid -> the one target cell gid (cell-specific drives)."""
    targets = {}
    for conn in net.connectivity:
        for src, tgts in conn["gid_pairs"].items():
            if net.gid_to_type(src) == drive:
                targets.setdefault(int(src), set()).update(int(t) for t in tgts)
    out = {}
    for src, tgts in targets.items():
        assert len(tgts) == 1, (drive, src, tgts)
        out[src] = tgts.pop()
    return out


def reference():
    import numpy as np

    os.makedirs(DATA, exist_ok=True)
    net, dpls, raw = run_erp(record_vsec="soma")
    dpl = dpls[0]
    times, dpl_data = raw
    n = len(times)
    # simulate_dipole's post-processing, re-done from the raw dipole with
    # hnn-core's own methods, must give exactly what it returned ...
    check_postproc(net, dpl, raw)
    # ... and the formulas of the docstring agree to rounding.
    npyr = net._N_pyr_x * net._N_pyr_y
    l2 = (dpl_data[:, 1] - npyr * 0.0443) * 1e-6
    l5 = dpl_data[:, 2] - np.where(times <= 37.0, npyr * -49.0502,
                                   np.where(times < 750.0, npyr * (3.4770508e-3 * times - 51.231085),
                                            npyr * (1.01e-4 * times - 48.412078)))
    l5 = l5 * 1e-6
    assert np.allclose(l2, dpl.data["L2"], rtol=1e-12, atol=1e-12)
    assert np.allclose(l5, dpl.data["L5"], rtol=1e-12, atol=1e-12)
    assert np.allclose(l2 + l5, dpl.data["agg"], rtol=1e-12, atol=1e-12)
    assert np.allclose(dpl_data[:, 0], dpl_data[:, 1] + dpl_data[:, 2], rtol=0, atol=1e-9)

    write_dipole("hnn_erp_dipole.csv", dpl)
    write_csv("hnn_erp_dipole_raw.csv", "t_ms,L2,L5",
              [(fmt(times[i]), fmt(dpl_data[i, 1]), fmt(dpl_data[i, 2])) for i in range(n)])

    spikes = sorted_spikes(net)
    write_spikes("hnn_erp_spikes.csv", spikes)

    rows = []
    for drive_name, drive in net.external_drives.items():
        assert drive["cell_specific"], drive_name
        first = net.gid_ranges[drive_name][0]
        targets = drive_targets(net, drive_name)
        events = drive["events"][0]
        assert len(events) == len(net.gid_ranges[drive_name]) == len(targets)
        per = []
        for idx, cell_events in enumerate(events):
            for t in cell_events:
                per.append((targets[first + idx], float(t)))
        per.sort()
        rows += [(drive_name, "%d" % g, fmt(t)) for g, t in per]
    write_csv("hnn_erp_drive_events.csv", "drive,target_gid,t_ms", rows)

    vsec = net.cell_response.vsec[0]
    cols = [np.asarray(vsec[g]["soma"], dtype=float) for g in SOMA_GIDS]
    for c in cols:
        assert len(c) == n
    write_csv("hnn_erp_soma_v.csv", "t_ms," + ",".join("v%d" % g for g in SOMA_GIDS),
              [(fmt(times[i]),) + tuple(fmt(c[i]) for c in cols) for i in range(n)])

    # summary
    print("raw dipole at t=0: L2 %r fAm, L5 %r fAm; %d samples" % (float(dpl_data[0, 1]), float(dpl_data[0, 2]), n))
    print("gid ranges: " + ", ".join("%s %d-%d" % (k, r[0], r[-1]) for k, r in net.gid_ranges.items()))
    counts = {}
    for t, g in spikes:
        name = net.gid_to_type(g)
        counts[name] = counts.get(name, 0) + 1
    print("spikes per type: " + ", ".join("%s %d" % kv for kv in counts.items()) + " (total %d)" % len(spikes))
    for drive_name in net.external_drives:
        targets = drive_targets(net, drive_name)
        by_type = {}
        for tgt in targets.values():
            by_type[net.gid_to_type(tgt)] = by_type.get(net.gid_to_type(tgt), 0) + 1
        print("drive %s: %d drive cells (gids %d-%d), targets %s" % (
            drive_name, len(targets), min(targets), max(targets), by_type))

    # record_vsec='soma' must change nothing: the same run without it, in a
    # fresh process, must give the same dipoles and spikes bit for bit.
    digest = run_digest(net, dpls, raw)
    out = subprocess.run([sys.executable, SCRIPT, "digest-novsec"], check=True, capture_output=True, text=True)
    other = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("DIGEST ")]
    assert other == [digest], (other, digest, out.stdout[-2000:], out.stderr[-2000:])
    print("run without record_vsec: identical dipoles and spikes (sha256 %s)" % digest[:16])


def digest_novsec():
    net, dpls, raw = run_erp(record_vsec=False)
    print("DIGEST " + run_digest(net, dpls, raw))


# ---------------------------------------------------------------------------
# `time` mode
# ---------------------------------------------------------------------------

def time_run(backend):
    """One ERP run as a user runs it, in this (fresh) process; prints its agg
    dipole as a RESULT line for the parent to compare."""
    t_start = time.perf_counter()
    hnn_core = import_hnn_core()
    net = erp_network(hnn_core)
    if backend == "serial":
        dpls = hnn_core.simulate_dipole(net, tstop=TSTOP, dt=DT, n_trials=1)
    else:
        import psutil

        backends = hnn_core.parallel_backends
        # MPIBackend.__exit__ calls kill_proc_name("nrniv"), which kills EVERY
        # process named nrniv on the machine, not only the ranks it started.
        # That is hnn-core's own behaviour (acceptable for a user), but on a
        # shared machine it would also kill other people's nrniv runs, so it is
        # narrowed here to the nrniv processes descended from this process (by
        # pid).  The MPI ranks have exited by then anyway: this is only a safety
        # net against stray ranks.
        def kill_own_nrniv(proc_name):
            own = [p for p in psutil.Process().children(recursive=True) if p.name() == proc_name]
            for p in own:
                p.kill()
            psutil.wait_procs(own, timeout=6)
            return bool(own)

        backends.kill_proc_name = kill_own_nrniv
        # MPIBackend runs `mpiexec -np 2 nrniv -python -mpi -nobanner <python>
        # hnn_core/mpi_child.py`, finding nrniv on PATH (a user has the venv
        # activated) ...
        os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # Open MPI refuses root otherwise
            os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
            os.environ.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        mpi = backends.MPIBackend(n_procs=2)
        # ... and each rank must import hnn_core under NEURON 9 too: the ranks
        # run this script instead of mpi_child.py, which loads the mechanisms,
        # imports hnn_core (import_hnn_core) and then runs mpi_child.py as
        # __main__ (run_mpi_child).  MPIBackend passes os.environ on.
        assert mpi.mpi_cmd[-1].endswith("mpi_child.py"), mpi.mpi_cmd
        mpi.mpi_cmd[-1] = SCRIPT
        os.environ[MPI_CHILD_ENV] = "1"
        with mpi:
            dpls = hnn_core.simulate_dipole(net, tstop=TSTOP, dt=DT, n_trials=1)
    n_spikes = len(net.cell_response.spike_times[0])
    print("RESULT " + json.dumps({"backend": backend, "in_process_s": time.perf_counter() - t_start,
                                  "n_spikes": n_spikes, "agg": [float(x) for x in dpls[0].data["agg"]]}),
          flush=True)


def run_mpi_child():
    """An MPI rank started by MPIBackend (see time_run)."""
    import runpy

    hnn_core = import_hnn_core()
    child = os.path.join(os.path.dirname(hnn_core.__file__), "mpi_child.py")
    runpy.run_path(child, run_name="__main__")


def time_mode():
    nrnmech_library()  # compiled once, beforehand: not part of a user's run
    results = {}
    walls = {}
    for backend in ("serial", "mpi2"):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, SCRIPT, "time-run", backend], capture_output=True, text=True)
        walls[backend] = time.perf_counter() - start
        if out.returncode != 0:
            sys.stderr.write(out.stdout[-5000:] + out.stderr[-5000:])
            raise SystemExit("time-run %s failed (exit %d)" % (backend, out.returncode))
        lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
        results[backend] = json.loads(lines[-1][len("RESULT "):])
    import numpy as np

    diff = float(np.max(np.abs(np.array(results["serial"]["agg"]) - np.array(results["mpi2"]["agg"]))))
    print("hnn-core %s ERP run (jones_2009_model + ERP drives + simulate_dipole, tstop=%g, dt=%g), "
          "wall time of a fresh python process:" % (HNN_VERSION, TSTOP, DT))
    print("  serial (JoblibBackend n_jobs=1): %.2f s  (in-process %.2f s, %d spikes)" % (
        walls["serial"], results["serial"]["in_process_s"], results["serial"]["n_spikes"]))
    print("  MPIBackend(n_procs=2):           %.2f s  (in-process %.2f s, %d spikes)" % (
        walls["mpi2"], results["mpi2"]["in_process_s"], results["mpi2"]["n_spikes"]))
    print("  max |agg serial - agg MPI| = %r nAm" % diff)


# ---------------------------------------------------------------------------
# params-default, config and erp-trials modes
# ---------------------------------------------------------------------------

def params_default_network(hnn_core):
    params = os.path.join(os.path.dirname(hnn_core.__file__), "param", "default.json")
    return hnn_core.jones_2009_model(params=params, add_drives_from_params=True)


def config_network(hnn_core):
    from hnn_core.hnn_io import read_network_configuration

    return read_network_configuration(config_file())


def config_file():
    return os.path.join(hnn_package_dir(), "param", "neymotin2020_base.json")


MODEL_BUILDERS = {"erp": erp_network, "params-default": params_default_network, "config": config_network}


def check_postproc(net, dpl, raw, tstop=TSTOP, dt=DT):
    """simulate_dipole's post-processing, re-done from the raw dipole with
    hnn-core's own methods, must give exactly what it returned (see the
    docstring; as in reference())."""
    import numpy as np
    from hnn_core.dipole import Dipole

    times, dpl_data = raw
    assert len(times) == int(round(tstop / dt)) + 1, len(times)
    assert np.array_equal(np.asarray(dpl.times), times)
    check = Dipole(times, dpl_data.copy())
    check._baseline_renormalize(net._N_pyr_x, net._N_pyr_y)
    check._convert_fAm_to_nAm()
    for key in ("agg", "L2", "L5"):
        assert np.array_equal(check.data[key], dpl.data[key]), key
    assert dpl.scale_applied == 1


def write_dipole(fname, dpl):
    times = dpl.times
    write_csv(fname, "t_ms,L2,L5,agg",
              [(fmt(times[i]), fmt(dpl.data["L2"][i]), fmt(dpl.data["L5"][i]), fmt(dpl.data["agg"][i]))
               for i in range(len(times))])


def write_spikes(fname, spikes):
    write_csv(fname, "gid,t_ms", [("%d" % g, fmt(t)) for t, g in spikes])


def spike_counts(net, spikes):
    counts = {name: 0 for name in net.gid_ranges}
    for t, g in spikes:
        counts[net.gid_to_type(g)] += 1
    return counts


def network_description(net):
    """The network as hnn-core's own writer (hnn_io.network_to_dict, what
    write_network_configuration writes) encodes it, JSON-normalised, plus the
    event times each drive cell got (all trials)."""
    from hnn_core.hnn_io import _convert_np_array_to_list, network_to_dict

    desc = json.loads(json.dumps(_convert_np_array_to_list(network_to_dict(net, write_output=False))))
    desc["events"] = json.loads(json.dumps(_convert_np_array_to_list(
        {name: drive["events"] for name, drive in net.external_drives.items()})))
    return desc


def drive_summary(net):
    """One line per drive in net.external_drives order (the order the drives
    were added, which is also the order of their gid ranges)."""
    lines = []
    for name, drive in net.external_drives.items():
        conns = [c for c in net.connectivity if c["src_type"] == name]
        lamthas = sorted(set(float(c["nc_dict"]["lamtha"]) for c in conns))
        per_conn = ["%s/%s/%s w=%r d=%r gain=%r p=%r n=%d" % (
            c["target_type"], c["receptor"], c["loc"], c["nc_dict"]["A_weight"], c["nc_dict"]["A_delay"],
            c["nc_dict"].get("gain", 1.0), c["probability"], sum(len(v) for v in c["gid_pairs"].values()))
            for c in conns]
        rng = net.gid_ranges[name]
        lines.append("drive %s: type=%s location=%s n_drive_cells=%r cell_specific=%r event_seed=%r conn_seed=%r "
                     "probability=%r space_constant(lamtha)=%s gids=%d-%d dynamics=%s weights_ampa=%s "
                     "weights_nmda=%s synaptic_delays=%s target_types=%s" % (
                         name, drive["type"], drive["location"], drive["n_drive_cells"], drive["cell_specific"],
                         drive["event_seed"], drive["conn_seed"], drive["probability"], lamthas, rng[0], rng[-1],
                         json.dumps(drive["dynamics"]), json.dumps(drive["weights_ampa"]),
                         json.dumps(drive["weights_nmda"]), json.dumps(drive["synaptic_delays"]),
                         list(drive["target_types"])))
        lines += ["    conn " + x for x in per_conn]
    if net.external_biases:
        lines.append("external_biases: %s" % json.dumps(net.external_biases, default=str))
    return lines


def print_summary(net, spikes, dpl):
    import numpy as np

    print("gid ranges: " + ", ".join("%s %d-%d" % (k, r[0], r[-1]) for k, r in net.gid_ranges.items()))
    for line in drive_summary(net):
        print(line)
    counts = spike_counts(net, spikes)
    print("spikes per type: " + ", ".join("%s %d" % kv for kv in counts.items()) + " (total %d)" % len(spikes))
    agg = np.asarray(dpl.data["agg"])
    print("agg dipole: min %r nAm at %r ms, max %r nAm at %r ms" % (
        float(agg.min()), float(dpl.times[agg.argmin()]), float(agg.max()), float(dpl.times[agg.argmax()])))


def run_other(args):
    """Runs this script with args in a fresh process; returns its RESULT."""
    out = subprocess.run([sys.executable, SCRIPT] + list(args), capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stdout[-5000:] + out.stderr[-5000:])
        raise SystemExit("%s failed (exit %d)" % (" ".join(args), out.returncode))
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, out.stdout[-3000:]
    return json.loads(lines[0][len("RESULT "):])


def model_digest(name):
    """`model-digest NAME`: the n_trials=1 run of MODEL_BUILDERS[NAME] in this
    (fresh) process; prints its digest, network description, dipole and spikes
    as one RESULT line."""
    net, dpls, raws = run_model(MODEL_BUILDERS[name], n_trials=1)
    result = {
        "digest": run_digest(net, dpls, raws[0]),
        "desc": network_description(net),
        "dipole": {key: [float(x) for x in dpls[0].data[key]] for key in ("agg", "L2", "L5")},
        "spikes": sorted_spikes(net),
    }
    print("RESULT " + json.dumps(result), flush=True)


def result_of(net, dpls, raws, trial=0):
    return {
        "digest": run_digest(net, dpls, raws[trial], trial),
        "desc": network_description(net),
        "dipole": {key: [float(x) for x in dpls[trial].data[key]] for key in ("agg", "L2", "L5")},
        "spikes": [list(x) for x in sorted_spikes(net, trial)],
    }


def compare_results(label, a, b):
    """Prints how run b differs from run a (network and output)."""
    import numpy as np

    print("--- %s" % label)
    if a["digest"] == b["digest"]:
        print("    dipoles and spikes: bit for bit identical (sha256 %s)" % a["digest"][:16])
    else:
        for key in ("agg", "L2", "L5"):
            x, y = np.array(a["dipole"][key]), np.array(b["dipole"][key])
            print("    %s: max |diff| %r nAm (max |a| %r)" % (key, float(np.max(np.abs(x - y))),
                                                            float(np.max(np.abs(x)))))
        sa, sb = [tuple(s) for s in a["spikes"]], [tuple(s) for s in b["spikes"]]
        print("    spikes: %d vs %d, %d in common" % (len(sa), len(sb), len(set(sa) & set(sb))))
    compare_desc(a["desc"], b["desc"])


def leaf_diffs(a, b, path=""):
    """(path, a leaf, b leaf) for every place where a and b differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            out += leaf_diffs(a.get(k), b.get(k), "%s/%s" % (path, k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += leaf_diffs(x, y, "%s[%d]" % (path, i))
        return out
    return [] if a == b else [(path, a, b)]


def print_leaf_diffs(a, b, indent, limit=12):
    diffs = leaf_diffs(a, b)
    numeric = [(p, x, y) for p, x, y in diffs if isinstance(x, (int, float)) and isinstance(y, (int, float))]
    rel = [abs(x - y) / max(abs(x), abs(y)) for p, x, y in numeric]
    print("%s%d leaves differ (%d numeric, max relative difference %r)" % (
        indent, len(diffs), len(numeric), max(rel) if rel else None))
    for p, x, y in diffs[:limit]:
        print("%s  %s: %s vs %s" % (indent, p, json.dumps(x)[:100], json.dumps(y)[:100]))
    if len(diffs) > limit:
        print("%s  ..." % indent)


def compare_desc(da, db):
    """Prints how network description db differs from da, key by key."""
    for key in sorted(set(da) | set(db)):
        if da.get(key) == db.get(key):
            print("    %s: same" % key)
            continue
        va, vb = da.get(key), db.get(key)
        if key == "connectivity":
            print("    connectivity: differs (%d vs %d entries)" % (len(va), len(vb)))
            ka = {(c["src_type"], c["target_type"], c["loc"], c["receptor"]): c for c in va}
            kb = {(c["src_type"], c["target_type"], c["loc"], c["receptor"]): c for c in vb}
            for k in sorted(set(ka) | set(kb)):
                if k not in ka or k not in kb:
                    print("        %s only in %s" % (k, "first" if k in ka else "second"))
                elif ka[k] != kb[k]:
                    diff = [f for f in sorted(set(ka[k]) | set(kb[k])) if ka[k].get(f) != kb[k].get(f)]
                    print("        %s: %s" % (k, ", ".join(
                        "%s %s vs %s" % (f, json.dumps(ka[k].get(f))[:120], json.dumps(kb[k].get(f))[:120])
                        for f in diff)))
            order_a = [(c["src_type"], c["target_type"], c["loc"], c["receptor"]) for c in va]
            order_b = [(c["src_type"], c["target_type"], c["loc"], c["receptor"]) for c in vb]
            if order_a != order_b:
                print("        (order differs)")
        elif isinstance(va, dict) and isinstance(vb, dict):
            print("    %s: differs" % key)
            for k in sorted(set(va) | set(vb)):
                if va.get(k) != vb.get(k):
                    x, y = va.get(k), vb.get(k)
                    if key == "cell_types":
                        print("        %s:" % k)
                        print_leaf_diffs(x, y, "          ")
                    elif isinstance(x, dict) and isinstance(y, dict):
                        sub = [f for f in sorted(set(x) | set(y)) if x.get(f) != y.get(f)]
                        print("        %s: %s" % (k, "; ".join("%s %s vs %s" % (
                            f, json.dumps(x.get(f))[:200], json.dumps(y.get(f))[:200]) for f in sub)))
                    else:
                        print("        %s: %s vs %s" % (k, json.dumps(x)[:200], json.dumps(y)[:200]))
        else:
            print("    %s: %s vs %s" % (key, json.dumps(va)[:200], json.dumps(vb)[:200]))


def params_default_mode():
    os.makedirs(DATA, exist_ok=True)
    net, dpls, raws = run_model(params_default_network, n_trials=1)
    check_postproc(net, dpls[0], raws[0])
    assert net._params["tstop"] == 170 and net._params["dt"] == 0.025, (net._params["tstop"], net._params["dt"])
    spikes = sorted_spikes(net)
    write_dipole("hnn_params_default_dipole.csv", dpls[0])
    write_spikes("hnn_params_default_spikes.csv", spikes)
    print("network: jones_2009_model(params=default.json, add_drives_from_params=True), legacy_mode=%r" % (
        net._legacy_mode,))
    print_summary(net, spikes, dpls[0])
    print("connections (src_type -> target_type loc receptor A_weight A_delay lamtha):")
    for c in net.connectivity:
        print("    %s -> %s %s %s %r %r %r" % (c["src_type"], c["target_type"], c["loc"], c["receptor"],
                                            c["nc_dict"]["A_weight"], c["nc_dict"]["A_delay"],
                                            c["nc_dict"]["lamtha"]))


def config_mode():
    os.makedirs(DATA, exist_ok=True)
    fname = config_file()
    net, dpls, raws = run_model(config_network, n_trials=1)
    check_postproc(net, dpls[0], raws[0])
    spikes = sorted_spikes(net)
    write_dipole("hnn_config_dipole.csv", dpls[0])
    write_spikes("hnn_config_spikes.csv", spikes)
    print("network: read_network_configuration(%s)" % fname)
    print_summary(net, spikes, dpls[0])
    mine = result_of(net, dpls, raws)

    # The file against what hnn-core's writer makes of the network it read:
    # what a reader drops or recomputes.
    with open(fname) as f:
        stored = json.load(f)
    stored_events = {name: len(d["events"]) for name, d in stored["external_drives"].items()}
    print("events stored in the file per drive (trials): %s; after the run: %s" % (
        stored_events, {name: len(d["events"]) for name, d in net.external_drives.items()}))
    desc = dict(mine["desc"])
    desc.pop("events")
    print("--- the file vs network_to_dict(the network read from it, after the run)")
    compare_desc(stored, desc)

    # The same run in fresh processes: the config file again (determinism), the
    # ERP reference network, the params-default network.
    again = run_other(["model-digest", "config"])
    assert again["digest"] == mine["digest"], "config run not reproducible"
    print("config run again in a fresh process: bit for bit identical")
    erp = run_other(["model-digest", "erp"])
    compare_results("ERP reference (jones_2009_model + add_erp_drives_to_jones_model) vs config", erp, mine)
    pdef = run_other(["model-digest", "params-default"])
    compare_results("params-default (jones_2009_model(default.json, add_drives_from_params=True)) vs config",
                    pdef, mine)


def erp_trials_mode():
    os.makedirs(DATA, exist_ok=True)
    net, dpls, raws = run_model(erp_network, n_trials=2)
    for trial in (0, 1):
        check_postproc(net, dpls[trial], raws[trial])
    spikes1 = sorted_spikes(net, 1)
    write_dipole("hnn_erp_trial1_dipole.csv", dpls[1])
    write_spikes("hnn_erp_trial1_spikes.csv", spikes1)
    print("trial 1 (n_trials=2, trial_seed_offset = net._n_gids = %d):" % net._n_gids)
    print_summary(net, spikes1, dpls[1])
    spikes0 = sorted_spikes(net, 0)
    print("trial 0: %d spikes (%s)" % (len(spikes0), ", ".join("%s %d" % kv for kv in spike_counts(net, spikes0).items())))

    # Trial 0 must be the n_trials=1 run: a fresh process's run without
    # record_vsec (digest-novsec) ...
    digest0 = run_digest(net, dpls, raws[0], 0)
    out = subprocess.run([sys.executable, SCRIPT, "digest-novsec"], check=True, capture_output=True, text=True)
    other = [line.split()[1] for line in out.stdout.splitlines() if line.startswith("DIGEST ")]
    assert other == [digest0], (other, digest0)
    print("trial 0 vs the n_trials=1 run (fresh process): bit for bit identical (sha256 %s)" % digest0[:16])
    # ... and the reference files' rows.
    dpl0 = dpls[0]
    rows = ["t_ms,L2,L5,agg"] + [",".join((fmt(dpl0.times[i]), fmt(dpl0.data["L2"][i]), fmt(dpl0.data["L5"][i]),
                                           fmt(dpl0.data["agg"][i]))) for i in range(len(dpl0.times))]
    srows = ["gid,t_ms"] + ["%d,%s" % (g, fmt(t)) for t, g in spikes0]
    for fname, lines in (("hnn_erp_dipole.csv", rows), ("hnn_erp_spikes.csv", srows)):
        path = os.path.join(DATA, fname)
        if os.path.exists(path):
            same = open(path).read() == "\n".join(lines) + "\n"
            print("trial 0 vs %s: %s" % (fname, "identical" if same else "DIFFERENT"))
            assert same, fname
        else:
            print("trial 0 vs %s: file missing, not compared" % fname)
    # How trial 1's events differ from trial 0's.
    for name, drive in net.external_drives.items():
        e0 = [t for cell in drive["events"][0] for t in cell]
        e1 = [t for cell in drive["events"][1] for t in cell]
        print("drive %s: trial 0 %d events (mean %.3f ms), trial 1 %d events (mean %.3f ms)" % (
            name, len(e0), sum(e0) / len(e0), len(e1), sum(e1) / len(e1)))


# ---------------------------------------------------------------------------
# drives-mix mode
# ---------------------------------------------------------------------------

def drives_mix_network(hnn_core):
    """jones_2009_model with a bursty, a Poisson and an all-to-all evoked drive."""
    net = hnn_core.jones_2009_model()
    net.add_bursty_drive(
        "alpha_prox", tstart=50., tstart_std=0., burst_rate=10., burst_std=20., numspikes=2, spike_isi=10.,
        n_drive_cells=10, cell_specific=False, location="proximal",
        weights_ampa={"L2_pyramidal": 5.4e-5, "L5_pyramidal": 5.4e-5},
        synaptic_delays={"L2_pyramidal": 0.1, "L5_pyramidal": 1.0}, event_seed=284)
    net.add_poisson_drive(
        "poisson", tstart=0., tstop=None, rate_constant={"L2_pyramidal": 40., "L5_pyramidal": 40.},
        location="distal", weights_ampa={"L2_pyramidal": 0.0008, "L5_pyramidal": 0.0008},
        weights_nmda={"L2_pyramidal": 0.0004, "L5_pyramidal": 0.0004},
        synaptic_delays={"L2_pyramidal": 0.1, "L5_pyramidal": 0.1}, event_seed=1349)
    net.add_evoked_drive(
        "common", mu=40., sigma=2., numspikes=1, n_drive_cells=5, cell_specific=False, location="proximal",
        weights_ampa={"L2_basket": 0.08, "L5_basket": 0.1}, synaptic_delays={"L2_basket": 0.1, "L5_basket": 1.0},
        event_seed=300)
    return net


def drives_mix_mode():
    os.makedirs(DATA, exist_ok=True)
    net, dpls, raws = run_model(drives_mix_network, n_trials=1)
    check_postproc(net, dpls[0], raws[0])
    print("post-processing: the returned dipole equals Dipole(raw)._baseline_renormalize(%d, %d)"
          "._convert_fAm_to_nAm() bit for bit (scale_applied %r)" % (net._N_pyr_x, net._N_pyr_y,
                                                                     dpls[0].scale_applied))
    spikes = sorted_spikes(net)
    write_dipole("hnn_drives_mix_dipole.csv", dpls[0])
    write_spikes("hnn_drives_mix_spikes.csv", spikes)

    rows = []
    n_events = {}
    events_by_gid = {}
    for name, drive in net.external_drives.items():
        gids = list(net.gid_ranges[name])
        events = drive["events"][0]
        assert len(drive["events"]) == 1, (name, len(drive["events"]))
        assert len(events) == len(gids) == drive["n_drive_cells"], (name, len(events), len(gids))
        n_events[name] = 0
        for gid, cell_events in zip(gids, events):
            times = [float(t) for t in cell_events]
            events_by_gid[gid] = times
            n_events[name] += len(times)
            rows += [(name, "%d" % gid, fmt(t)) for t in times]
    write_csv("hnn_drives_mix_events.csv", "drive,drive_gid,t_ms", rows)

    print("network: jones_2009_model() + add_bursty_drive('alpha_prox') + add_poisson_drive('poisson') "
          "+ add_evoked_drive('common'), legacy_mode=%r" % (net._legacy_mode,))
    print_summary(net, spikes, dpls[0])
    print("connections of the drives (net.connectivity):")
    for name in net.external_drives:
        for c in net.connectivity:
            if c["src_type"] != name:
                continue
            pairs = c["gid_pairs"]
            targets = sorted(set(int(t) for tgts in pairs.values() for t in tgts))
            first = min(pairs)
            print("    %s -> %s loc=%s receptor=%s nc_dict=%s probability=%r sources=%d (gids %d-%d) "
                  "targets=%d (gids %d-%d) pairs=%d first gid_pairs entry %d: %s" % (
                      name, c["target_type"], c["loc"], c["receptor"],
                      json.dumps({k: (float(v) if isinstance(v, (int, float)) else v)
                                  for k, v in c["nc_dict"].items()}, default=str),
                      c["probability"], len(pairs), min(pairs), max(pairs), len(targets), targets[0], targets[-1],
                      sum(len(v) for v in pairs.values()), first, [int(t) for t in pairs[first]][:6]
                      + (["..."] if len(pairs[first]) > 6 else [])))
    print("events per drive (trial 0): " + ", ".join("%s %d" % kv for kv in n_events.items()))
    # The drive cells' recorded spikes against their events.
    spikes_by_gid = {}
    for t, g in spikes:
        spikes_by_gid.setdefault(g, []).append(t)
    for name in net.external_drives:
        gids = list(net.gid_ranges[name])
        ev = sorted((t, g) for g in gids for t in events_by_gid[g])
        ev_in = [(t, g) for t, g in ev if t <= TSTOP]
        sp = sorted((t, g) for g in gids for t in spikes_by_gid.get(g, []))
        # VecStim's events come back through NEURON's event queue, which
        # computes them as t + (etime - t): equal to the last bits only.
        same_gids = [g for t, g in sp] == [g for t, g in ev_in]
        diff = max([abs(a[0] - b[0]) for a, b in zip(sp, ev_in)] or [0.0]) if same_gids else None
        print("drive %s: %d events (%d at t <= %g ms, %d before t=0), %d drive cell spikes; spikes == events "
              "at t <= tstop: %s (same gids in the same order: %s, %d of %d times bit for bit equal, "
              "max |spike - event| %r ms)" % (
                  name, len(ev), len(ev_in), TSTOP, sum(1 for t, g in ev if t < 0), len(sp), sp == ev_in,
                  same_gids, sum(1 for a, b in zip(sp, ev_in) if a == b) if same_gids else 0, len(ev_in), diff))


# ---------------------------------------------------------------------------
# probability mode
# ---------------------------------------------------------------------------

def probability_network(hnn_core):
    """jones_2009_model with connections kept at random (probability < 1,
    given conn_seeds): a cell-specific evoked drive with a probability per
    target type, a common evoked drive with one probability, and a local
    connection L2 pyramidal -> L5 pyramidal (distal AMPA) at 0.25."""
    net = hnn_core.jones_2009_model()
    net.add_evoked_drive(
        "evprox_p", mu=26.61, sigma=2.47, numspikes=1, cell_specific=True, location="proximal",
        weights_ampa={"L2_basket": 0.08831, "L2_pyramidal": 0.01525, "L5_basket": 0.19934, "L5_pyramidal": 0.00865},
        weights_nmda={"L2_pyramidal": 0.001},
        synaptic_delays={"L2_basket": 0.1, "L2_pyramidal": 0.1, "L5_basket": 1.0, "L5_pyramidal": 1.0},
        probability={"L2_basket": 0.5, "L2_pyramidal": 0.3, "L5_basket": 1.0, "L5_pyramidal": 0.65},
        event_seed=274, conn_seed=11)
    net.add_evoked_drive(
        "evdist_p", mu=63.53, sigma=3.85, numspikes=1, n_drive_cells=4, cell_specific=False, location="distal",
        weights_ampa={"L2_pyramidal": 0.00507, "L5_pyramidal": 0.0425},
        weights_nmda={"L2_pyramidal": 0.00502, "L5_pyramidal": 0.0},
        synaptic_delays={"L2_pyramidal": 0.1, "L5_pyramidal": 0.1},
        probability=0.4, event_seed=2, conn_seed=5)
    net.add_connection("L2_pyramidal", "L5_pyramidal", "distal", "ampa", weight=0.0005, delay=1.0, lamtha=3.0,
                       probability=0.25, conn_seed=19)
    return net


def probability_mode():
    os.makedirs(DATA, exist_ok=True)
    net, dpls, raws = run_model(probability_network, n_trials=1)
    check_postproc(net, dpls[0], raws[0])
    spikes = sorted_spikes(net)
    write_dipole("hnn_probability_dipole.csv", dpls[0])
    write_spikes("hnn_probability_spikes.csv", spikes)
    # Every pair kept, connection by connection (in net.connectivity's
    # order, the probabilistic ones only).
    rows = []
    for index, c in enumerate(net.connectivity):
        if c["probability"] == 1.0:
            continue
        for src, targets in c["gid_pairs"].items():
            rows += [("%d" % index, c["src_type"], c["target_type"], c["receptor"], "%d" % int(src), "%d" % int(t))
                     for t in targets]
    write_csv("hnn_probability_pairs.csv", "connection,src_type,target_type,receptor,src_gid,target_gid", rows)
    print("network: jones_2009_model() + add_evoked_drive('evprox_p', probability per type, conn_seed=11) "
          "+ add_evoked_drive('evdist_p', probability=0.4, conn_seed=5) + add_connection(L2_pyramidal -> "
          "L5_pyramidal distal ampa, probability=0.25, conn_seed=19), legacy_mode=%r" % (net._legacy_mode,))
    print_summary(net, spikes, dpls[0])
    for index, c in enumerate(net.connectivity):
        if c["probability"] != 1.0:
            n = sum(len(v) for v in c["gid_pairs"].values())
            print("    connection %d: %s -> %s %s probability=%r: %d pairs from %d sources" % (
                index, c["src_type"], c["target_type"], c["receptor"], c["probability"], n, len(c["gid_pairs"])))


# ---------------------------------------------------------------------------
# params-file mode
# ---------------------------------------------------------------------------

# Dipoles of runs longer than this are written every PARAMS_FILE_STRIDE-th
# sample only (rows 0, 4, 8, ... of what simulate_dipole returned), in a file
# named ..._dipole_every4.csv, to keep it under ~400 KB.
PARAMS_FILE_FULL_DIPOLE_MS = 170.0
PARAMS_FILE_STRIDE = 4


def params_file_path(name):
    """<hnn_core>/param/<name> for a plain file name there; a path of this
    repository's tests/data/hnn_params_*.json as it is."""
    if name.startswith(os.path.join("tests", "data", "hnn_params_")) and name.endswith(".json"):
        path = os.path.join(ROOT, name)
        if not os.path.isfile(path):
            raise SystemExit("params-file: no file %s" % path)
        return path
    folder = os.path.join(hnn_package_dir(), "param")
    path = os.path.join(folder, name)
    if os.path.basename(name) != name or not name.endswith(".json") or not os.path.isfile(path):
        raise SystemExit("params-file: %r is not a .json file in %s (there: %s)" % (
            name, folder, ", ".join(sorted(os.listdir(folder)))))
    return path


def params_file_network(path):
    def build(hnn_core):
        return hnn_core.jones_2009_model(params=path, add_drives_from_params=True)
    return build


def num(x):
    """JSON-friendly plain numbers (numpy scalars, tuples) for printing."""
    if isinstance(x, dict):
        return {k: num(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [num(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, (str, bytes)):
        return x.item()
    return x


def params_file_mode(name):
    import warnings

    import numpy as np

    path = params_file_path(name)
    stem = os.path.splitext(os.path.basename(name))[0]
    if stem.startswith("hnn_params_"):  # tests/data/hnn_params_<stem>.json
        stem = stem[len("hnn_params_"):]
    with open(path) as f:
        file_params = json.load(f)
    # simulate_dipole's tstop has no default: the file's, as it is (hnn-core's
    # examples pass it the same way); dt the file's, else simulate_dipole's
    # default 0.025.
    tstop = file_params["tstop"]
    dt = file_params.get("dt", 0.025)
    os.makedirs(DATA, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # jones_2009_model's
        net, dpls, raws = run_model(params_file_network(path), n_trials=1, tstop=tstop, dt=dt)
    check_postproc(net, dpls[0], raws[0], tstop=tstop, dt=dt)
    dpl = dpls[0]
    spikes = sorted_spikes(net)

    n = len(dpl.times)
    if float(tstop) > PARAMS_FILE_FULL_DIPOLE_MS:
        dname = "hnn_params_%s_dipole_every%d.csv" % (stem, PARAMS_FILE_STRIDE)
        rows = range(0, n, PARAMS_FILE_STRIDE)
    else:
        dname = "hnn_params_%s_dipole.csv" % stem
        rows = range(n)
    write_csv(dname, "t_ms,L2,L5,agg",
              [(fmt(dpl.times[i]), fmt(dpl.data["L2"][i]), fmt(dpl.data["L5"][i]), fmt(dpl.data["agg"][i]))
               for i in rows])
    write_spikes("hnn_params_%s_spikes.csv" % stem, spikes)

    print("network: jones_2009_model(params=%s, add_drives_from_params=True), legacy_mode=%r; "
          "simulate_dipole(net, tstop=%r, dt=%r, n_trials=1): %d samples%s" % (
              path, net._legacy_mode, tstop, dt, n,
              (", dipole file has rows 0, %d, %d, ... (%d rows)" % (PARAMS_FILE_STRIDE, 2 * PARAMS_FILE_STRIDE,
                                                                   len(rows)))
              if len(rows) != n else ""))
    print("post-processing: the returned dipole equals Dipole(raw)._baseline_renormalize(%d, %d)"
          "._convert_fAm_to_nAm() bit for bit (scale_applied %r)" % (net._N_pyr_x, net._N_pyr_y,
                                                                     dpl.scale_applied))

    # What hnn-core's Params kept of the file: only keys of get_params_default
    # (with this file's number of evoked inputs) survive, the others are dropped
    # silently; missing ones get get_params_default's values.
    from hnn_core import read_params

    kept = read_params(path)  # as jones_2009_model read it (net._params, before simulate_dipole set keys)
    dropped = sorted(k for k in file_params if k not in kept)
    defaulted = sorted(k for k in kept if k not in file_params)
    print("Params: %d keys in the file, %d kept; dropped (not in get_params_default): %s" % (
        len(file_params), sum(1 for k in file_params if k in kept), dropped))
    print("Params: defaulted (not in the file): %s" % json.dumps(
        {k: num(kept[k]) for k in defaulted if not k.startswith(("L2Pyr_", "L5Pyr_"))
         or "Gauss" in k or "Pois" in k}))
    print("Params: threshold %r, celsius %r, N_pyr_x/y in the file %r/%r (unused: mesh_shape=%r)" % (
        kept["threshold"], kept["celsius"], file_params.get("N_pyr_x"), file_params.get("N_pyr_y"),
        (net._N_pyr_x, net._N_pyr_y)))

    # What _add_drives_from_params worked from: create_pext's feeds (after
    # _validate_feed) and the drive specs (event seeds before the absolute-gid
    # adjustment), computed again here from a fresh read of the file.
    from hnn_core.params import (_extract_bias_specs_from_hnn_params, _extract_drive_specs_from_hnn_params,
                                 create_pext)

    fresh = read_params(path)
    p_common, p_unique = create_pext(read_params(path), fresh["tstop"])
    for idx, feed in enumerate(p_common):
        print("create_pext p_common[%d] (bursty%d, after _validate_feed): %s" % (idx, idx + 1, json.dumps(num(feed))))
    for key, feed in p_unique.items():
        print("create_pext p_unique[%s]: %s" % (key, json.dumps(num(feed))))
    specs = _extract_drive_specs_from_hnn_params(fresh, list(net.cell_types.keys()), net._legacy_mode)
    bias_specs = _extract_bias_specs_from_hnn_params(fresh, list(net.cell_types.keys()))
    print("drive specs made (sorted names = creation order): %s; skipped: %s" % (
        sorted(specs), sorted(set(["bursty1", "bursty2"] + list(p_unique)) - set(specs))))
    print("bias specs: %s; Itonic keys in the file: %s; in Params: %s; net.external_biases: %s" % (
        json.dumps(bias_specs), sorted(k for k in file_params if k.startswith("Itonic")),
        sorted(k for k in kept if k.startswith("Itonic")), json.dumps(num(net.external_biases))))

    print("gid ranges: " + ", ".join("%s %d-%d" % (k, r[0], r[-1]) for k, r in net.gid_ranges.items()))
    print("drives (creation order = net.external_drives order = gid order):")
    assert list(net.external_drives) == sorted(specs), (list(net.external_drives), sorted(specs))
    for name, drive in net.external_drives.items():
        rng = net.gid_ranges[name]
        spec = specs[name]
        assert drive["event_seed"] == spec["event_seed"] + rng[0], (name, drive["event_seed"], spec["event_seed"])
        conns = [c for c in net.connectivity if c["src_type"] == name]
        print("  %s: type=%s location=%s n_drive_cells=%r cell_specific=%r gids %d-%d "
              "event_seed %r = %r (spec) + %d (first gid) conn_seed=%r probability=%r target_types=%s" % (
                  name, drive["type"], drive["location"], drive["n_drive_cells"], drive["cell_specific"], rng[0],
                  rng[-1], drive["event_seed"], spec["event_seed"], rng[0], drive["conn_seed"],
                  drive["probability"], list(drive["target_types"])))
        print("      dynamics=%s" % json.dumps(num(drive["dynamics"])))
        print("      spec dynamics=%s space_constant=%r" % (json.dumps(num(spec["dynamics"])),
                                                           spec["space_constant"]))
        print("      weights_ampa=%s weights_nmda=%s synaptic_delays=%s" % (
            json.dumps(num(drive["weights_ampa"])), json.dumps(num(drive["weights_nmda"])),
            json.dumps(num(drive["synaptic_delays"]))))
        for c in conns:
            pairs = c["gid_pairs"]
            srcs = sorted(int(s) for s in pairs)
            tgts = sorted(set(int(t) for v in pairs.values() for t in v))
            print("      conn -> %s loc=%s receptor=%s A_weight=%r A_delay=%r lamtha=%r gain=%r threshold=%r "
                  "probability=%r: %d sources (%d-%d), %d targets (%d-%d), %d pairs" % (
                      c["target_type"], c["loc"], c["receptor"], c["nc_dict"]["A_weight"], c["nc_dict"]["A_delay"],
                      c["nc_dict"]["lamtha"], c["nc_dict"].get("gain"), c["nc_dict"].get("threshold"),
                      c["probability"], len(srcs), srcs[0], srcs[-1], len(tgts), tgts[0], tgts[-1],
                      sum(len(v) for v in pairs.values())))
        events = drive["events"][0]
        assert len(events) == len(rng), (name, len(events), len(rng))
        total = sum(len(e) for e in events)
        if drive["cell_specific"]:
            by_type = {}
            targets = drive_targets(net, name)
            for gid, ev in zip(rng, events):
                tgt = targets[gid]
                t = net.gid_to_type(tgt)
                by_type.setdefault(t, [0, 0, None])
                by_type[t][0] += 1
                by_type[t][1] += len(ev)
                if by_type[t][2] is None:
                    by_type[t][2] = (gid, tgt, [float(x) for x in ev[:4]])
            print("      events: %d in all; per target type (drive cells, events, first cell gid -> target: "
                  "first events): %s" % (total, json.dumps(by_type)))
        else:
            for gid, ev in zip(rng, events):
                print("      events of drive cell %d: %s" % (gid, [float(x) for x in ev]))

    print("connections (src_type -> target_type loc receptor A_weight A_delay lamtha):")
    for c in net.connectivity:
        if c["src_type"] in net.external_drives:
            continue
        print("    %s -> %s %s %s %r %r %r" % (c["src_type"], c["target_type"], c["loc"], c["receptor"],
                                            c["nc_dict"]["A_weight"], c["nc_dict"]["A_delay"],
                                            c["nc_dict"]["lamtha"]))
    counts = spike_counts(net, spikes)
    print("spikes per type: " + ", ".join("%s %d" % kv for kv in counts.items()) + " (total %d)" % len(spikes))
    agg = np.asarray(dpl.data["agg"])
    print("agg dipole: min %r nAm at %r ms, max %r nAm at %r ms" % (
        float(agg.min()), float(dpl.times[agg.argmin()]), float(agg.max()), float(dpl.times[agg.argmax()])))
    # The drive cells' recorded spikes against their events (as drives-mix).
    spikes_by_gid = {}
    for t, g in spikes:
        spikes_by_gid.setdefault(g, []).append(t)
    for name, drive in net.external_drives.items():
        rng = list(net.gid_ranges[name])
        ev = sorted((float(t), g) for g, e in zip(rng, drive["events"][0]) for t in e)
        sp = sorted((t, g) for g in rng for t in spikes_by_gid.get(g, []))
        same = [g for t, g in sp] == [g for t, g in ev]
        print("drive %s: %d events, %d drive-cell spikes, same gids in the same order: %s, max |spike - event| %r ms"
              % (name, len(ev), len(sp), same,
                 max([abs(a[0] - b[0]) for a, b in zip(sp, ev)] or [0.0]) if same else None))


# ---------------------------------------------------------------------------
# bias mode
# ---------------------------------------------------------------------------

BIAS_AMPLITUDE = {"L2_pyramidal": 0.3, "L5_basket": -0.1}
BIAS_T0 = 20.0


def bias_network(hnn_core):
    net = erp_network(hnn_core)
    net.add_tonic_bias(amplitude=dict(BIAS_AMPLITUDE), t0=BIAS_T0, tstop=None)
    return net


def bias_sections_network(hnn_core):
    """The ERP network with named biases on dendrites: 'tuft' (0.4 nA into
    the L5 pyramidal cells' apical tuft, 30-120 ms), 'trunk' (0.2 nA into the
    L2 pyramidal cells' apical trunk from 10 ms) and 'tonic' (-0.1 nA into
    the L5 pyramidal somata), added in that order."""
    net = erp_network(hnn_core)
    net.add_tonic_bias(amplitude={"L5_pyramidal": 0.4}, section="apical_tuft", bias_name="tuft", t0=30.0,
                       tstop=120.0)
    net.add_tonic_bias(amplitude={"L2_pyramidal": 0.2}, section="apical_trunk", bias_name="trunk", t0=10.0,
                       tstop=None)
    net.add_tonic_bias(amplitude={"L5_pyramidal": -0.1}, t0=0.0, tstop=None)
    return net


def bias_sections_mode():
    os.makedirs(DATA, exist_ok=True)
    net, dpls, raws = run_model(bias_sections_network, n_trials=1)
    check_postproc(net, dpls[0], raws[0])
    spikes = sorted_spikes(net)
    write_dipole("hnn_bias_sections_dipole.csv", dpls[0])
    write_spikes("hnn_bias_sections_spikes.csv", spikes)
    print("network: jones_2009_model() + add_erp_drives_to_jones_model(net) + add_tonic_bias('tuft', L5 "
          "apical_tuft 0.4 nA 30-120 ms) + add_tonic_bias('trunk', L2 apical_trunk 0.2 nA from 10 ms) + "
          "add_tonic_bias('tonic', L5 soma -0.1 nA), legacy_mode=%r" % (net._legacy_mode,))
    print("external_biases: %s" % json.dumps(num(net.external_biases)))
    print_summary(net, spikes, dpls[0])


def bias_mode():
    import numpy as np

    os.makedirs(DATA, exist_ok=True)

    # Every IClamp hnn-core makes, read back from NEURON right after
    # Cell.create_tonic_bias made it (reading changes nothing), with the
    # point processes its segment had then.
    made = []
    original = []

    def create_tonic_bias(self, *args, **kwargs):
        before = len(self.tonic_biases)
        original[0](self, *args, **kwargs)
        assert len(self.tonic_biases) == before + 1
        stim = self.tonic_biases[-1]
        seg = stim.get_segment()
        made.append({
            "gid": int(self.gid), "args": num(list(args)), "kwargs": num(kwargs),
            "sec": seg.sec.name(), "x": float(seg.x), "nseg": int(seg.sec.nseg),
            "delay": float(stim.delay), "dur": float(stim.dur), "amp": float(stim.amp),
            "others": sorted(pp.hname().split("[")[0] for pp in seg.point_processes() if pp.hname() != stim.hname()),
        })

    biases_before = {}

    def build(hnn_core):
        from hnn_core.cell import Cell

        original.append(Cell.create_tonic_bias)
        Cell.create_tonic_bias = create_tonic_bias
        net = bias_network(hnn_core)
        biases_before.update(json.loads(json.dumps(num(net.external_biases))))
        return net

    try:
        net, dpls, raws = run_model(build, n_trials=1)
    finally:
        if original:
            from hnn_core.cell import Cell

            Cell.create_tonic_bias = original[0]
    check_postproc(net, dpls[0], raws[0])
    spikes = sorted_spikes(net)
    write_dipole("hnn_bias_dipole.csv", dpls[0])
    write_spikes("hnn_bias_spikes.csv", spikes)

    print("network: jones_2009_model() + add_erp_drives_to_jones_model + add_tonic_bias(amplitude=%s, t0=%r, "
          "tstop=None); simulate_dipole(net, tstop=%r, dt=%r, n_trials=1): %d samples" % (
              json.dumps(BIAS_AMPLITUDE), BIAS_T0, TSTOP, DT, len(dpls[0].times)))
    print("post-processing: the returned dipole equals Dipole(raw)._baseline_renormalize(%d, %d)"
          "._convert_fAm_to_nAm() bit for bit (scale_applied %r)" % (net._N_pyr_x, net._N_pyr_y,
                                                                     dpls[0].scale_applied))
    print("net.external_biases before simulate_dipole: %s" % json.dumps(biases_before))
    print("net.external_biases after simulate_dipole:  %s" % json.dumps(num(net.external_biases)))
    print_summary(net, spikes, dpls[0])

    by_type = {}
    for m in made:
        t = net.gid_to_type(m["gid"])
        key = json.dumps({k: m[k] for k in ("args", "kwargs", "sec", "x", "nseg", "delay", "dur", "amp", "others")})
        by_type.setdefault(t, {}).setdefault(key, []).append(m["gid"])
    print("IClamps made by Cell.create_tonic_bias: %d" % len(made))
    for t, kinds in by_type.items():
        gids = sorted(g for v in kinds.values() for g in v)
        rng = list(net.gid_ranges[t])
        print("  %s: %d IClamps on gids %d-%d (every cell of the type: %s, one each: %s)" % (
            t, len(gids), gids[0], gids[-1], gids == rng, len(set(gids)) == len(gids)))
        for key, g in kinds.items():
            print("    %d x %s" % (len(g), key))
    assert sorted(by_type) == sorted(BIAS_AMPLITUDE), sorted(by_type)

    # Against the unbiased ERP reference files (same network, no biases).
    erp_dipole = os.path.join(DATA, "hnn_erp_dipole.csv")
    erp_spikes = os.path.join(DATA, "hnn_erp_spikes.csv")
    if os.path.exists(erp_dipole) and os.path.exists(erp_spikes):
        ref = np.loadtxt(erp_dipole, delimiter=",", skiprows=1)
        times = np.asarray(dpls[0].times)
        assert np.array_equal(ref[:, 0], times)
        for col, key in ((1, "L2"), (2, "L5"), (3, "agg")):
            diff = np.nonzero(ref[:, col] != np.asarray(dpls[0].data[key]))[0]
            print("vs hnn_erp_dipole.csv %s: %s" % (key, "identical" if len(diff) == 0 else
                                                    "bit for bit identical up to t=%r ms, first different at "
                                                    "t=%r ms (row %d)" % (float(times[diff[0] - 1]) if diff[0] else None,
                                                                          float(times[diff[0]]), diff[0] + 1)))
        with open(erp_spikes) as f:
            next(f)
            ref_spikes = [(float(t), int(g)) for g, t in (line.strip().split(",") for line in f)]
        ref_counts = spike_counts(net, ref_spikes)
        print("vs hnn_erp_spikes.csv: spikes per type ERP -> bias: " + ", ".join(
            "%s %d -> %d" % (k, ref_counts[k], v) for k, v in spike_counts(net, spikes).items()))
        first = next((i for i, (a, b) in enumerate(zip(ref_spikes, spikes)) if a != b), None)
        print("vs hnn_erp_spikes.csv: first difference at sorted spike %s (ERP %s, bias %s)" % (
            first, ref_spikes[first] if first is not None else None, spikes[first] if first is not None else None))
    else:
        print("hnn_erp_dipole.csv / hnn_erp_spikes.csv missing, not compared")


def main():
    if os.environ.get(MPI_CHILD_ENV) == "1":
        run_mpi_child()
        return
    ensure_hnn_core()
    args = sys.argv[1:]
    if not args:
        reference()
    elif args == ["time"]:
        time_mode()
    elif len(args) == 2 and args[0] == "time-run" and args[1] in ("serial", "mpi2"):
        time_run(args[1])
    elif args == ["digest-novsec"]:
        digest_novsec()
    elif args == ["params-default"]:
        params_default_mode()
    elif args == ["config"]:
        config_mode()
    elif args == ["erp-trials"]:
        erp_trials_mode()
    elif args == ["drives-mix"]:
        drives_mix_mode()
    elif args == ["bias"]:
        bias_mode()
    elif args == ["probability"]:
        probability_mode()
    elif args == ["bias-sections"]:
        bias_sections_mode()
    elif len(args) == 2 and args[0] == "params-file":
        params_file_mode(args[1])
    elif len(args) == 2 and args[0] == "model-digest" and args[1] in MODEL_BUILDERS:
        model_digest(args[1])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
