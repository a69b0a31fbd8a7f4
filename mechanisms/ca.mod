TITLE ca: high-voltage-activated calcium current with a fixed reversal potential

COMMENT
Written for neurite from the HVA calcium current of Reuveni et al. (1993,
J Neurosci 13:4609) as the Layer 5 pyramidal cells of the Human Neocortical
Neurosolver use it (Jones et al. 2009): ica = gbar tadj m^2 h (v - eca), with
m opening at 0.055 (-27 - v)/(exp((-27 - v)/3.8) - 1) and closing at
0.94 exp((-75 - v)/17), h opening at 0.000457 exp((-13 - v)/50) and closing
at 0.0065/(exp((-v - 15)/28) + 1) (per ms), all shifted by vshift and scaled by
tadj = q10^((celsius - temp - tshift)/10). gbar is in pS/um2.
ENDCOMMENT

NEURON {
    SUFFIX ca
    USEION ca READ eca WRITE ica
    RANGE m, h, gca, gbar
    RANGE minf, hinf, mtau, htau
    GLOBAL q10, temp, tadj, vmin, vmax, vshift, tshift
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (pS) = (picosiemens)
    (um) = (micron)
}

PARAMETER {
    gbar = 0.1 (pS/um2)
    vshift = 0 (mV)      : shift of every rate curve
    temp = 23 (degC)
    q10 = 2.3
    tshift = 30.7 (degC)
    vmin = -120 (mV)
    vmax = 100 (mV)
}

ASSIGNED {
    v (mV)
    celsius (degC)
    ica (mA/cm2)
    gca (pS/um2)
    eca (mV)
    minf
    hinf
    mtau (ms)
    htau (ms)
    tadj
}

STATE { m h }

INITIAL {
    trates(v + vshift)
    m = minf
    h = hinf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gca = tadj*gbar*m*m*h
    ica = (1e-4)*gca*(v - eca)
}

DERIVATIVE states {
    trates(v + vshift)
    m' = (minf - m)/mtau
    h' = (hinf - h)/htau
}

: The rates, tabulated over vmin..vmax (NEURON's default usetable_ca = 1).
PROCEDURE trates(u (mV)) {
    TABLE minf, hinf, mtau, htau DEPEND celsius, temp, tshift FROM vmin TO vmax WITH 199
    rates(u)
}

PROCEDURE rates(u (mV)) {
    LOCAL a, b
    tadj = q10^((celsius - temp - tshift)/10)
    a = 0.055*(-27 - u)/(exp((-27 - u)/3.8) - 1)
    b = 0.94*exp((-75 - u)/17)
    mtau = 1/tadj/(a + b)
    minf = a/(a + b)
    a = 0.000457*exp((-13 - u)/50)
    b = 0.0065/(exp((-u - 15)/28) + 1)
    htau = 1/tadj/(a + b)
    hinf = a/(a + b)
}
