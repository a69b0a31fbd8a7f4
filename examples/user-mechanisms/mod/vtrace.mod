TITLE vtrace: a low-pass filtered membrane potential, for the user-mechanisms example

COMMENT
Written for neurite's example of bringing one's own NMODL files: the
membrane potential filtered with time constant tau, u' = (v - u)/tau, as
voltage-based plasticity rules use it. Solved with METHOD derivimplicit
(backward Euler, as NEURON's Newton iteration gives it).
ENDCOMMENT

NEURON {
    SUFFIX vtrace
    RANGE tau, u
}

UNITS {
    (mV) = (millivolt)
}

PARAMETER {
    tau = 10 (ms) <1e-9, 1e9>
}

ASSIGNED {
    v (mV)
}

STATE {
    u (mV)
}

INITIAL {
    u = v
}

BREAKPOINT {
    SOLVE filter METHOD derivimplicit
}

DERIVATIVE filter {
    u' = (v - u)/tau
}
