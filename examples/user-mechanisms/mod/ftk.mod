COMMENT
A potassium channel whose rates are tables the model supplies
(FUNCTION_TABLE): the steady state as measured points of v, the time
constant on a grid of v and temperature, and a temperature factor set
to a constant. Written for neurite's tests.
ENDCOMMENT

NEURON {
    SUFFIX ftk
    USEION k READ ek WRITE ik
    RANGE gbar, g
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.02 (S/cm2)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    g (S/cm2)
    celsius (degC)
}

STATE { n }

FUNCTION_TABLE ninf(v (mV))
FUNCTION_TABLE ntau(v (mV), celsius (degC)) (ms)
FUNCTION_TABLE qfac(celsius (degC))

BREAKPOINT {
    SOLVE states METHOD cnexp
    g = gbar*n*n*n*n
    ik = g*(v - ek)
}

INITIAL {
    n = ninf(v)
}

DERIVATIVE states {
    n' = (ninf(v) - n)/(ntau(v, celsius)/qfac(celsius))
}
