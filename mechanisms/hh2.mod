TITLE hh2: Hodgkin-Huxley sodium, potassium and leak channels of the HNN cells

COMMENT
Written for neurite, for the cells of the Human Neocortical Neurosolver
(Jones et al. 2009, J Neurophysiol 102:3554; Neymotin et al. 2020, eLife
9:e51214): the squid-axon equations of Hodgkin & Huxley (1952), as in hh.mod,
with the temperature factor 3^((celsius - temp - tshift)/10). The shift of
30.7 degC makes the gates run at the squid's 6.3 degC rates at the model's
37 degC. The names of the parameters and GLOBALs are those HNN parameter files
use (gnabar_hh2, el_hh2, ...).
ENDCOMMENT

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

NEURON {
    SUFFIX hh2
    USEION na READ ena WRITE ina
    USEION k READ ek WRITE ik
    NONSPECIFIC_CURRENT il
    RANGE gnabar, gkbar, gl, el, gna, gk
    GLOBAL minf, hinf, ninf, mtau, htau, ntau, tshift, temp
    THREADSAFE
}

PARAMETER {
    gnabar = 0.12 (S/cm2) <0, 1e9>
    gkbar = 0.036 (S/cm2) <0, 1e9>
    gl = 0.0003 (S/cm2) <0, 1e9>
    el = -54.3 (mV)
    temp = 6.3 (degC)
    tshift = 30.7 (degC)
}

STATE { m h n }

ASSIGNED {
    v (mV)
    celsius (degC)
    ena (mV)
    ek (mV)
    gna (S/cm2)
    gk (S/cm2)
    ina (mA/cm2)
    ik (mA/cm2)
    il (mA/cm2)
    minf hinf ninf
    mtau (ms) htau (ms) ntau (ms)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gna = gnabar*m*m*m*h
    ina = gna*(v - ena)
    gk = gkbar*n*n*n*n
    ik = gk*(v - ek)
    il = gl*(v - el)
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
    n = ninf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m)/mtau
    h' = (hinf - h)/htau
    n' = (ninf - n)/ntau
}

: Steady states and time constants of the three gates at membrane potential u.
PROCEDURE rates(u (mV)) {
    LOCAL alpha, beta, sum, q10
    TABLE minf, mtau, hinf, htau, ninf, ntau DEPEND celsius, temp, tshift FROM -100 TO 100 WITH 200
UNITSOFF
    q10 = 3^((celsius - temp - tshift)/10)
    : sodium activation
    alpha = .1 * vtrap(-(u + 40), 10)
    beta = 4 * exp(-(u + 65)/18)
    sum = alpha + beta
    mtau = 1/(q10*sum)
    minf = alpha/sum
    : sodium inactivation
    alpha = .07 * exp(-(u + 65)/20)
    beta = 1 / (exp(-(u + 35)/10) + 1)
    sum = alpha + beta
    htau = 1/(q10*sum)
    hinf = alpha/sum
    : potassium activation
    alpha = .01*vtrap(-(u + 55), 10)
    beta = .125*exp(-(u + 65)/80)
    sum = alpha + beta
    ntau = 1/(q10*sum)
    ninf = alpha/sum
}

: x/(exp(x/y) - 1), with its limit y*(1 - x/y/2) near x = 0.
FUNCTION vtrap(x, y) {
    if (fabs(x/y) < 1e-6) {
        vtrap = y*(1 - x/y/2)
    } else {
        vtrap = x/(exp(x/y) - 1)
    }
}
UNITSON
