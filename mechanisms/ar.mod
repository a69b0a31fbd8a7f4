TITLE ar: hyperpolarization-activated (anomalous rectifier, h) current

COMMENT
Written for neurite from the anomalous rectifier of Traub et al. (2003,
J Neurophysiol 89:909) as the Layer 5 pyramidal cells of the Human Neocortical
Neurosolver use it (Jones et al. 2009): i = gbar m (v - erev), a nonspecific
current with
    minf = 1/(1 + exp((v + 75)/5.5))
    mtau = 1/(exp(-14.6 - 0.086 v) + exp(-1.87 + 0.07 v)).
As in the HNN cells, m starts at 0.25 whatever v is.
ENDCOMMENT

NEURON {
    SUFFIX ar
    NONSPECIFIC_CURRENT i
    RANGE gbar, i
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gbar = 0 (mho/cm2)
    erev = -35 (mV)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    minf
    mtau (ms)
}

STATE { m }

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar*m*(v - erev)
}

INITIAL {
    settables(v)
    m = 0.25
}

DERIVATIVE states {
    settables(v)
    m' = (minf - m)/mtau
}

UNITSOFF
: Tabulated from -120 to 40 mV (NEURON's default usetable_ar = 1).
PROCEDURE settables(u (mV)) {
    TABLE minf, mtau FROM -120 TO 40 WITH 641
    minf = 1/(1 + exp((u + 75)/5.5))
    mtau = 1/(exp(-14.6 - 0.086*u) + exp(-1.87 + 0.07*u))
}
UNITSON
