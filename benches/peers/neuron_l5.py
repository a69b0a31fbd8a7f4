#!/usr/bin/env python3
"""The layer 5 pyramidal cell of l5_cell.json in NEURON 9.0.2 (run by
l5_peers.py with its venv's Python).

    python neuron_l5.py --mods LIBNRNMECH --spec l5_cell.json [--tstop MS] [--spikes FILE] [--trace FILE]
                        [--coreneuron]

--trace writes `t_ms,v_mV` at the spike detector's place at every step (every
digit), as l5-cell's --trace does, for comparing the two step by step.

Prints `RESULT {json}` with build_s, init_s, run_s (seconds) and spikes."""

import argparse
import json
import os
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--mods", required=True, help="libnrnmech.so of the Hay channel set")
    p.add_argument("--spec", required=True)
    p.add_argument("--tstop", type=float)
    p.add_argument("--spikes")
    p.add_argument("--trace")
    p.add_argument("--coreneuron", action="store_true")
    a = p.parse_args()
    t0 = time.perf_counter()
    from neuron import h
    # NEURON loads x86_64/libnrnmech.so of its working directory by itself
    # (CoreNEURON runs there); load the library only if it is elsewhere.
    here = os.path.join(os.getcwd(), "x86_64", "libnrnmech.so")
    if not (os.path.exists(here) and os.path.samefile(here, a.mods)):
        h.nrn_load_dll(a.mods)
    h.load_file("stdrun.hoc")
    with open(a.spec) as f:
        spec = json.load(f)
    h.celsius = spec["celsius"]
    h.dt = spec["dt"]
    tstop = a.tstop if a.tstop is not None else spec["tstop"]
    secs = {}
    for s in spec["sections"]:
        sec = h.Section(name=s["name"])
        sec.L, sec.diam, sec.nseg, sec.cm, sec.Ra = s["L"], s["diam"], s["nseg"], s["cm"], s["Ra"]
        if s["parent"]:
            sec.connect(secs[s["parent"]](s["parent_x"]), 0)
        for mech, params in s["mechanisms"].items():
            sec.insert(mech)
            for name, value in params.items():
                for seg in sec:
                    setattr(getattr(seg, mech), name, value)
        for ion in ("ek", "ena"):
            if ion in s:
                setattr(sec, ion, s[ion])
        secs[s["name"]] = sec
    st = spec["stimulus"]
    ic = h.IClamp(secs[st["section"]](st["x"]))
    setattr(ic, "del", st["delay"])
    ic.dur, ic.amp = st["duration"], st["amplitude"]
    d = spec["detector"]
    pc = h.ParallelContext()
    pc.set_gid2node(0, 0)
    nc = h.NetCon(secs[d["section"]](d["x"])._ref_v, None, sec=secs[d["section"]])
    nc.threshold = d["threshold"]
    pc.cell(0, nc)
    tvec, gidvec = h.Vector(), h.Vector()
    pc.spike_record(-1, tvec, gidvec)
    if a.coreneuron:
        from neuron import coreneuron
        h.cvode.cache_efficient(1)
        coreneuron.enable = True
        coreneuron.verbose = 0
    pc.set_maxstep(10)
    if a.trace:
        trace_t, trace_v = h.Vector(), h.Vector()
        trace_t.record(h._ref_t)
        trace_v.record(secs[d["section"]](d["x"])._ref_v)
    compartments = sum(int(sec.nseg) for sec in secs.values())
    t1 = time.perf_counter()
    h.finitialize(spec["v_init"])
    t2 = time.perf_counter()
    pc.psolve(tstop)
    t3 = time.perf_counter()
    spikes = sorted(tvec)
    if a.spikes:
        with open(a.spikes, "w") as f:
            f.write("gid,t_ms\n")
            for t in spikes:
                f.write("0,%r\n" % t)
    if a.trace:
        with open(a.trace, "w") as f:
            f.write("t_ms,v_mV\n")
            for t, v in zip(trace_t, trace_v):
                f.write("%r,%r\n" % (t, v))
    print("RESULT " + json.dumps({"build_s": t1 - t0, "init_s": t2 - t1, "run_s": t3 - t2,
                                  "spikes": len(spikes), "compartments": compartments}))


if __name__ == "__main__":
    main()
