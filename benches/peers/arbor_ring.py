#!/usr/bin/env python3
"""The NEURON ParallelContext-tutorial ring, timed, in Arbor 0.12.2.
One model per process; started by run_peers.py.

    python arbor_ring.py --cells N --tstop MS [--dt MS] [--dend-nseg K] [--spikes FILE]

Cell (same as NEURON's BallAndStick):
  soma: cylinder L = diam = 12.6157 um (tag 1), hh with Arbor's defaults
        (gnabar 0.12, gkbar 0.036, gl 0.0003, el -54.3; ena 50, ek -77 from
        arbor.neuron_cable_properties()),
  dend: cylinder L = 200 um, diam = 1 um (tag 3), attached at the soma's distal
        end, pas with g = 0.001 S/cm2 and e = -65 mV ("pas/e=-65"),
  Ra = 100 Ohm cm, cm = 1 uF/cm2 (0.01 F/m2), Vm(0) = -65 mV, 6.3 degC.
  expsyn (tau 2 ms, e 0) at the dendrite's midpoint, threshold detector 10 mV
  at the soma's midpoint.

Discretisation.  In Arbor a *branch* ends only at a fork or a leaf, so soma +
dendrite are ONE branch here (morphology.num_branches == 1):
cv_policy_fixed_per_branch(K) alone would cut the whole 212.6 um cable into K
CVs, with the soma smeared into the first one.  NEURON's compartments (soma
nseg 1, dend nseg K) are obtained by restricting the policy to regions:

    cv_policy_fixed_per_branch(1, '"soma"') + cv_policy_fixed_per_branch(K, '"dend"')

which gives 1 + K CVs whose boundaries are NEURON's segment boundaries (Arbor
puts the CV reference point at the CV midpoint, as NEURON does; Arbor 0.12
makes no zero-area CVs at the root or the tip).  The policy is passed as the
4th argument of arbor.cable_cell.  The CV count of gid 0 is reported.

Network: cell i -> cell i+1 (mod N), weight 0.01 uS, delay 5 ms; the tutorial's
NetStim (start 9 ms, NetCon delay 1 ms, weight 0.04) becomes an event
generator with an explicit schedule at 10 ms onto cell 0's synapse.
dt = 0.025 ms, 1 thread, spikes by simulation.record(spike_recording.all).

The last stdout line is `RESULT {json}` with phase times (s): import_s,
build_s (recipe, load balance, arbor.simulation construction), run_s
(simulation.run).
"""

import argparse
import json
import sys
import time

T0 = time.perf_counter()

L_SOMA = 12.6157
DIAM_SOMA = 12.6157
L_DEND = 200.0
DIAM_DEND = 1.0


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cells", type=int, default=5)
    p.add_argument("--tstop", type=float, default=100.0)
    p.add_argument("--dt", type=float, default=0.025)
    p.add_argument("--dend-nseg", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--spikes", default=None, help="write spikes as CSV gid,t_ms")
    return p.parse_args(argv)


def make_recipe(A, U, N, K):
    tree = A.segment_tree()
    soma = tree.append(A.mnpos, A.mpoint(0, 0, 0, DIAM_SOMA / 2),
                       A.mpoint(L_SOMA, 0, 0, DIAM_SOMA / 2), tag=1)
    tree.append(soma, A.mpoint(L_SOMA, 0, 0, DIAM_DEND / 2),
                A.mpoint(L_SOMA + L_DEND, 0, 0, DIAM_DEND / 2), tag=3)
    morph = A.morphology(tree)

    labels = A.label_dict({
        "soma": "(tag 1)",
        "dend": "(tag 3)",
        "soma_mid": '(on-components 0.5 (region "soma"))',
        "dend_mid": '(on-components 0.5 (region "dend"))',
    })
    decor = (
        A.decor()
        .set_property(Vm=-65 * U.mV, cm=0.01 * U.F / U.m2, rL=100 * U.Ohm * U.cm)
        .paint('"soma"', A.density("hh"))
        .paint('"dend"', A.density("pas/e=-65", g=0.001))
        .place('"dend_mid"', A.synapse("expsyn", tau=2.0), "syn")
        .place('"soma_mid"', A.threshold_detector(10 * U.mV), "detector")
    )
    policy = (A.cv_policy_fixed_per_branch(1, '"soma"')
              + A.cv_policy_fixed_per_branch(K, '"dend"'))

    class Ring(A.recipe):
        def __init__(self):
            A.recipe.__init__(self)
            self.props = A.neuron_cable_properties()  # 6.3 degC, ena 50, ek -77
            self.first_cell = None

        def num_cells(self):
            return N

        def cell_kind(self, gid):
            return A.cell_kind.cable

        def cell_description(self, gid):
            cell = A.cable_cell(morph, decor, labels, policy)
            if self.first_cell is None:
                self.first_cell = cell
            return cell

        def connections_on(self, gid):
            src = (gid - 1) % N
            return [A.connection((src, "detector"), "syn", 0.01, 5 * U.ms)]

        def event_generators(self, gid):
            if gid == 0:
                # NetStim start 9 ms + NetCon delay 1 ms
                return [A.event_generator("syn", 0.04, A.explicit_schedule([10 * U.ms]))]
            return []

        def global_properties(self, kind):
            return self.props

    return Ring(), morph


def main(argv):
    args = parse_args(argv)
    t_import = time.perf_counter()
    import arbor as A
    from arbor import units as U
    t_imported = time.perf_counter()

    recipe, morph = make_recipe(A, U, args.cells, args.dend_nseg)
    ctx = A.context(threads=args.threads)
    decomp = A.partition_load_balance(recipe, ctx)
    sim = A.simulation(recipe, ctx, decomp)
    sim.record(A.spike_recording.all)
    t_built = time.perf_counter()

    sim.run(args.tstop * U.ms, args.dt * U.ms)
    t_run = time.perf_counter()

    pairs = sorted((float(s[1]), int(s[0][0])) for s in sim.spikes())
    if args.spikes:
        with open(args.spikes, "w") as f:
            f.write("gid,t_ms\n")
            for t, g in pairs:
                f.write("%d,%r\n" % (g, t))

    cvs = None
    if recipe.first_cell is not None:
        cvs = A.cv_data(recipe.first_cell).num_cv
    result = {
        "simulator": "arbor",
        "cells": args.cells,
        "dend_nseg": args.dend_nseg,
        "tstop": args.tstop,
        "branches_per_cell": morph.num_branches,
        "cvs_per_cell": cvs,
        "spikes": len(pairs),
        "import_s": t_imported - t_import,
        "build_s": t_built - t_imported,
        "init_s": 0.0,
        "run_s": t_run - t_built,
        "process_s": time.perf_counter() - T0,
    }
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
