TITLE cat: low-threshold (T-type) calcium current

COMMENT
Written for neurite from the T current of Traub et al. (2003, J Neurophysiol
89:909) as the Layer 5 pyramidal cells of the Human Neocortical Neurosolver
use it (Jones et al. 2009): i = gbar m^2 h (v - 125), a nonspecific current
(it does not change the calcium concentration), with
    minf = 1/(1 + exp((-v - 56)/6.2))
    mtau = 0.204 + 0.333/(exp((v + 15.8)/18.2) + exp((-v - 131)/16.7))
    hinf = 1/(1 + exp((v + 80)/4))
    htau = 0.333 exp((v + 466)/66.6)        for v < -81 mV
           9.32 + 0.333 exp((-v - 21)/10.5) otherwise.
As in the HNN cells, m starts at 0 (h at its steady state).
ENDCOMMENT

NEURON {
    SUFFIX cat
    NONSPECIFIC_CURRENT i
    RANGE gbar, i
}

UNITS {
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gbar = 0 (mho/cm2)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    minf
    hinf
    mtau (ms)
    htau (ms)
}

STATE { m h }

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar*m*m*h*(v - 125)
}

INITIAL {
    settables(v)
    h = hinf
    m = 0
}

DERIVATIVE states {
    settables(v)
    m' = (minf - m)/mtau
    h' = (hinf - h)/htau
}

UNITSOFF
: Tabulated from -120 to 40 mV (NEURON's default usetable_cat = 1).
PROCEDURE settables(u (mV)) {
    TABLE minf, mtau, hinf, htau FROM -120 TO 40 WITH 641
    minf = 1/(1 + exp((-u - 56)/6.2))
    mtau = 0.204 + 0.333/(exp((u + 15.8)/18.2) + exp((-u - 131)/16.7))
    hinf = 1/(1 + exp((u + 80)/4))
    if (u < -81) {
        htau = 0.333*exp((u + 466)/66.6)
    } else {
        htau = 9.32 + 0.333*exp((-u - 21)/10.5)
    }
}
UNITSON
