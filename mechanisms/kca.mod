TITLE kca: calcium-activated potassium current

COMMENT
Written for neurite from the calcium-dependent potassium current of Reuveni et
al. (1993, J Neurosci 13:4609; after Pennefather 1990) as the Layer 5
pyramidal cells of the Human Neocortical Neurosolver use it (Jones et al.
2009): one gate n opening at rate Ra cai^caix and closing at rate Rb, both
scaled by tadj = q10^((celsius - temp - tshift)/10). gbar is in pS/um2.
ENDCOMMENT

NEURON {
    SUFFIX kca
    USEION k READ ek WRITE ik
    USEION ca READ cai
    RANGE n, gk, gbar
    RANGE ninf, ntau
    GLOBAL Ra, Rb, caix
    GLOBAL q10, temp, tadj, vmin, vmax, tshift
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (pS) = (picosiemens)
    (um) = (micron)
}

PARAMETER {
    gbar = 10 (pS/um2)
    caix = 1            : power of the calcium dependence
    Ra = 0.01 (/ms)     : opening rate per mM^caix
    Rb = 0.02 (/ms)     : closing rate
    temp = 23 (degC)
    q10 = 2.3
    tshift = 30.7 (degC)
    vmin = -120 (mV)
    vmax = 100 (mV)
}

ASSIGNED {
    v (mV)
    celsius (degC)
    cai (mM)
    a (/ms)
    b (/ms)
    ik (mA/cm2)
    gk (pS/um2)
    ek (mV)
    ninf
    ntau (ms)
    tadj
}

STATE { n }

INITIAL {
    rates(cai)
    n = ninf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gk = tadj*gbar*n
    ik = (1e-4)*gk*(v - ek)
}

DERIVATIVE states {
    rates(cai)
    n' = (ninf - n)/ntau
}

PROCEDURE rates(c (mM)) {
    a = Ra*c^caix
    b = Rb
    tadj = q10^((celsius - temp - tshift)/10)
    ntau = 1/tadj/(a + b)
    ninf = a/(a + b)
}
