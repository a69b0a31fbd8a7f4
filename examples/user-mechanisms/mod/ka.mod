TITLE ka: a transient (A-type) potassium current, for the user-mechanisms example

COMMENT
Written for neurite's example of bringing one's own NMODL file: an
inactivating potassium current i = gbar a^3 b (v - ek), with first-order
gates whose steady states are Boltzmann curves.
ENDCOMMENT

NEURON {
    SUFFIX ka
    USEION k READ ek WRITE ik
    RANGE gbar, ik
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.01 (S/cm2) <0, 1e9>
    atau = 1 (ms) <1e-9, 1e9>
    btau = 20 (ms) <1e-9, 1e9>
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
}

STATE { a b }

BREAKPOINT {
    SOLVE gates METHOD cnexp
    ik = gbar*a*a*a*b*(v - ek)
}

INITIAL {
    a = ainf(v)
    b = binf(v)
}

DERIVATIVE gates {
    a' = (ainf(v) - a)/atau
    b' = (binf(v) - b)/btau
}

FUNCTION ainf(u (mV)) {
    ainf = 1/(1 + exp(-(u + 30)/10))
}

FUNCTION binf(u (mV)) {
    binf = 1/(1 + exp((u + 70)/6))
}
