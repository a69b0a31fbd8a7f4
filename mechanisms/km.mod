TITLE km: slow non-inactivating (muscarinic, M-type) potassium current

COMMENT
Written for neurite from the M current of Mainen & Sejnowski's neocortical
models (Mainen et al. 1995, Neuron 15:1427), as the cells of the Human
Neocortical Neurosolver use it (Jones et al. 2009): one gate n with first-order
kinetics, opening rate a = Ra (v - tha) / (1 - exp(-(v - tha)/qa)) and closing
rate b = -Rb (v - tha) / (1 - exp((v - tha)/qa)), scaled by
tadj = q10^((celsius - temp - tshift)/10). gbar is in pS/um2 (1e-4 S/cm2).
ENDCOMMENT

NEURON {
    SUFFIX km
    USEION k READ ek WRITE ik
    RANGE n, gk, gbar
    RANGE ninf, ntau
    GLOBAL Ra, Rb
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
    tha = -30 (mV)      : half-activation voltage
    qa = 9 (mV)         : slope of activation
    Ra = 0.001 (/ms)    : largest opening rate
    Rb = 0.001 (/ms)    : largest closing rate
    temp = 23 (degC)    : temperature of the measurements
    q10 = 2.3
    tshift = 30.7 (degC)
    vmin = -120 (mV)    : range of the rate table
    vmax = 100 (mV)
}

ASSIGNED {
    v (mV)
    celsius (degC)
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
    trates(v)
    n = ninf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gk = tadj*gbar*n
    ik = (1e-4)*gk*(v - ek)
}

DERIVATIVE states {
    trates(v)
    n' = (ninf - n)/ntau
}

: The rates, tabulated over vmin..vmax (NEURON's default usetable_km = 1).
PROCEDURE trates(u (mV)) {
    TABLE ninf, ntau DEPEND celsius, temp, Ra, Rb, tha, qa FROM vmin TO vmax WITH 199
    rates(u)
}

PROCEDURE rates(u (mV)) {
    a = Ra*(u - tha)/(1 - exp(-(u - tha)/qa))
    b = -Rb*(u - tha)/(1 - exp((u - tha)/qa))
    tadj = q10^((celsius - temp - tshift)/10)
    ntau = 1/tadj/(a + b)
    ninf = a/(a + b)
}
