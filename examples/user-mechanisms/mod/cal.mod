TITLE cal: high-threshold calcium current (ohmic)

COMMENT
Written for neurite's example of users' mechanisms. A calcium current
ica = gbar*m^2*(v - eca) whose activation m follows a Boltzmann curve with a
fixed time constant (cnexp). eca comes from the ion: a Nernst value that
follows cai when a mechanism in the segment writes cai (cabuf.mod).
ENDCOMMENT

NEURON {
    SUFFIX cal
    USEION ca READ eca WRITE ica
    RANGE gbar, ica
    THREADSAFE
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.002 (S/cm2)
    vhalf = -20 (mV)
    slope = 6 (mV)
    tau = 1.5 (ms)
}

ASSIGNED {
    v (mV)
    eca (mV)
    ica (mA/cm2)
    minf
}

STATE {
    m
}

INITIAL {
    minf = 1/(1 + exp(-(v - vhalf)/slope))
    m = minf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ica = gbar*m*m*(v - eca)
}

DERIVATIVE states {
    minf = 1/(1 + exp(-(v - vhalf)/slope))
    m' = (minf - m)/tau
}
