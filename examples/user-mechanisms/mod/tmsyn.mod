TITLE TMSyn: a short-term plastic synapse with per-connection state

COMMENT
Written for neurite's example of users' mechanisms, after the
Tsodyks-Markram model of short-term depression and facilitation (Tsodyks,
Pawelzik & Markram 1998; Markram, Wang & Tsodyks 1998). A conductance g (uS)
decays with tau (ms) and drives i = g*(v - e). Each incoming connection keeps
its own resources R (fraction available) and utilization u in its NetCon's
weight vector: between its spikes R recovers towards 1 with tau_rec and u
relaxes towards 0 with tau_facil; at a spike u grows by U*(1 - u), the
connection releases u*R, which adds weight*u*R to g, and R drops by it. The
NET_RECEIVE INITIAL block starts every connection with full resources.
ENDCOMMENT

NEURON {
    POINT_PROCESS TMSyn
    RANGE tau, e, i, g, U, tau_rec, tau_facil
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    tau = 3 (ms) <1e-9, 1e9>
    e = 0 (mV)
    U = 0.3 <0, 1>
    tau_rec = 200 (ms) <1e-9, 1e9>
    tau_facil = 50 (ms) <1e-9, 1e9>
}

ASSIGNED {
    v (mV)
    i (nA)
}

STATE {
    g (uS)
}

INITIAL {
    g = 0
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    i = g*(v - e)
}

DERIVATIVE state {
    g' = -g/tau
}

NET_RECEIVE(weight (uS), R, u, tlast (ms)) {
    LOCAL release
    INITIAL {
        R = 1
        u = 0
        tlast = t
    }
    R = 1 - (1 - R)*exp(-(t - tlast)/tau_rec)
    u = u*exp(-(t - tlast)/tau_facil)
    u = u + U*(1 - u)
    release = u*R
    g = g + weight*release
    R = R - release
    tlast = t
}
