#!/usr/bin/env python3
"""Generate NEURON reference data for the `neurite` test-suite.

Usage (from the repository root; the script runs itself in a venv under
~/.cache/neurite with neuron==9.0.2 and numpy, made on first use):

    python3 scripts/neuron_reference.py            # regenerate everything
    python3 scripts/neuron_reference.py <model>    # one model only

Every model is built in a fresh Python process (NEURON keeps global state:
sections left over from a previous model would change h.define_shape() and
the section order), so the no-argument invocation re-runs this very script
once per model via subprocess.  The MPI ring is run with
`mpiexec -n 3 python scripts/neuron_reference.py ring7-mpi`.

Output goes to tests/data/ (relative to the repository root).  All floating
point numbers are written with repr(), which round-trips exactly.

Models
------
ring5            seed ring (NEURON ParallelContext tutorial), N=5, dt=0.025, tstop=100
ring5-dend11     same ring with dend.nseg=11, dt=0.0125, tstop=60
ring7-serial     ring N=7, dt=0.025, tstop=200, serial
ring7-mpi        ring N=7, dt=0.025, tstop=200, must be run under mpiexec -n 3
branched         branched single cell, dt=0.025, celsius=6.3, tstop=60
branched-dt01    branched single cell, dt=0.01, celsius=16, tstop=40
pt3d             cell with explicit 3-D points + define_shape, dt=0.025, tstop=50
netstim-noise    three noisy NetStims, dt=0.025, tstop=200
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import neurite_venv  # noqa: E402

neurite_venv.ensure(["neuron==9.0.2", "numpy"])
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "data")
SCRIPT = os.path.abspath(__file__)


# ---------------------------------------------------------------------------
# output helpers
# ---------------------------------------------------------------------------

def fmt(x):
    return repr(float(x))


def write_spikes(fname, pairs):
    """pairs: iterable of (gid, t). Sorted by time then gid."""
    rows = sorted(((float(t), int(g)) for g, t in pairs))
    path = os.path.join(DATA, fname)
    with open(path, "w") as f:
        f.write("gid,t_ms\n")
        for t, g in rows:
            f.write("%d,%s\n" % (g, fmt(t)))
    print("wrote %s (%d spikes)" % (path, len(rows)))
    return [(g, t) for t, g in rows]


def write_traces(fname, tvec, cols):
    """cols: list of (name, Vector)."""
    n = len(tvec)
    for name, v in cols:
        assert len(v) == n, (name, len(v), n)
    path = os.path.join(DATA, fname)
    with open(path, "w") as f:
        f.write("t_ms," + ",".join(name for name, _ in cols) + "\n")
        for i in range(n):
            f.write(fmt(tvec[i]) + "," + ",".join(fmt(v[i]) for _, v in cols) + "\n")
    print("wrote %s (%d rows)" % (path, n))


def iclamp(h, seg, delay, duration, amplitude):
    """An IClamp at `seg`: `amplitude` nA from `delay` ms for `duration` ms."""
    ic = h.IClamp(seg)
    setattr(ic, "del", delay)
    ic.dur = duration
    ic.amp = amplitude
    return ic


def common_globals(h, dt, celsius=6.3, tables=False):
    # NEURON's default is usetable_hh = 1 (interpolated rate tables); most
    # models here use the exact path, `ring5-tables` the default.
    h.usetable_hh = 1 if tables else 0
    h.celsius = celsius
    h.dt = dt


# ---------------------------------------------------------------------------
# Seed ring model (cell.py / ballandstick.py / ring.py of the tutorial)
# ---------------------------------------------------------------------------

def run_ring(N, tstop, dt, dend_nseg=None, mpi=False, tables=False):
    from neuron import h
    from neuron.units import ms, mV

    # ----- cell.py -----
    class Cell:
        def __init__(self, gid, x, y, z, theta):
            self._gid = gid
            self._setup_morphology()
            self.all = self.soma.wholetree()
            self._setup_biophysics()
            self.x = self.y = self.z = 0
            h.define_shape()
            self._rotate_z(theta)
            self._set_position(x, y, z)
            # everything below here in this method is NEW
            self._spike_detector = h.NetCon(self.soma(0.5)._ref_v, None, sec=self.soma)
            self.spike_times = h.Vector()
            self._spike_detector.record(self.spike_times)
            self._ncs = []
            self.soma_v = h.Vector().record(self.soma(0.5)._ref_v)

        def __repr__(self):
            return '{}[{}]'.format(self.name, self._gid)

        def _set_position(self, x, y, z):
            for sec in self.all:
                for i in range(sec.n3d()):
                    sec.pt3dchange(i,
                                   x - self.x + sec.x3d(i),
                                   y - self.y + sec.y3d(i),
                                   z - self.z + sec.z3d(i),
                                   sec.diam3d(i))
            self.x, self.y, self.z = x, y, z

        def _rotate_z(self, theta):
            """Rotate the cell about the Z axis."""
            for sec in self.all:
                for i in range(sec.n3d()):
                    x = sec.x3d(i)
                    y = sec.y3d(i)
                    c = h.cos(theta)
                    s = h.sin(theta)
                    xprime = x * c - y * s
                    yprime = x * s + y * c
                    sec.pt3dchange(i, xprime, yprime, sec.z3d(i), sec.diam3d(i))

    # ----- ballandstick.py -----
    class BallAndStick(Cell):
        name = 'BallAndStick'

        def _setup_morphology(self):
            self.soma = h.Section(name='soma', cell=self)
            self.dend = h.Section(name='dend', cell=self)
            self.dend.connect(self.soma)
            self.soma.L = self.soma.diam = 12.6157
            self.dend.L = 200
            self.dend.diam = 1
            if dend_nseg is not None:  # variant: finer dendrite (before define_shape)
                self.dend.nseg = dend_nseg

        def _setup_biophysics(self):
            for sec in self.all:
                sec.Ra = 100  # Axial resistance in Ohm * cm
                sec.cm = 1  # Membrane capacitance in micro Farads / cm^2
            self.soma.insert('hh')
            for seg in self.soma:
                seg.hh.gnabar = 0.12  # Sodium conductance in S/cm2
                seg.hh.gkbar = 0.036  # Potassium conductance in S/cm2
                seg.hh.gl = 0.0003  # Leak conductance in S/cm2
                seg.hh.el = -54.3  # Reversal potential in mV
            # Insert passive current in the dendrite
            self.dend.insert('pas')
            for seg in self.dend:
                seg.pas.g = 0.001  # Passive conductance in S/cm2
                seg.pas.e = -65  # Leak reversal potential mV
            # NEW: the synapse
            self.syn = h.ExpSyn(self.dend(0.5))
            self.syn.tau = 2 * ms

    # ----- ring.py -----
    if mpi:
        h.nrnmpi_init()  # MPI must be initialized before we create a ParallelContext object
    pc = h.ParallelContext()

    class Ring:
        def __init__(self, N=5, stim_w=0.04, stim_t=9, stim_delay=1, syn_w=0.01, syn_delay=5, r=50):
            self._N = N
            self.set_gids()  # assign gids to processors
            self._syn_w = syn_w
            self._syn_delay = syn_delay
            self._create_cells(r)
            self._connect_cells()
            # the 0th cell only exists on one process... that's the only one that gets a netstim
            if pc.gid_exists(0):
                self._netstim = h.NetStim()
                self._netstim.number = 1
                self._netstim.start = stim_t
                self._nc = h.NetCon(self._netstim, pc.gid2cell(0).syn)
                self._nc.delay = stim_delay
                self._nc.weight[0] = stim_w

        def set_gids(self):
            self.gidlist = list(range(int(pc.id()), self._N, int(pc.nhost())))
            for gid in self.gidlist:
                pc.set_gid2node(gid, pc.id())

        def _create_cells(self, r):
            self.cells = []
            for i in self.gidlist:
                theta = i * 2 * h.PI / self._N
                self.cells.append(BallAndStick(i, h.cos(theta) * r, h.sin(theta) * r, 0, theta))
            for cell in self.cells:
                pc.cell(cell._gid, cell._spike_detector)

        def _connect_cells(self):
            for target in self.cells:
                source_gid = (target._gid - 1 + self._N) % self._N
                nc = pc.gid_connect(source_gid, target.syn)
                nc.weight[0] = self._syn_w
                nc.delay = self._syn_delay
                target._ncs.append(nc)

    # globals (before finitialize)
    common_globals(h, dt, tables=tables)

    ring = Ring(N=N)
    tvec_sp = h.Vector()
    idvec_sp = h.Vector()
    pc.spike_record(-1, tvec_sp, idvec_sp)

    pc.set_maxstep(10 * ms)
    t = h.Vector().record(h._ref_t)
    h.finitialize(-65 * mV)
    pc.psolve(tstop * ms)

    local = [(int(g), float(tt)) for g, tt in zip(idvec_sp, tvec_sp)]
    gathered = pc.py_gather(local, 0)

    soma_v = None
    if pc.gid_exists(0):
        soma_v = pc.gid2cell(0).soma_v

    # geometry of gid 0 (diagnostic only, stdout)
    if pc.gid_exists(0) and pc.id() == 0:
        c0 = pc.gid2cell(0)
        for sec in (c0.soma, c0.dend):
            print("geom %s L=%r nseg=%d" % (sec.name(), sec.L, sec.nseg))
            for seg in sec:
                print("geom   x=%r area=%r ri=%r diam=%r" % (seg.x, seg.area(), seg.ri(), seg.diam))
    print("rank %d: final t = %r, nrows t = %d" % (pc.id(), h.t, len(t)))

    result = None
    if pc.id() == 0:
        allpairs = [p for part in gathered for p in part]
        result = (allpairs, t, soma_v)
    return pc, result


def model_ring5():
    pc, (spk, t, v) = run_ring(5, 100.0, 0.025)
    rows = write_spikes("ring5_spikes.csv", spk)
    write_traces("ring5_soma_v.csv", t, [("v_mV", v)])
    for g, tt in rows:
        print("spike gid=%d t=%r" % (g, tt))


def model_ring5_tables():
    pc, (spk, t, v) = run_ring(5, 100.0, 0.025, tables=True)
    rows = write_spikes("ring5_tables_spikes.csv", spk)
    write_traces("ring5_tables_soma_v.csv", t, [("v_mV", v)])
    for g, tt in rows:
        print("spike gid=%d t=%r" % (g, tt))


def model_ring5_dend11():
    pc, (spk, t, v) = run_ring(5, 60.0, 0.0125, dend_nseg=11)
    rows = write_spikes("ring5_dend11_dt0125_spikes.csv", spk)
    write_traces("ring5_dend11_dt0125_soma_v.csv", t, [("v_mV", v)])
    for g, tt in rows:
        print("spike gid=%d t=%r" % (g, tt))


def model_ring7_serial():
    pc, (spk, t, v) = run_ring(7, 200.0, 0.025)
    write_spikes("ring7_serial_spikes.csv", spk)


def model_ring7_mpi():
    pc, result = run_ring(7, 200.0, 0.025, mpi=True)
    print("rank %d of %d" % (pc.id(), pc.nhost()))
    if pc.id() == 0:
        assert pc.nhost() == 3, "ring7-mpi must run with mpiexec -n 3 (nhost=%d)" % pc.nhost()
        spk, t, v = result
        write_spikes("ring7_mpi3_spikes.csv", spk)
    pc.barrier()
    pc.done()
    sys.stdout.flush()
    h_quit()


def h_quit():
    # h.quit() finalizes MPI; without it mpiexec reports an improper exit.
    from neuron import h
    h.quit()


# ---------------------------------------------------------------------------
# Branched single cell
# ---------------------------------------------------------------------------

def model_branched_common(dt, celsius, tstop, vfile, sfile):
    from neuron import h
    h.load_file("stdrun.hoc")
    common_globals(h, dt, celsius)

    def mksec(name, L, diam, nseg, Ra, cm):
        s = h.Section(name=name)
        s.L = L
        s.diam = diam
        s.nseg = nseg
        s.Ra = Ra
        s.cm = cm
        return s

    def pas(sec, g, e):
        sec.insert("pas")
        for seg in sec:
            seg.pas.g = g
            seg.pas.e = e

    soma = mksec("soma", 20, 20, 1, 120, 1)
    soma.insert("hh")

    dend1 = mksec("dend1", 400, 2, 9, 150, 1.5)
    pas(dend1, 0.0002, -65)
    dend1.connect(soma(1), 0)

    dend2 = mksec("dend2", 150, 1.2, 4, 100, 1)
    pas(dend2, 0.0005, -70)
    dend2.insert("hh")
    for seg in dend2:
        seg.hh.gnabar = 0.03
        seg.hh.gkbar = 0.01
    dend2.connect(soma(0.5), 0)

    dend3 = mksec("dend3", 120, 0.8, 3, 150, 1)
    pas(dend3, 0.0002, -65)
    dend3.connect(dend1(0.6), 0)

    dend4 = mksec("dend4", 80, 0.6, 2, 150, 1)
    pas(dend4, 0.0002, -65)
    dend4.connect(dend1(1), 0)

    axon = mksec("axon", 500, 1, 21, 100, 1)
    axon.insert("hh")
    axon.connect(soma(0), 0)

    ic = iclamp(h, soma(0.5), 2, 3, 0.25)

    ns1 = h.NetStim()
    ns1.start = 5
    ns1.number = 4
    ns1.interval = 6
    ns1.noise = 0
    syn1 = h.Exp2Syn(dend1(0.8))
    syn1.tau1 = 0.5
    syn1.tau2 = 4
    syn1.e = 0
    nc1 = h.NetCon(ns1, syn1)
    nc1.weight[0] = 0.004
    nc1.delay = 2

    ns2 = h.NetStim()
    ns2.start = 12
    ns2.number = 3
    ns2.interval = 10
    ns2.noise = 0
    syn2 = h.ExpSyn(dend2(0.3))
    syn2.tau = 3
    syn2.e = -80
    nc2 = h.NetCon(ns2, syn2)
    nc2.weight[0] = 0.002
    nc2.delay = 0.5

    det = h.NetCon(axon(1.0)._ref_v, None, sec=axon)
    det.threshold = 0
    spk = h.Vector()
    det.record(spk)

    t = h.Vector().record(h._ref_t)
    cols = [
        ("soma_v", h.Vector().record(soma(0.5)._ref_v)),
        ("dend1_0.8_v", h.Vector().record(dend1(0.8)._ref_v)),
        ("dend3_0.5_v", h.Vector().record(dend3(0.5)._ref_v)),
        ("axon_1_v", h.Vector().record(axon(1.0)._ref_v)),
        ("dend2_0.3_v", h.Vector().record(dend2(0.3)._ref_v)),
    ]

    h.finitialize(-65)
    h.continuerun(tstop)
    print("final t = %r, rows = %d, dt = %r, celsius = %r" % (h.t, len(t), h.dt, h.celsius))

    write_traces(vfile, t, cols)
    rows = write_spikes(sfile, [(0, x) for x in spk])
    for g, tt in rows:
        print("spike gid=%d t=%r" % (g, tt))


def model_branched():
    model_branched_common(0.025, 6.3, 60.0, "branched_v.csv", "branched_spikes.csv")


def model_branched_dt01():
    model_branched_common(0.01, 16.0, 40.0, "branched_dt01_v.csv", "branched_dt01_spikes.csv")


# ---------------------------------------------------------------------------
# Geometry edited after placement: nseg changes move point processes and the
# spike detector to the centre of their new segment; per-segment diam and cm.
# ---------------------------------------------------------------------------

def model_geometry_edits():
    from neuron import h
    h.load_file("stdrun.hoc")
    common_globals(h, 0.025)

    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    dend = h.Section(name="dend")
    dend.L = 300
    dend.diam = 1
    dend.nseg = 3
    dend.Ra = 120
    dend.insert("pas")
    for seg in dend:
        seg.pas.g = 0.0002
        seg.pas.e = -65
    dend.connect(soma(1), 0)
    dend2 = h.Section(name="dend2")
    dend2.L = 200
    dend2.nseg = 4
    dend2.Ra = 100
    dend2.insert("pas")
    dend2.connect(soma(0), 0)

    syn = h.ExpSyn(dend(0.3))
    syn.tau = 2
    ic = iclamp(h, dend(0.1), 2, 2, 0.3)
    ns = h.NetStim()
    ns.start = 5
    ns.number = 3
    ns.interval = 8
    ns.noise = 0
    nc = h.NetCon(ns, syn)
    nc.weight[0] = 0.01
    nc.delay = 1
    det = h.NetCon(dend(0.75)._ref_v, None, sec=dend)
    det.threshold = -40
    spk = h.Vector()
    det.record(spk)

    # nseg changes after placement: 3 -> 5 (growing) -> 3 (shrinking).
    xs = [("start", syn.get_segment().x, ic.get_segment().x, det.preloc())]
    h.pop_section()
    for n in (5, 3):
        dend.nseg = n
        xs.append(("nseg %d" % n, syn.get_segment().x, ic.get_segment().x, det.preloc()))
        h.pop_section()
    # Per-segment diam and cm (no 3-D points).
    for seg in dend:
        seg.diam = 0.6 + seg.x
        seg.cm = 1 + 0.5 * seg.x
    for seg in dend2:
        seg.diam = 2.0 - 1.5 * seg.x
        seg.cm = 0.8 + seg.x

    t = h.Vector().record(h._ref_t)
    cols = [
        ("soma_v", h.Vector().record(soma(0.5)._ref_v)),
        ("dend_syn_v", h.Vector().record(dend(syn.get_segment().x)._ref_v)),
        ("dend_0.5_v", h.Vector().record(dend(0.5)._ref_v)),
        ("dend2_0.9_v", h.Vector().record(dend2(0.9)._ref_v)),
    ]
    h.finitialize(-65)
    h.continuerun(40)
    write_traces("geometry_edits_v.csv", t, cols)
    write_spikes("geometry_edits_spikes.csv", [(0, x) for x in spk])
    path = os.path.join(DATA, "geometry_edits_x.csv")
    with open(path, "w") as f:
        f.write("when,expsyn_x,iclamp_x,detector_x\n")
        for when, a, b, c in xs:
            f.write("%s,%s,%s,%s\n" % (when, fmt(a), fmt(b), fmt(c)))
    print("wrote %s" % path)
    for row in xs:
        print(row)


# ---------------------------------------------------------------------------
# NetStims without explicit stream ids: NEURON numbers NetStims in creation
# order and gives the n-th the Random123 stream (1, 0, n). Two NetStims with
# gids, then a cell with its own NetStim (recorded) driving an ExpSyn.
# ---------------------------------------------------------------------------

def model_netstim_default_streams():
    from neuron import h
    h.load_file("stdrun.hoc")
    common_globals(h, 0.025)
    pc = h.ParallelContext()
    keep = []
    stims = []
    for gid, (start, interval, number) in ((0, (2.0, 5.0, 20)), (1, (0.0, 3.0, 30))):
        ns = h.NetStim()
        ns.start = start
        ns.interval = interval
        ns.number = number
        ns.noise = 1.0
        pc.set_gid2node(gid, pc.id())
        nc = h.NetCon(ns, None)
        pc.cell(gid, nc)
        keep.append(nc)
        stims.append(ns)
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    syn = h.ExpSyn(soma(0.5))
    syn.tau = 2
    own = h.NetStim()
    own.start = 1.0
    own.interval = 8.0
    own.number = 10
    own.noise = 0.5
    nc_own = h.NetCon(own, syn)
    nc_own.weight[0] = 0.01
    nc_own.delay = 1.0
    own_spikes = h.Vector()
    recorder = h.NetCon(own, None)
    recorder.record(own_spikes)
    pc.set_gid2node(2, pc.id())
    det = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    det.threshold = 10
    pc.cell(2, det)
    for ns in stims + [own]:
        print("Random123 ids", tuple(int(x) for x in ns.ranvar.get_ids()))
    tv, iv = h.Vector(), h.Vector()
    pc.spike_record(-1, tv, iv)
    pc.set_maxstep(10)
    h.finitialize(-65)
    pc.psolve(100.0)
    write_spikes("netstim_default_streams_spikes.csv", zip(iv, tv))
    write_spikes("netstim_default_streams_own_stim.csv", [(2, t) for t in own_spikes])


# ---------------------------------------------------------------------------
# Events due at the same time at one target: a NetStim T (gid 0: spikes at
# 0, 5, 10, ...) receives start (+1) and stop (-1) events from single-spike
# NetStims, some arriving exactly when its own next spike is due.
# ---------------------------------------------------------------------------

# (name, [(gid, start) of each source in creation order],
#  [(source gid, weight, delay) of each NetCon to T in creation order])
EVENT_TIE_CASES = [
    ("one source, +1 then -1", [(1, 9.0)], [(1, 1.0, 3.0), (1, -1.0, 3.0)]),
    ("one source, -1 then +1", [(1, 9.0)], [(1, -1.0, 3.0), (1, 1.0, 3.0)]),
    ("start sent at 8, stop at 9", [(1, 8.0), (2, 9.0)], [(1, 1.0, 4.0), (2, -1.0, 3.0)]),
    ("stop sent at 8, start at 9", [(1, 9.0), (2, 8.0)], [(1, 1.0, 3.0), (2, -1.0, 4.0)]),
    ("start and stop sent at 9", [(1, 9.0), (2, 9.0)], [(1, 1.0, 3.0), (2, -1.0, 3.0)]),
    ("stop and start sent at 9", [(1, 9.0), (2, 9.0)], [(2, -1.0, 3.0), (1, 1.0, 3.0)]),
    ("start sent at 3, stop at 7, T due at 10", [(1, 3.0), (2, 7.0)], [(1, 1.0, 7.0), (2, -1.0, 3.0)]),
    ("stop sent at 3, start at 7, T due at 10", [(1, 7.0), (2, 3.0)], [(1, 1.0, 3.0), (2, -1.0, 7.0)]),
    ("stop sent at 7 arrives when T is due", [(1, 7.0)], [(1, -1.0, 3.0)]),
]
EVENT_TIE_TSTOP = 22.2


def model_event_ties():
    from neuron import h
    h.load_file("stdrun.hoc")
    common_globals(h, 0.025)
    pc = h.ParallelContext()
    rows = []
    for case, (name, sources, netcons) in enumerate(EVENT_TIE_CASES):
        pc.gid_clear()
        keep = []
        target = h.NetStim()
        target.start = 0
        target.interval = 5
        target.number = 1e9
        target.noise = 0
        pc.set_gid2node(0, pc.id())
        nc = h.NetCon(target, None)
        pc.cell(0, nc)
        keep += [target, nc]
        for gid, start in sources:
            ns = h.NetStim()
            ns.start = start
            ns.number = 1
            ns.noise = 0
            pc.set_gid2node(gid, pc.id())
            nc = h.NetCon(ns, None)
            pc.cell(gid, nc)
            keep += [ns, nc]
        for gid, weight, delay in netcons:
            nc = pc.gid_connect(gid, target)
            nc.weight[0] = weight
            nc.delay = delay
            keep.append(nc)
        tv, iv = h.Vector(), h.Vector()
        pc.spike_record(0, tv, iv)
        pc.set_maxstep(10)
        h.finitialize(-65)
        pc.psolve(EVENT_TIE_TSTOP)
        print("%-45s T spikes %s" % (name, list(tv)))
        rows += [(case, t) for t in tv]
        del keep
    pc.gid_clear()
    path = os.path.join(DATA, "event_ties_spikes.csv")
    with open(path, "w") as f:
        f.write("case,t_ms\n")
        for case, t in rows:
            f.write("%d,%s\n" % (case, fmt(t)))
    print("wrote %s" % path)


# ---------------------------------------------------------------------------
# Sections connected by their 1 end (child.connect(parent(x), 1)): a dendrite
# and a tapered 3-D axon, children on the reversed dendrite, an nseg change
# after placement, per-segment diam; optionally h.define_shape().
# ---------------------------------------------------------------------------

def model_reversed_common(shape, prefix):
    from neuron import h
    h.load_file("stdrun.hoc")
    common_globals(h, 0.025)
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    dend = h.Section(name="dend")
    dend.L = 300
    dend.diam = 1
    dend.nseg = 1
    dend.Ra = 120
    dend.insert("pas")
    for seg in dend:
        seg.pas.g = 0.0002
        seg.pas.e = -65
    dend.connect(soma(1), 1)
    syn = h.ExpSyn(dend(0.3))
    syn.tau = 2
    ic = iclamp(h, dend(0.1), 2, 2, 0.2)
    xs = [("nseg 1", syn.get_segment().x, ic.get_segment().x)]
    for n in (2, 5):
        dend.nseg = n
        xs.append(("nseg %d" % n, syn.get_segment().x, ic.get_segment().x))
    for seg in dend:
        seg.diam = 0.8 + seg.x
    tuft = h.Section(name="tuft")
    tuft.L = 100
    tuft.diam = 0.7
    tuft.nseg = 3
    tuft.insert("pas")
    tuft.connect(dend(0.2), 0)
    tip = h.Section(name="tip")
    tip.L = 50
    tip.diam = 0.5
    tip.nseg = 2
    tip.insert("pas")
    tip.connect(dend(0), 0)
    axon = h.Section(name="axon")
    axon.nseg = 7
    axon.Ra = 100
    axon.insert("hh")
    for k in range(5):
        axon.pt3dadd(0, -10 - 50 * k, 0, 4.0 - 0.75 * k)
    axon.connect(soma(0), 1)
    if shape:
        h.define_shape()
    ns = h.NetStim()
    ns.start = 5
    ns.number = 2
    ns.interval = 10
    ns.noise = 0
    nc = h.NetCon(ns, syn)
    nc.weight[0] = 0.02
    nc.delay = 1
    det = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    det.threshold = 0
    spk = h.Vector()
    det.record(spk)
    t = h.Vector().record(h._ref_t)
    cols = [
        ("soma_v", h.Vector().record(soma(0.5)._ref_v)),
        ("dend_0.1_v", h.Vector().record(dend(0.1)._ref_v)),
        ("dend_0.9_v", h.Vector().record(dend(0.9)._ref_v)),
        ("tuft_0.5_v", h.Vector().record(tuft(0.5)._ref_v)),
        ("tip_1_v", h.Vector().record(tip(1)._ref_v)),
        ("axon_0.2_v", h.Vector().record(axon(0.2)._ref_v)),
    ]
    h.finitialize(-65)
    h.continuerun(30)
    write_traces(prefix + "_v.csv", t, cols)
    write_spikes(prefix + "_spikes.csv", [(0, x) for x in spk])
    path = os.path.join(DATA, prefix + "_geometry.csv")
    with open(path, "w") as f:
        f.write("section,x,area_um2,ri_megohm\n")
        for sec in (dend, axon, tuft):
            for seg in sec:
                f.write("%s,%s,%s,%s\n" % (sec.name(), fmt(seg.x), fmt(seg.area()), fmt(seg.ri())))
    print("wrote %s" % path)
    if not shape:
        path = os.path.join(DATA, prefix + "_x.csv")
        with open(path, "w") as f:
            f.write("when,expsyn_x,iclamp_x\n")
            for when, a, b in xs:
                f.write("%s,%s,%s\n" % (when, fmt(a), fmt(b)))
        print("wrote %s" % path, xs)


def model_reversed():
    model_reversed_common(False, "reversed")


def model_reversed_shape():
    model_reversed_common(True, "reversed_shape")


# ---------------------------------------------------------------------------
# A user's mechanism: examples/user-mechanisms/mod/ka.mod compiled with
# nrnivmodl, in a soma with hh and a current step.
# ---------------------------------------------------------------------------

def model_user_ka():
    import shutil
    build = load_mechanisms([os.path.join(USER_MODS, name) for name in ("ka.mod", "vtrace.mod")])
    from neuron import h
    common_globals(h, 0.025, tables=True)  # NEURON's defaults, as a user runs it
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    soma.insert("ka")
    soma.insert("vtrace")
    for seg in soma:
        seg.ka.gbar = 0.05
    ic = iclamp(h, soma(0.5), 5, 90, 0.2)
    det = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    det.threshold = 0
    spk = h.Vector()
    det.record(spk)
    t = h.Vector().record(h._ref_t)
    cols = [("v_mV", h.Vector().record(soma(0.5)._ref_v)), ("ka_b", h.Vector().record(soma(0.5).ka._ref_b)),
            ("vtrace_u", h.Vector().record(soma(0.5).vtrace._ref_u))]
    h.finitialize(-65)
    h.continuerun(100)
    write_traces("user_ka_v.csv", t, cols)
    write_spikes("user_ka_spikes.csv", [(0, x) for x in spk])
    shutil.rmtree(build)


# ---------------------------------------------------------------------------
# Users' mechanisms with NEURON 9's RANDOM: examples/user-mechanisms/mod/
# ounoise.mod (an Ornstein-Uhlenbeck current) and draws.mod (one number of
# every random distribution per step), compiled with nrnivmodl.
# ---------------------------------------------------------------------------

def model_user_noise():
    import shutil
    build = load_mechanisms([os.path.join(USER_MODS, name) for name in ("ounoise.mod", "draws.mod")])
    from neuron import h
    common_globals(h, 0.025, tables=True)
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    # Streams are numbered in creation order: the noise with default ids
    # first, (1, 0, 1), then the one with stream 7, (1, 0, 2) until its
    # INITIAL sets (2, 0, 7), then the two segments of draws.
    free = h.OUNoise(soma(0.5))
    free.sigma = 0.1
    free.tau = 3
    free.mean = 0.05
    seeded = h.OUNoise(soma(0.5))
    seeded.stream = 7
    seeded.sigma = 0.08
    seeded.tau = 1
    dend = h.Section(name="dend")
    dend.L = 100
    dend.diam = 2
    dend.nseg = 2
    dend.connect(soma(1))
    dend.insert("pas")
    dend.insert("draws")
    dend(0.75).draws.id3 = 6
    det = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    det.threshold = 0
    spk = h.Vector()
    det.record(spk)
    t = h.Vector().record(h._ref_t)
    cols = [("v_mV", h.Vector().record(soma(0.5)._ref_v)),
            ("free_x", h.Vector().record(free._ref_x)),
            ("seeded_x", h.Vector().record(seeded._ref_x))]
    draws = []
    for x in (0.25, 0.75):
        for name in ("uniform", "between", "negexp", "negexp_mean", "normal", "normal_with", "ipick", "dpick"):
            draws.append(("draws%g_%s" % (x, name), h.Vector().record(getattr(dend(x).draws, "_ref_" + name))))
    h.finitialize(-65)
    h.continuerun(60)
    write_traces("user_noise.csv", t, cols)
    # The draws of the first 100 steps (and finitialize) are plenty.
    first = 101
    write_traces("user_noise_draws.csv", t.c(0, first - 1), [(n, v.c(0, first - 1)) for n, v in draws])
    write_spikes("user_noise_spikes.csv", [(0, x) for x in spk])
    shutil.rmtree(build)


# ---------------------------------------------------------------------------
# A coupled, nonlinear derivimplicit block: examples/user-mechanisms/mod/
# cabuf.mod (calcium with a buffer, writing cai) fed by cal.mod (a calcium
# current reading eca), compiled with nrnivmodl.
# ---------------------------------------------------------------------------

def model_user_calcium():
    import shutil
    build = load_mechanisms([os.path.join(USER_MODS, name) for name in ("cal.mod", "cabuf.mod")])
    from neuron import h
    common_globals(h, 0.025, tables=True)
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    soma.insert("cal")
    soma.insert("cabuf")
    ic = iclamp(h, soma(0.5), 5, 40, 0.3)
    det = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    det.threshold = 0
    spk = h.Vector()
    det.record(spk)
    t = h.Vector().record(h._ref_t)
    seg = soma(0.5)
    cols = [("v_mV", h.Vector().record(seg._ref_v)), ("cal_m", h.Vector().record(seg.cal._ref_m)),
            ("cai_mM", h.Vector().record(seg._ref_cai)), ("cabuf_cab", h.Vector().record(seg.cabuf._ref_cab)),
            ("eca_mV", h.Vector().record(seg._ref_eca)), ("ica", h.Vector().record(seg._ref_ica))]
    h.finitialize(-65)
    h.continuerun(60)
    write_traces("user_calcium.csv", t, cols)
    write_spikes("user_calcium_spikes.csv", [(0, x) for x in spk])
    shutil.rmtree(build)


# ---------------------------------------------------------------------------
# An artificial cell of a user's catalogue in a network: examples/
# user-mechanisms/mod/driftfire.mod (net_move, set_seed, normrand, exprand)
# driven by a NetStim and driving an ExpSyn on a soma with hh.
# ---------------------------------------------------------------------------

def model_user_artificial():
    import shutil
    build = load_mechanisms([os.path.join(USER_MODS, name) for name in ("driftfire.mod", "vbefore.mod")])
    from neuron import h
    common_globals(h, 0.025, tables=True)
    pc = h.ParallelContext()
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    soma.insert("vbefore")
    syn = h.ExpSyn(soma(0.5))
    syn.tau = 2
    pc.set_gid2node(0, 0)
    pc.cell(0, h.NetCon(soma(0.5)._ref_v, None, sec=soma))
    ns = h.NetStim()
    ns.start, ns.interval, ns.number = 3, 4, 15
    pc.set_gid2node(1, 0)
    pc.cell(1, h.NetCon(ns, None))
    cell = h.DriftFire()
    cell.seed = 11
    pc.set_gid2node(2, 0)
    pc.cell(2, h.NetCon(cell, None))
    to_cell = pc.gid_connect(1, cell)
    to_cell.weight[0] = 0.35
    to_cell.delay = 1
    to_soma = pc.gid_connect(2, syn)
    to_soma.weight[0] = 0.02
    to_soma.delay = 2
    spikes_t, spikes_gid = h.Vector(), h.Vector()
    pc.spike_record(-1, spikes_t, spikes_gid)
    t = h.Vector().record(h._ref_t)
    cols = [("v_mV", h.Vector().record(soma(0.5)._ref_v)), ("level", h.Vector().record(cell._ref_level)),
            ("since_ms", h.Vector().record(cell._ref_since)),
            ("calls", h.Vector().record(soma(0.5).vbefore._ref_calls)),
            ("vstep_mV", h.Vector().record(soma(0.5).vbefore._ref_vstep))]
    pc.set_maxstep(10)
    h.finitialize(-65)
    pc.psolve(100)
    write_traces("user_artificial.csv", t, cols)
    write_spikes("user_artificial_spikes.csv", [(int(g), x) for g, x in zip(spikes_gid, spikes_t) if g != 1])
    shutil.rmtree(build)


# ---------------------------------------------------------------------------
# POINTERs to ion variables and to other mechanisms' variables: vcopy.mod
# reading cai, hh's m and an ExpSyn's g; hclamp.mod writing hh's h.
# ---------------------------------------------------------------------------

def model_user_pointers():
    import shutil
    names = ("cal.mod", "cabuf.mod", "vcopy.mod", "hclamp.mod")
    build = load_mechanisms([os.path.join(USER_MODS, name) for name in names])
    from neuron import h
    common_globals(h, 0.025, tables=True)
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    for mech in ("hh", "cal", "cabuf", "hclamp"):
        soma.insert(mech)
    seg = soma(0.5)
    seg.hclamp.value = 0.45
    h.setpointer(seg._ref_h_hh, "target", seg.hclamp)
    ic = iclamp(h, seg, 5, 40, 0.3)
    syn = h.ExpSyn(seg)
    ns = h.NetStim()
    ns.start, ns.interval, ns.number = 8, 10, 4
    nc = h.NetCon(ns, syn)
    nc.weight[0] = 0.005
    nc.delay = 1
    dend = h.Section(name="dend")
    dend.L = 100
    dend.diam = 2
    dend.nseg = 3
    dend.connect(soma(1))
    dend.insert("pas")
    dend.insert("vcopy")
    h.setpointer(seg._ref_cai, "vref", dend(1 / 6).vcopy)
    h.setpointer(seg._ref_m_hh, "vref", dend(0.5).vcopy)
    h.setpointer(syn._ref_g, "vref", dend(5 / 6).vcopy)
    t = h.Vector().record(h._ref_t)
    cols = [("v_mV", h.Vector().record(seg._ref_v)), ("hh_h", h.Vector().record(seg._ref_h_hh))]
    for x, what in ((1 / 6, "cai_mM"), (0.5, "hh_m"), (5 / 6, "syn_g_uS")):
        cols.append(("seen_" + what, h.Vector().record(dend(x).vcopy._ref_seen)))
    h.finitialize(-65)
    h.continuerun(60)
    write_traces("user_pointers.csv", t, cols)
    shutil.rmtree(build)


# ---------------------------------------------------------------------------
# FUNCTION_TABLE: examples/user-mechanisms/mod/ftk.mod, whose steady state,
# time constant and temperature factor are tables set from here (the same
# tables as FTK_* in examples/user-mechanisms/src/main.rs).
# ---------------------------------------------------------------------------

FTK_NINF_V = [-100.0, -80.0, -65.0, -55.0, -40.0, -20.0, 10.0]
FTK_NINF = [0.0, 0.01, 0.08, 0.2, 0.5, 0.85, 1.0]
# ntau on a 9 x 3 grid: v from -100 to 60 mV, celsius from 6.3 to 36 degC.
FTK_NTAU = [(6.0 - 0.4 * i) / (1.0 + 0.6 * j) for i in range(9) for j in range(3)]


def model_user_ftable():
    import shutil
    build = load_mechanisms([os.path.join(USER_MODS, "ftk.mod")])
    from neuron import h
    common_globals(h, 0.025, celsius=16.0, tables=True)
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    soma.insert("ftk")
    seg = soma(0.5)
    h.table_ninf_ftk(h.Vector(FTK_NINF), h.Vector(FTK_NINF_V))
    ntau = h.Vector(FTK_NTAU)
    h.table_ntau_ftk(ntau._ref_x[0], 9, -100.0, 60.0, 3, 6.3, 36.0)
    h.table_qfac_ftk(2.0)
    ic = iclamp(h, seg, 5, 40, 0.3)
    t = h.Vector().record(h._ref_t)
    cols = [("v_mV", h.Vector().record(seg._ref_v)), ("ftk_n", h.Vector().record(seg._ref_n_ftk))]
    h.finitialize(-65)
    h.continuerun(60)
    write_traces("user_ftable.csv", t, cols)
    del ntau
    shutil.rmtree(build)


# ---------------------------------------------------------------------------
# NumPy's legacy RandomState, which hnn-core draws its drives from: a few
# seeds and every method neurite reproduces (src/numpy_random.rs), in an
# order that exercises the kept second value of the normal pairs.
# ---------------------------------------------------------------------------

NUMPY_SEEDS = [0, 1, 2, 1234, 4294967295]


def model_numpy_legacy():
    import numpy as np
    rows = []
    for seed in NUMPY_SEEDS:
        prng = np.random.RandomState(seed)
        draws = [("random_sample", v) for v in prng.random_sample(3)]
        draws += [("normal(10;2.5)", v) for v in prng.normal(10.0, 2.5, 5)]
        draws += [("random_sample", prng.random_sample())]
        draws += [("normal(-3;0.5)", prng.normal(-3.0, 0.5))]
        draws += [("exponential(0.05)", v) for v in prng.exponential(0.05, 4)]
        draws += [("uniform(-1;3)", v) for v in prng.uniform(-1.0, 3.0, 3)]
        draws += [("normal(0;1)", v) for v in prng.normal(0.0, 1.0, 1500)][-3:]
        draws += [("random_sample", prng.random_sample())]
        rows += [(seed, k, name, value) for k, (name, value) in enumerate(draws)]
    path = os.path.join(DATA, "numpy_legacy.csv")
    with open(path, "w") as f:
        f.write("seed,draw,method,value\n")
        for seed, k, name, value in rows:
            f.write("%d,%d,%s,%r\n" % (seed, k, name, float(value)))
    print("wrote %s (%d rows)" % (path, len(rows)))


# ---------------------------------------------------------------------------
# hnn-core's drive event times (its own drives.py, from the PyPI sdist; its
# package __init__ needs scipy and more, so the module is loaded alone with
# a stand-in for the one import it does not use here).
# ---------------------------------------------------------------------------

HNN_DRIVE_CASES = [
    # (name, drive type, dynamics, tstop, event_seed, trial_seed_offset, trials, gids)
    ("evoked", "evoked", {"mu": 26.61, "sigma": 2.47, "numspikes": 1}, 170.0, 2, 1, 3, [270, 271, 300, 369]),
    ("evoked3", "evoked", {"mu": 63.53, "sigma": 3.85, "numspikes": 3}, 170.0, 4, 2, 2, [370, 400]),
    ("poisson", "poisson", {"tstart": 0.0, "tstop": 170.0, "rate_constant": 40.0}, 170.0, 7, 1, 2, [500, 501, 777]),
    ("poisson_late", "poisson", {"tstart": 50.0, "tstop": 120.0, "rate_constant": 85.5}, 100.0, 11, 3, 1, [0, 5]),
    ("bursty", "bursty", {"tstart": 10.0, "tstart_std": 2.5, "tstop": 160.0, "burst_rate": 10.0,
                          "burst_std": 20.0, "numspikes": 2, "spike_isi": 10.0}, 170.0, 3, 1, 2, [900, 901]),
    ("bursty3", "bursty", {"tstart": 0.5, "tstart_std": 0.0, "tstop": 200.0, "burst_rate": 7.3,
                           "burst_std": 4.0, "numspikes": 3, "spike_isi": 5.5}, 170.0, 13, 2, 1, [42]),
]


def hnn_core_module(name):
    """hnn_core/<name>.py of hnn-core 0.6.1's sdist (downloaded once into the
    user's cache), loaded as a module on its own."""
    import importlib.util
    import tarfile
    import types
    hnn_mod_dir()  # downloads the sdist
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
                         "neurite", "hnn-core-0.6.1")
    path = os.path.join(cache, "hnn_core-0.6.1", "hnn_core", name + ".py")
    if not os.path.exists(path):
        with tarfile.open(os.path.join(cache, "hnn_core-0.6.1.tar.gz")) as t:
            t.extractall(cache, members=[t.getmember("hnn_core-0.6.1/hnn_core/%s.py" % name)], filter="data")
    package = types.ModuleType("hnn_core")
    package.__path__ = []
    params = types.ModuleType("hnn_core.params")
    params._extract_bias_specs_from_hnn_params = params._extract_drive_specs_from_hnn_params = None
    sys.modules.setdefault("hnn_core", package)
    sys.modules.setdefault("hnn_core.params", params)
    spec = importlib.util.spec_from_file_location("hnn_core." + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def model_hnn_drives():
    drives = hnn_core_module("drives")
    path = os.path.join(DATA, "hnn_drive_events.csv")
    rows = 0
    with open(path, "w") as f:
        f.write("case,trial,gid,t_ms\n")
        for name, kind, dynamics, tstop, seed, offset, trials, gids in HNN_DRIVE_CASES:
            for trial in range(trials):
                for gid in gids:
                    times = drives._drive_cell_event_times(kind, dynamics, tstop, trial_idx=trial,
                                                           drive_cell_gid=gid, event_seed=seed,
                                                           trial_seed_offset=offset)
                    for t in times:
                        f.write("%s,%d,%d,%r\n" % (name, trial, gid, float(t)))
                        rows += 1
    print("wrote %s (%d rows)" % (path, rows))


# ---------------------------------------------------------------------------
# WATCH events dropped when NET_RECEIVE arms WATCHes afresh: examples/
# user-mechanisms/mod/watch2.mod on a spiking soma.
# ---------------------------------------------------------------------------

def model_user_watch():
    import shutil
    build = load_mechanisms([os.path.join(USER_MODS, "watch2.mod")])
    from neuron import h
    common_globals(h, 0.025, tables=True)
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    seg = soma(0.5)
    watch = h.Watch2(seg)
    ic = iclamp(h, seg, 5, 50, 0.3)
    t = h.Vector().record(h._ref_t)
    cols = [("v_mV", h.Vector().record(seg._ref_v))]
    for name in ("low", "high", "rearmed"):
        cols.append((name, h.Vector().record(getattr(watch, "_ref_" + name))))
    h.finitialize(-65)
    h.continuerun(60)
    write_traces("user_watch.csv", t, cols)
    shutil.rmtree(build)


# ---------------------------------------------------------------------------
# NetCon weight vectors and NET_RECEIVE's INITIAL block: examples/
# user-mechanisms/mod/tmsyn.mod (short-term plasticity kept per NetCon),
# driven by two NetStims through two NetCons, compiled with nrnivmodl.
# ---------------------------------------------------------------------------

def model_user_tmsyn():
    import shutil
    build = load_mechanisms([os.path.join(USER_MODS, name) for name in ("tmsyn.mod",)])
    from neuron import h
    common_globals(h, 0.025, tables=True)
    pc = h.ParallelContext()
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("hh")
    syn = h.TMSyn(soma(0.5))
    syn.tau_facil = 100
    pc.set_gid2node(0, 0)
    pc.cell(0, h.NetCon(soma(0.5)._ref_v, None, sec=soma))
    stims, ncs = [], []
    for gid, (start, interval, number, weight) in ((1, (5, 5, 12, 0.02)), (2, (8, 7, 10, 0.015))):
        ns = h.NetStim()
        ns.start = start
        ns.interval = interval
        ns.number = number
        pc.set_gid2node(gid, 0)
        pc.cell(gid, h.NetCon(ns, None))
        nc = pc.gid_connect(gid, syn)
        nc.weight[0] = weight
        nc.delay = 1
        stims.append(ns)
        ncs.append(nc)
    spikes_t, spikes_gid = h.Vector(), h.Vector()
    pc.spike_record(0, spikes_t, spikes_gid)
    t = h.Vector().record(h._ref_t)
    cols = [("v_mV", h.Vector().record(soma(0.5)._ref_v)), ("g_uS", h.Vector().record(syn._ref_g))]
    pc.set_maxstep(10)
    h.finitialize(-65)
    pc.psolve(100)
    write_traces("user_tmsyn.csv", t, cols)
    write_spikes("user_tmsyn_spikes.csv", [(0, x) for x in spikes_t])
    with open(os.path.join(DATA, "user_tmsyn_weights.csv"), "w") as f:
        f.write("netcon,weight,R,u,tlast_ms\n")
        for k, nc in enumerate(ncs):
            f.write("%d,%s\n" % (k, ",".join(fmt(nc.weight[j]) for j in range(4))))
    shutil.rmtree(build)


# ---------------------------------------------------------------------------
# Ion values set by the user: per-section and per-segment reversal
# potentials read by hh (NEURON's `sec.ek = ...`, `sec(x).ena = ...`).
# ---------------------------------------------------------------------------

def model_ion_settings():
    from neuron import h
    h.load_file("stdrun.hoc")
    common_globals(h, 0.025)
    cable = h.Section(name="cable")
    cable.L = 300
    cable.diam = 2
    cable.nseg = 3
    cable.insert("hh")
    cable.ek = -90
    cable(0.5).ena = 40
    cable(0.9).ena = 60
    ic = iclamp(h, cable(0.1), 2, 20, 0.3)
    t = h.Vector().record(h._ref_t)
    cols = [("v_%g" % x, h.Vector().record(cable(x)._ref_v)) for x in (0.1, 0.5, 0.9)]
    cols += [("ina_0.5", h.Vector().record(cable(0.5)._ref_ina)), ("ik_0.9", h.Vector().record(cable(0.9)._ref_ik))]
    h.finitialize(-65)
    h.continuerun(30)
    write_traces("ion_settings_v.csv", t, cols)


# ---------------------------------------------------------------------------
# hnn-core 0.6.1's channels (fetched from PyPI at run time, never committed),
# each in a soma with pas, driven by current steps that move every state:
# NEURON's default tables on. Channels and conductances: HNN_CHANNELS.
# ---------------------------------------------------------------------------

HNN_CHANNELS = [("hh2", "gnabar", 0.12), ("km", "gbar", 200.0), ("ar", "gbar", 1e-3), ("cat", "gbar", 2e-3)]


def hnn_mod_dir():
    """hnn-core 0.6.1's mod directory, downloaded once into the user's cache."""
    import tarfile
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
                         "neurite", "hnn-core-0.6.1")
    mod = os.path.join(cache, "hnn_core-0.6.1", "hnn_core", "mod")
    if not os.path.isdir(mod):
        os.makedirs(cache, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", cache, "hnn-core==0.6.1"],
                       check=True)
        with tarfile.open(os.path.join(cache, "hnn_core-0.6.1.tar.gz")) as t:
            members = [m for m in t.getmembers() if "/hnn_core/mod/" in m.name and m.name.endswith(".mod")]
            t.extractall(cache, members=members, filter="data")
    return mod


def load_mechanisms(paths):
    """Compiles the .mod files `paths` with nrnivmodl in a fresh directory and
    loads them (and stdrun.hoc) into NEURON; returns the build directory (to
    remove afterwards)."""
    import shutil
    import tempfile
    build = tempfile.mkdtemp(prefix="neurite-mod-")
    for path in paths:
        shutil.copy(path, build)
    nrnivmodl = os.path.join(os.path.dirname(sys.executable), "nrnivmodl")
    subprocess.run([nrnivmodl], cwd=build, check=True, stdout=subprocess.DEVNULL)
    from neuron import h
    h.nrn_load_dll(os.path.join(build, "x86_64", "libnrnmech.so"))
    h.load_file("stdrun.hoc")
    return build


# The example crate's own mechanisms (examples/user-mechanisms/mod).
USER_MODS = os.path.join(ROOT, "examples", "user-mechanisms", "mod")


def load_hnn_mechanisms(channels):
    """Compiles hnn-core's `channels` with nrnivmodl and loads them; returns
    the build directory (to remove afterwards)."""
    build = load_mechanisms([os.path.join(hnn_mod_dir(), channel + ".mod") for channel in channels])
    from neuron import h
    h.dt = 0.025
    h.celsius = 37
    return build


def hnn_soma(h):
    soma = h.Section(name="soma")
    soma.L = soma.diam = 20
    soma.insert("pas")
    for seg in soma:
        seg.pas.g = 1e-4
        seg.pas.e = -65
    return soma


def hnn_steps(h, sec, amps):
    steps = []
    for delay, amp in amps:
        ic = iclamp(h, sec(0.5), delay, 15, amp)
        steps.append(ic)
    return steps


def model_hnn_channel(channel):
    """One channel in a soma with pas, current steps; NEURON's default
    tables (hnn_<channel>_v.csv) and usetable_<channel> = 0
    (hnn_<channel>_exact_v.csv)."""
    import shutil
    build = load_hnn_mechanisms([channel])
    from neuron import h
    for name, parameter, value in HNN_CHANNELS:
        if name != channel:
            continue
        for usetable, suffix in ((1, ""), (0, "_exact")):
            setattr(h, "usetable_" + name, usetable)
            soma = hnn_soma(h)
            soma.insert(name)
            setattr(soma(0.5), parameter + "_" + name, value)
            steps = hnn_steps(h, soma, ((5, 0.3), (30, -0.2)))
            states = {"hh2": ["m", "h", "n"], "km": ["n"], "ar": ["m"], "cat": ["m", "h"]}[name]
            t = h.Vector().record(h._ref_t)
            mech = getattr(soma(0.5), name)
            cols = [("v_mV", h.Vector().record(soma(0.5)._ref_v))]
            cols += [(st, h.Vector().record(getattr(mech, "_ref_" + st))) for st in states]
            h.finitialize(-65)
            h.continuerun(60)
            write_traces("hnn_%s%s_v.csv" % (name, suffix), t, cols)
            del steps, soma, t, cols, mech
    shutil.rmtree(build)


def model_hnn_calcium():
    """hnn-core's calcium set: a soma with pas, hh2, ca, cad (writes cai) and
    kca, and a dendrite with pas, ca and kca but no cad (there eca is a
    Nernst value from the default concentrations, computed once), spiking
    under current steps; tables on (hnn_calcium_tables.csv) and off
    (hnn_calcium_exact.csv)."""
    import shutil
    build = load_hnn_mechanisms(["hh2", "ca", "cad", "kca"])
    from neuron import h
    for usetable, fname in ((1, "hnn_calcium_tables.csv"), (0, "hnn_calcium_exact.csv")):
        h.usetable_hh2 = usetable
        h.usetable_ca = usetable
        soma = hnn_soma(h)
        for mech in ("hh2", "ca", "cad", "kca"):
            soma.insert(mech)
        for seg in soma:
            seg.ca.gbar = 60
            seg.cad.taur = 20
            seg.kca.gbar = 10
        dend = h.Section(name="dend")
        dend.L = 200
        dend.diam = 2
        dend.nseg = 3
        dend.connect(soma(1))
        for mech in ("pas", "ca", "kca"):
            dend.insert(mech)
        for seg in dend:
            seg.pas.g = 1e-4
            seg.pas.e = -65
            seg.ca.gbar = 20
        steps = hnn_steps(h, soma, ((5, 0.5), (30, -0.2)))
        t = h.Vector().record(h._ref_t)
        s, d = soma(0.5), dend(0.5)
        cols = [("soma_v", h.Vector().record(s._ref_v)), ("dend_v", h.Vector().record(d._ref_v))]
        cols += [("soma_ca_m", h.Vector().record(s.ca._ref_m)), ("soma_ca_h", h.Vector().record(s.ca._ref_h)),
                 ("soma_cad_ca", h.Vector().record(s.cad._ref_ca)), ("soma_kca_n", h.Vector().record(s.kca._ref_n)),
                 ("soma_hh2_m", h.Vector().record(s.hh2._ref_m)),
                 ("soma_cai", h.Vector().record(s._ref_cai)), ("soma_eca", h.Vector().record(s._ref_eca)),
                 ("soma_ica", h.Vector().record(s._ref_ica)),
                 ("dend_ca_m", h.Vector().record(d.ca._ref_m)), ("dend_kca_n", h.Vector().record(d.kca._ref_n)),
                 ("dend_eca", h.Vector().record(d._ref_eca)), ("dend_ica", h.Vector().record(d._ref_ica))]
        h.finitialize(-65)
        h.continuerun(60)
        write_traces(fname, t, cols)
        del steps, soma, dend, t, cols, s, d
    shutil.rmtree(build)


# ---------------------------------------------------------------------------
# Explicit 3-D point cell
# ---------------------------------------------------------------------------

def model_pt3d():
    from neuron import h
    h.load_file("stdrun.hoc")
    common_globals(h, 0.025)

    soma = h.Section(name="soma")
    soma.pt3dclear()
    for p in [(0, 0, 0, 18), (7, 0, 0, 20), (15, 0, 0, 16)]:
        soma.pt3dadd(*p)
    soma.nseg = 1
    soma.Ra = 110
    soma.cm = 1
    soma.insert("hh")

    dend = h.Section(name="dend")
    dend.connect(soma(1), 0)
    dend.pt3dclear()
    for p in [(15, 0, 0, 3), (40, 10, 0, 2.5), (90, 12, 5, 2.0), (160, 30, 5, 1.6), (200, 35, 8, 1.0)]:
        dend.pt3dadd(*p)
    dend.nseg = 5
    dend.Ra = 140
    dend.cm = 1.2
    dend.insert("pas")
    for seg in dend:
        seg.pas.g = 0.0003
        seg.pas.e = -65

    dend2 = h.Section(name="dend2")
    dend2.connect(soma(0), 0)
    dend2.L = 100
    dend2.diam = 1.5
    dend2.nseg = 3
    dend2.Ra = 100
    dend2.cm = 1
    dend2.insert("pas")
    for seg in dend2:
        seg.pas.g = 0.0003
        seg.pas.e = -65

    h.define_shape()

    ic = iclamp(h, soma(0.5), 1, 2, 0.4)

    syn = h.ExpSyn(dend(0.7))
    syn.tau = 2
    syn.e = 0
    ns = h.NetStim()
    ns.start = 20
    ns.number = 2
    ns.interval = 10
    nc = h.NetCon(ns, syn)
    nc.weight[0] = 0.01
    nc.delay = 1

    det = h.NetCon(soma(0.5)._ref_v, None, sec=soma)
    det.threshold = 10
    spk = h.Vector()
    det.record(spk)

    t = h.Vector().record(h._ref_t)
    cols = [
        ("soma_v", h.Vector().record(soma(0.5)._ref_v)),
        ("dend_0.7_v", h.Vector().record(dend(0.7)._ref_v)),
        ("dend2_1_v", h.Vector().record(dend2(1.0)._ref_v)),
    ]

    def geometry():
        out = []
        for sec in (soma, dend, dend2):
            out.append(("L", sec.name(), sec.L, sec.nseg,
                        [(sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i), sec.arc3d(i))
                         for i in range(sec.n3d())]))
            for seg in sec:
                out.append(("seg", sec.name(), seg.x, seg.area(), seg.ri(), seg.diam))
        return out

    geom_before = geometry()
    h.finitialize(-65)
    h.continuerun(50.0)
    geom_after = geometry()
    assert geom_before == geom_after, "geometry changed during run"
    print("final t = %r, rows = %d" % (h.t, len(t)))

    path = os.path.join(DATA, "pt3d_geometry.csv")
    with open(path, "w") as f:
        f.write("section,x,area_um2,ri_megohm,diam_um\n")
        for rec in geom_before:
            if rec[0] == "L":
                _, name, L, nseg, pts = rec
                print("section %s L=%r nseg=%d" % (name, L, nseg))
                for p in pts:
                    print("  pt3d x=%r y=%r z=%r diam=%r arc=%r" % p)
            else:
                _, name, x, area, ri, diam = rec
                print("  seg %s x=%r area=%r ri=%r diam=%r" % (name, x, area, ri, diam))
                f.write("%s,%s,%s,%s,%s\n" % (name, fmt(x), fmt(area), fmt(ri), fmt(diam)))
    print("wrote %s" % path)

    write_traces("pt3d_v.csv", t, cols)
    rows = write_spikes("pt3d_spikes.csv", [(0, x) for x in spk])
    for g, tt in rows:
        print("spike gid=%d t=%r" % (g, tt))


# ---------------------------------------------------------------------------
# Noisy NetStims
# ---------------------------------------------------------------------------

def model_netstim_noise():
    from neuron import h
    h.load_file("stdrun.hoc")
    common_globals(h, 0.025)

    ids_at_creation = []
    a = h.NetStim()
    ids_at_creation.append(list(a.ranvar.get_ids()))
    a.start = 5
    a.interval = 4
    a.number = 50
    a.noise = 0.5
    a.noiseFromRandom123(1, 2, 3)

    b = h.NetStim()
    ids_at_creation.append(list(b.ranvar.get_ids()))
    b.start = 0
    b.interval = 2
    b.number = 30
    b.noise = 1.0
    b.noiseFromRandom123(7, 0, 0)

    c = h.NetStim()
    ids_at_creation.append(list(c.ranvar.get_ids()))
    c.start = 10
    c.interval = 5
    c.number = 20
    c.noise = 0.3

    stims = [a, b, c]
    vecs = []
    ncs = []
    for ns in stims:
        v = h.Vector()
        nc = h.NetCon(ns, None)
        nc.record(v)
        vecs.append(v)
        ncs.append(nc)

    ids_before_run = [(list(ns.ranvar.get_ids()), ns.ranvar.get_seq()) for ns in stims]
    h.finitialize(-65)
    ids_after_init = [(list(ns.ranvar.get_ids()), ns.ranvar.get_seq()) for ns in stims]
    h.continuerun(200.0)
    ids_after_run = [(list(ns.ranvar.get_ids()), ns.ranvar.get_seq()) for ns in stims]
    print("final t = %r" % h.t)

    pairs = [(gid, tt) for gid, v in enumerate(vecs) for tt in v]
    rows = write_spikes("netstim_noise_spikes.csv", pairs)
    for gid, v in enumerate(vecs):
        print("gid %d: %d spikes" % (gid, len(v)))

    lines = [
        "netstim_noise_spikes.csv -- written by scripts/neuron_reference.py (model netstim-noise)",
        "NEURON %s; dt=0.025, tstop=200, h.finitialize(-65) then h.continuerun(200)." % neuron_version(),
        "gid 0 = A: start=5 interval=4 number=50 noise=0.5, ns.noiseFromRandom123(1, 2, 3)",
        "gid 1 = B: start=0 interval=2 number=30 noise=1.0, ns.noiseFromRandom123(7, 0, 0)",
        "gid 2 = C: start=10 interval=5 number=20 noise=0.3, no noiseFromRandom123 (default stream)",
        "The NetStims were created in the order A, B, C (they are the only RANDOM-using objects).",
        "Random123 ids (NetStim.ranvar.get_ids()) right after creation, before noiseFromRandom123:",
    ]
    for name, ids in zip("ABC", ids_at_creation):
        lines.append("  %s: (%s)" % (name, ", ".join("%d" % i for i in ids)))
    lines.append("Random123 ids / sequence used in the run (after finitialize):")
    for name, (ids, seq) in zip("ABC", ids_after_init):
        lines.append("  %s: ids=(%s) seq_after_finitialize=%r" % (name, ", ".join("%d" % i for i in ids), seq))
    lines.append("ranvar.get_seq() after the run:")
    for name, (ids, seq) in zip("ABC", ids_after_run):
        lines.append("  %s: ids=(%s) seq=%r" % (name, ", ".join("%d" % i for i in ids), seq))
    lines.append("Spike counts: A=%d B=%d C=%d" % tuple(len(v) for v in vecs))
    path = os.path.join(DATA, "netstim_noise_README.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print("ids before run:", ids_before_run)


# ---------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------

def neuron_version():
    import neuron
    return neuron.__version__


MODELS = {
    "ring5": model_ring5,
    "ring5-dend11": model_ring5_dend11,
    "ring7-serial": model_ring7_serial,
    "ring7-mpi": model_ring7_mpi,
    "branched": model_branched,
    "branched-dt01": model_branched_dt01,
    "pt3d": model_pt3d,
    "netstim-noise": model_netstim_noise,
    "geometry-edits": model_geometry_edits,
    "netstim-default-streams": model_netstim_default_streams,
    "event-ties": model_event_ties,
    "reversed": model_reversed,
    "ring5-tables": model_ring5_tables,
    "user-ka": model_user_ka,
    "user-noise": model_user_noise,
    "user-calcium": model_user_calcium,
    "user-tmsyn": model_user_tmsyn,
    "user-artificial": model_user_artificial,
    "user-pointers": model_user_pointers,
    "user-ftable": model_user_ftable,
    "user-watch": model_user_watch,
    "numpy-legacy": model_numpy_legacy,
    "hnn-drives": model_hnn_drives,
    "hnn-hh2": lambda: model_hnn_channel("hh2"),
    "hnn-km": lambda: model_hnn_channel("km"),
    "hnn-ar": lambda: model_hnn_channel("ar"),
    "hnn-cat": lambda: model_hnn_channel("cat"),
    "hnn-calcium": model_hnn_calcium,
    "ion-settings": model_ion_settings,
    "reversed-shape": model_reversed_shape,
}

SERIAL_ORDER = ["ring5", "ring5-dend11", "ring7-serial", "branched", "branched-dt01",
                "pt3d", "netstim-noise", "geometry-edits", "netstim-default-streams",
                "event-ties", "reversed", "reversed-shape",
                "ring5-tables", "user-ka", "user-noise", "user-calcium", "user-tmsyn", "user-artificial", "user-pointers", "user-ftable", "user-watch", "numpy-legacy", "hnn-drives", "hnn-hh2", "hnn-km", "hnn-ar", "hnn-cat", "hnn-calcium", "ion-settings"]

FILES = [
    ("ring5_spikes.csv", "Seed ring (tutorial BallAndStick ring via ParallelContext), N=5, dt=0.025, tstop=100, serial: all spikes (gid,t_ms)."),
    ("ring5_soma_v.csv", "Same run: gid 0 soma(0.5).v every step (t_ms,v_mV), 4001 rows."),
    ("ring5_tables_spikes.csv", "Seed ring N=5 as ring5 but with NEURON's default usetable_hh = 1 (hh rates interpolated in tables): spikes."),
    ("ring5_tables_soma_v.csv", "Same run: gid 0 soma(0.5).v every step."),
    ("user_ka_v.csv", "A user's mechanism: examples/user-mechanisms/mod/ka.mod (nrnivmodl) with gbar 0.05 in a 20 um soma with hh, IClamp 0.2 nA from 5 to 95 ms; dt=0.025, tstop=100, NEURON's default usetable_hh = 1: soma v, the ka state b and the vtrace state u (examples/user-mechanisms/mod/vtrace.mod, derivimplicit, tau 10 ms)."),
    ("user_ka_spikes.csv", "Same run: soma spikes, threshold 0 mV."),
    ("user_noise.csv", "NEURON 9's RANDOM in users' mechanisms: a 20 um soma with hh and two OUNoise (examples/user-mechanisms/mod/ounoise.mod; default stream (1,0,1): mean 0.05 nA, sigma 0.1 nA, tau 3 ms; stream 7: sigma 0.08, tau 1), a dend (L 100, diam 2, nseg 2, pas) with draws.mod (ids (7,8,5) and (7,8,6)); dt=0.025, 60 ms, default tables: soma v, both OU states x, ."),
    ("user_noise_draws.csv", "Same run: every draw of draws.mod at dend(0.25) and dend(0.75), at finitialize and the first 100 steps."),
    ("user_noise_spikes.csv", "Same run: soma spikes, threshold 0 mV."),
    ("user_calcium.csv", "A coupled nonlinear derivimplicit block: a 20 um soma with hh, examples/user-mechanisms/mod/cal.mod (ohmic calcium current reading eca) and cabuf.mod (cai and buffer-bound cab, derivimplicit Newton, writing cai), IClamp 0.3 nA from 5 to 45 ms; dt=0.025, 60 ms, default tables: v, cal m, cai, cab, eca, ica."),
    ("user_calcium_spikes.csv", "Same run: soma spikes, threshold 0 mV."),
    ("user_tmsyn.csv", "NetCon weight vectors and NET_RECEIVE INITIAL: a 20 um soma with hh and a TMSyn (examples/user-mechanisms/mod/tmsyn.mod, tau_facil 100 ms) at 0.5, driven through two gid NetCons (delay 1 ms) by NetStim gid 1 (start 5, interval 5, 12 spikes, weight 0.02 uS) and gid 2 (start 8, interval 7, 10 spikes, weight 0.015 uS); dt=0.025, pc.psolve(100): soma v and the synapse's g."),
    ("user_tmsyn_spikes.csv", "Same run: spikes of gid 0 (the soma, threshold 10 mV by default of pc.cell's NetCon)."),
    ("user_tmsyn_weights.csv", "Same run: each NetCon's weight vector (weight, R, u, tlast) after the run."),
    ("user_artificial.csv", "A user's ARTIFICIAL_CELL in a network: DriftFire (examples/user-mechanisms/mod/driftfire.mod: net_move, set_seed 11, normrand, exprand) gid 2, driven by NetStim gid 1 (start 3, interval 4, 15 spikes; weight 0.35, delay 1) and driving an ExpSyn (tau 2 ms; weight 0.02 uS, delay 2) on a 20 um soma with hh and vbefore.mod (BEFORE STEP) (gid 0); dt=0.025, pc.psolve(100), default tables: soma v, the cell's level and since, vbefore's calls and vstep."),
    ("user_artificial_spikes.csv", "Same run: spikes of gid 0 (threshold 10 mV) and of DriftFire gid 2."),
    ("user_pointers.csv", "POINTERs to ion variables and other mechanisms' variables: a 20 um soma with hh, cal, cabuf and hclamp.mod (POINTER to the soma's hh h, held at 0.45 before every step's currents), IClamp 0.3 nA 5-45 ms, an ExpSyn driven by a NetStim (start 8, interval 10, 4 spikes, weight 0.005 uS, delay 1); a dend (L 100, diam 2, nseg 3, pas) with vcopy.mod whose POINTERs read the soma's cai, hh m and the ExpSyn's g (AFTER SOLVE); dt=0.025, 60 ms, default tables: soma v, hh h and what each vcopy saw."),
    ("numpy_legacy.csv", "NumPy's legacy numpy.random.RandomState (what hnn-core draws drive times from) for seeds 0, 1, 2, 1234 and 2**32-1: per seed random_sample(3), normal(10, 2.5, 5), random_sample(), normal(-3, 0.5), exponential(0.05, 4), uniform(-1, 3, 3), the last 3 of normal(0, 1, 1500) (past MT19937's first 624-word refill), random_sample(), in that order (seed, draw index, method, value)."),
    ("hnn_drive_events.csv", "hnn-core 0.6.1's own _drive_cell_event_times (drives.py of its PyPI sdist) for the cases in HNN_DRIVE_CASES of the script (evoked with 1 and 3 spikes, poisson from 0 and from 50 ms, bursty with a random and a fixed start; several trials and drive-cell gids): every event (case, trial, gid, t_ms)."),
    ("user_watch.csv", "WATCH events dropped on re-arming: a 20 um soma with hh and examples/user-mechanisms/mod/watch2.mod (WATCH v > -20 flag 2 and v > -19 flag 3; flag 2 arms WATCH v < -30 flag 4, which arms both again), IClamp 0.3 nA 5-55 ms, dt=0.025, 60 ms, default tables: soma v and the counts of delivered flags 2 (low), 3 (high) and 4 (rearmed)."),
    ("user_ftable.csv", "FUNCTION_TABLE: a 20 um soma with hh and examples/user-mechanisms/mod/ftk.mod (gbar 0.02), its ninf through 7 points of v (table_ninf_ftk(yvec, xvec)), ntau on a uniform 9 x 3 grid of v (-100 to 60 mV) and celsius (6.3 to 36 degC), qfac the constant 2; celsius 16, IClamp 0.3 nA 5-45 ms, dt=0.025, 60 ms, default tables: soma v and ftk's n."),
    ("hnn_hh2_v.csv", "hnn-core 0.6.1's hh2.mod (nrnivmodl; fetched from PyPI, not committed) with gnabar 0.12 in a 20 um soma with pas (g 1e-4, e -65), celsius 37, IClamp 0.3 nA 5-20 ms and -0.2 nA 30-45 ms, dt=0.025, 60 ms, NEURON's default tables: v and every state."),
    ("hnn_km_v.csv", "Same protocol with hnn-core's km.mod, gbar 200 pS/um2."),
    ("hnn_ar_v.csv", "Same protocol with hnn-core's ar.mod, gbar 1e-3 S/cm2."),
    ("hnn_cat_v.csv", "Same protocol with hnn-core's cat.mod, gbar 2e-3 S/cm2."),
    ("hnn_hh2_exact_v.csv", "hnn_hh2_v.csv's protocol with usetable_hh2 = 0 (rates computed exactly)."),
    ("hnn_km_exact_v.csv", "hnn_km_v.csv's protocol with usetable_km = 0."),
    ("hnn_ar_exact_v.csv", "hnn_ar_v.csv's protocol with usetable_ar = 0."),
    ("hnn_cat_exact_v.csv", "hnn_cat_v.csv's protocol with usetable_cat = 0."),
    ("hnn_calcium_tables.csv", "hnn-core's calcium set: soma (L=diam=20, pas g 1e-4 e -65, hh2, ca gbar 60, cad taur 20, kca gbar 10) and dend (L 200, diam 2, nseg 3, on soma(1); pas, ca gbar 20, kca, no cad), IClamp at soma 0.5 nA 5-20 ms and -0.2 nA 30-45 ms, celsius 37, dt=0.025, 60 ms, default tables: v, states, cai, eca, ica at soma(0.5) and dend(0.5)."),
    ("hnn_calcium_exact.csv", "Same with usetable_hh2 = usetable_ca = 0."),
    ("ion_settings_v.csv", "A 300 um cable (diam 2, nseg 3) with hh (usetable_hh = 0), cable.ek = -90, cable(0.5).ena = 40, cable(0.9).ena = 60, IClamp 0.3 nA at 0.1 from 2 to 22 ms, dt=0.025, 30 ms: v at 0.1, 0.5, 0.9, ina at 0.5, ik at 0.9."),
    ("ring5_dend11_dt0125_spikes.csv", "Seed ring N=5 with every dend.nseg=11 (set before define_shape), dt=0.0125, tstop=60: spikes."),
    ("ring5_dend11_dt0125_soma_v.csv", "Same run: gid 0 soma(0.5).v every step."),
    ("ring7_serial_spikes.csv", "Seed ring N=7, dt=0.025, tstop=200, serial run: spikes."),
    ("ring7_mpi3_spikes.csv", "Seed ring N=7, dt=0.025, tstop=200, run under mpiexec -n 3 (round-robin gids), spikes gathered to rank 0; identical to ring7_serial_spikes.csv."),
    ("branched_v.csv", "Branched cell (soma/dend1-4/axon, hh+pas, IClamp, Exp2Syn+ExpSyn driven by NetStims), dt=0.025, celsius=6.3, tstop=60: traces soma(0.5), dend1(0.8), dend3(0.5), axon(1), dend2(0.3)."),
    ("branched_spikes.csv", "Same run: spike detector at axon(1) v, threshold 0 mV (gid 0)."),
    ("branched_dt01_v.csv", "Branched cell with dt=0.01, celsius=16 (hh q10), tstop=40: same trace columns."),
    ("branched_dt01_spikes.csv", "Same run: axon(1) spikes, threshold 0 mV."),
    ("pt3d_v.csv", "Cell with explicit tapered 3-D points (soma, dend) + a dend2 without points, h.define_shape(); dt=0.025, tstop=50: traces soma(0.5), dend(0.7), dend2(1)."),
    ("pt3d_spikes.csv", "Same run: soma(0.5) spikes, threshold 10 mV (gid 0)."),
    ("pt3d_geometry.csv", "Same cell: per segment centre seg.x, seg.area() (um2), seg.ri() (MOhm), seg.diam (um)."),
    ("netstim_noise_spikes.csv", "Three noisy NetStims (Random123 streams), dt=0.025, tstop=200; gid 0,1,2 = A,B,C, see netstim_noise_README.txt."),
    ("geometry_edits_v.csv", "Soma (hh) + dend (pas, nseg 3 -> 5 -> 3 after an ExpSyn at 0.3, an IClamp at 0.1 and a detector at 0.75 were placed) + dend2; per-segment diam and cm set through segments; dt=0.025, tstop=40: traces soma(0.5), dend at the ExpSyn, dend(0.5), dend2(0.9)."),
    ("geometry_edits_spikes.csv", "Same run: detector spikes (threshold -40 mV, gid 0)."),
    ("geometry_edits_x.csv", "Same cell: ExpSyn / IClamp get_segment().x and detector preloc() before and after each nseg change."),
    ("netstim_default_streams_spikes.csv", "NetStims without explicit ids: gids 0, 1 (noise 1, created first), then gid 2 = a soma (hh) whose own NetStim (noise 0.5) drives an ExpSyn by a plain NetCon; streams (1,0,1), (1,0,2), (1,0,3); dt=0.025, psolve(100): spikes of gids 0, 1, 2."),
    ("netstim_default_streams_own_stim.csv", "Same run: the cell's own NetStim's spikes (NetCon(ns, None).record), written as gid 2."),
    ("event_ties_spikes.csv", "Events due at the same time: NetStim T (gid 0, spikes every 5 ms from 0) gets start (+1) / stop (-1) NetCon events from single-spike NetStims (cases in EVENT_TIE_CASES of the script), psolve(22.2): T's spikes per case."),
    ("reversed_v.csv", "Sections connected by their 1 end: dend (pas, nseg 1 -> 2 -> 5 after an ExpSyn at 0.3 and an IClamp at 0.1, then diam 0.8 + x per segment) on soma(1) by its 1 end, tuft on dend(0.2), tip on dend(0), a tapered 3-D axon on soma(0) by its 1 end; dt=0.025, tstop=30: traces soma(0.5), dend(0.1), dend(0.9), tuft(0.5), tip(1), axon(0.2)."),
    ("reversed_spikes.csv", "Same run: soma(0.5) spikes, threshold 0 mV (gid 0)."),
    ("reversed_geometry.csv", "Same cell: per segment of dend, axon, tuft: seg.x, seg.area() (um2), seg.ri() (MOhm)."),
    ("reversed_x.csv", "Same cell: ExpSyn / IClamp get_segment().x before and after each nseg change of the reversed dend."),
    ("reversed_shape_v.csv", "The reversed model after h.define_shape() (every section then has 3-D points): same traces."),
    ("reversed_shape_spikes.csv", "Same run: soma spikes."),
    ("reversed_shape_geometry.csv", "Same cell: per segment seg.x, area, ri."),
    ("netstim_noise_README.txt", "Parameters and Random123 stream ids used for netstim_noise_spikes.csv."),
]


def mpi_cmd():
    cmd = ["mpiexec"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    cmd += ["--oversubscribe", "-n", "3", sys.executable, SCRIPT, "ring7-mpi"]
    return cmd


def run_all():
    os.makedirs(DATA, exist_ok=True)
    for name in SERIAL_ORDER:
        print("=== %s ===" % name, flush=True)
        subprocess.run([sys.executable, SCRIPT, name], check=True)
    print("=== ring7-mpi ===", flush=True)
    env = dict(os.environ)
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    cmd = mpi_cmd()
    print(" ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=env)

    with open(os.path.join(DATA, "ring7_serial_spikes.csv")) as f:
        ser = f.read()
    with open(os.path.join(DATA, "ring7_mpi3_spikes.csv")) as f:
        par = f.read()
    same = ser == par
    print("ring7 serial vs mpiexec -n 3 spikes identical: %s" % same)
    if not same:
        raise SystemExit("ring7 MPI and serial spikes differ")

    write_readme()


def write_readme():
    ver = neuron_version()
    lines = [
        "# NEURON reference data",
        "",
        "All files in this directory, this README included, were written by",
        "`scripts/neuron_reference.py` using NEURON %s (Python wheel)." % ver,
        "",
        "Regenerate everything from the repository root with:",
        "",
        "```",
        "python3 scripts/neuron_reference.py   # makes its own venv under ~/.cache/neurite",
        "```",
        "",
        "This runs each model in a fresh subprocess (`python scripts/neuron_reference.py <model>`,",
        "models: %s) and the MPI ring via" % ", ".join(SERIAL_ORDER + ["ring7-mpi"]),
        "`mpiexec [--allow-run-as-root] --oversubscribe -n 3 python scripts/neuron_reference.py ring7-mpi`.",
        "",
        "Conventions: `h.usetable_hh = 0`, `celsius = 6.3` unless stated, `h.dt` set explicitly,",
        "fixed-step integration. Ring models: `pc.set_maxstep(10)`, `h.finitialize(-65)`, `pc.psolve(tstop)`.",
        "Other models: `h.finitialize(-65)` then `h.continuerun(tstop)` (stdrun.hoc, nstep_steprun = 1).",
        "CSV numbers are written with Python `repr()` (round-trip exact). Spike files: `gid,t_ms`,",
        "sorted by time then gid. Trace files: `t_ms,<columns>`, one row per time step including t=0.",
        "",
        "| file | description |",
        "|---|---|",
    ]
    for fn, desc in FILES:
        lines.append("| `%s` | %s |" % (fn, desc))
    path = os.path.join(DATA, "README.md")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s" % path)


def main(argv):
    if len(argv) <= 1 or argv[1] == "all":
        run_all()
        return
    name = argv[1]
    if name == "readme":
        write_readme()
        return
    if name not in MODELS:
        raise SystemExit("unknown model %r; choose from %s" % (name, ", ".join(MODELS)))
    os.makedirs(DATA, exist_ok=True)
    MODELS[name]()


if __name__ == "__main__":
    main(sys.argv)
