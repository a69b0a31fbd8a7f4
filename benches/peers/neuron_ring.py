#!/usr/bin/env python3
"""The NEURON ParallelContext-tutorial ring, timed, in NEURON 9.0.2 (optionally
run by CoreNEURON).  One model per process; started by run_peers.py.

    python neuron_ring.py --cells N --tstop MS [--dt MS] [--dend-nseg K]
                          [--coreneuron] [--spikes FILE]

The model is the ring of scripts/neuron_reference.py (cell.py /
ballandstick.py / ring.py of the tutorial, h.define_shape() and the rotation
included, NEURON's default h.usetable_hh = 1, celsius 6.3, pc.set_maxstep(10),
h.finitialize(-65), pc.psolve(tstop)), with two differences that do not touch
the numerics:

* no per-cell recordings (the tutorial's Vector of soma(0.5).v in every cell
  and the per-cell spike Vector): for 1000 cells and 1000 ms the soma_v
  Vectors alone would be 320 MB and would dominate time and memory; spikes are
  recorded once, with pc.spike_record(-1, ...);
* no h.Vector recording of t.

The last stdout line is `RESULT {json}` with the phase times (s):
  import_s   import neuron
  build_s    building the ring (cells, connections, NetStim)
  init_s     h.finitialize(-65)
  run_s      pc.psolve(tstop)  (for CoreNEURON this includes the in-memory
             model transfer and CoreNEURON's own setup)
  solver_s   CoreNEURON only: the "Solver Time" CoreNEURON prints itself
             (parsed by run_peers.py from stdout, not here)
"""

import argparse
import json
import sys
import time

T0 = time.perf_counter()


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cells", type=int, default=5)
    p.add_argument("--tstop", type=float, default=100.0)
    p.add_argument("--dt", type=float, default=0.025)
    p.add_argument("--dend-nseg", type=int, default=1)
    p.add_argument("--coreneuron", action="store_true",
                   help="run pc.psolve with CoreNEURON (in-memory transfer, CPU)")
    p.add_argument("--usetable", type=int, default=1,
                   help="value of h.usetable_hh (1 = NEURON's default rate tables, as neurite's default; 0 = exact)")
    p.add_argument("--spikes", default=None, help="write spikes as CSV gid,t_ms")
    p.add_argument("--shape-once", action="store_true",
                   help="one h.define_shape() for the whole ring instead of one per cell "
                        "(the tutorial's per-cell call costs O(N^2 nseg): ~70 s for 1000 "
                        "cells with dend nseg 101); used for the memory benchmark")
    p.add_argument("--dump-geometry", default=None,
                   help="write every section's 3-D points and every segment's area/ri (check of --shape-once)")
    return p.parse_args(argv)


def build_ring(h, N, dend_nseg, shape_once=False):
    """scripts/neuron_reference.py run_ring(), minus the per-cell recordings.

    shape_once: call h.define_shape() once for the whole ring instead of once
    per cell (see --shape-once); each cell is then rotated and moved as in the
    tutorial.
    """
    from neuron.units import ms

    pc = h.ParallelContext()

    # ----- cell.py -----
    class Cell:
        def __init__(self, gid, x, y, z, theta):
            self._gid = gid
            self._setup_morphology()
            self.all = self.soma.wholetree()
            self._setup_biophysics()
            self.x = self.y = self.z = 0
            if shape_once:
                self._place = (x, y, z, theta)
            else:
                h.define_shape()
                self._rotate_z(theta)
                self._set_position(x, y, z)
            self._spike_detector = h.NetCon(self.soma(0.5)._ref_v, None, sec=self.soma)
            self._ncs = []

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
            if dend_nseg != 1:  # before define_shape, as in neuron_reference.py
                self.dend.nseg = dend_nseg

        def _setup_biophysics(self):
            for sec in self.all:
                sec.Ra = 100
                sec.cm = 1
            self.soma.insert('hh')
            for seg in self.soma:
                seg.hh.gnabar = 0.12
                seg.hh.gkbar = 0.036
                seg.hh.gl = 0.0003
                seg.hh.el = -54.3
            self.dend.insert('pas')
            for seg in self.dend:
                seg.pas.g = 0.001
                seg.pas.e = -65
            self.syn = h.ExpSyn(self.dend(0.5))
            self.syn.tau = 2 * ms

    # ----- ring.py -----
    class Ring:
        def __init__(self, N=5, stim_w=0.04, stim_t=9, stim_delay=1, syn_w=0.01, syn_delay=5, r=50):
            self._N = N
            self.gidlist = list(range(int(pc.id()), N, int(pc.nhost())))
            for gid in self.gidlist:
                pc.set_gid2node(gid, pc.id())
            self._syn_w = syn_w
            self._syn_delay = syn_delay
            self.cells = []
            for i in self.gidlist:
                theta = i * 2 * h.PI / N
                self.cells.append(BallAndStick(i, h.cos(theta) * r, h.sin(theta) * r, 0, theta))
            if shape_once:
                h.define_shape()
                for cell in self.cells:
                    x, y, z, theta = cell._place
                    cell._rotate_z(theta)
                    cell._set_position(x, y, z)
            for cell in self.cells:
                pc.cell(cell._gid, cell._spike_detector)
            for target in self.cells:
                source_gid = (target._gid - 1 + N) % N
                nc = pc.gid_connect(source_gid, target.syn)
                nc.weight[0] = self._syn_w
                nc.delay = self._syn_delay
                target._ncs.append(nc)
            if pc.gid_exists(0):
                self._netstim = h.NetStim()
                self._netstim.number = 1
                self._netstim.start = stim_t
                self._nc = h.NetCon(self._netstim, pc.gid2cell(0).syn)
                self._nc.delay = stim_delay
                self._nc.weight[0] = stim_w

    return pc, Ring(N=N)


def main(argv):
    args = parse_args(argv)
    t_import = time.perf_counter()
    from neuron import h
    t_imported = time.perf_counter()

    # globals before the model, as scripts/neuron_reference.py common_globals()
    h.usetable_hh = args.usetable
    h.celsius = 6.3
    h.dt = args.dt

    pc, ring = build_ring(h, args.cells, args.dend_nseg, shape_once=args.shape_once)
    tvec = h.Vector()
    idvec = h.Vector()
    pc.spike_record(-1, tvec, idvec)
    pc.set_maxstep(10)

    if args.coreneuron:
        from neuron import coreneuron
        # h.cvode exists only once stdrun.hoc is loaded; CVode() is the same singleton
        h.CVode().cache_efficient(1)
        coreneuron.enable = True
        coreneuron.gpu = False
    t_built = time.perf_counter()

    h.finitialize(-65)
    t_init = time.perf_counter()
    pc.psolve(args.tstop)
    t_run = time.perf_counter()

    if args.dump_geometry:
        with open(args.dump_geometry, "w") as f:
            for sec in h.allsec():
                f.write("%s %d %d\n" % (sec.name(), sec.nseg, sec.n3d()))
                for i in range(sec.n3d()):
                    f.write("  %r %r %r %r\n" % (sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)))
                for seg in sec:
                    f.write("  seg %r %r %r\n" % (seg.x, seg.area(), seg.ri()))

    pairs = sorted((float(t), int(g)) for g, t in zip(idvec, tvec))
    if args.spikes:
        with open(args.spikes, "w") as f:
            f.write("gid,t_ms\n")
            for t, g in pairs:
                f.write("%d,%r\n" % (g, t))
    nseg_total = sum(sec.nseg for sec in h.allsec())
    # state check at tstop: gid 0's soma(0.5).v and the sum of all soma voltages
    # (CoreNEURON copies the state back to NEURON at the end of psolve)
    v0_end = float(ring.cells[0].soma(0.5).v) if ring.cells else None
    vsum_end = float(sum(c.soma(0.5).v for c in ring.cells))
    result = {
        "simulator": "coreneuron" if args.coreneuron else "neuron",
        "cells": args.cells,
        "dend_nseg": args.dend_nseg,
        "tstop": args.tstop,
        "final_t": float(h.t),
        "usetable_hh": float(h.usetable_hh),
        "segments": int(nseg_total),
        "spikes": len(pairs),
        "v0_end": v0_end,
        "vsum_end": vsum_end,
        "import_s": t_imported - t_import,
        "build_s": t_built - t_imported,
        "init_s": t_init - t_built,
        "run_s": t_run - t_init,
        "process_s": time.perf_counter() - T0,
    }
    sys.stdout.flush()
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
