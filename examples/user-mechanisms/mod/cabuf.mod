TITLE cabuf: intracellular calcium with a mobile-free buffer (derivimplicit)

COMMENT
Written for neurite's example of users' mechanisms. Calcium entering through
ica fills a shell of depth `depth` under the membrane, binds to a buffer of
total concentration btot (forward rate kf, backward rate kb) and is pumped
back to cainf with time constant taur. Binding makes the two equations
coupled and nonlinear, so METHOD derivimplicit solves them by NEURON's Newton
iteration. Writes cai, so eca follows it by Nernst.
ENDCOMMENT

NEURON {
    SUFFIX cabuf
    USEION ca READ ica WRITE cai
    RANGE depth, btot, kf, kb, taur, cainf, cab
    THREADSAFE
}

UNITS {
    (mM) = (milli/liter)
    (mA) = (milliamp)
    (um) = (micron)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    depth = 0.1 (um)
    btot = 0.05 (mM)
    kf = 100 (/mM-ms)
    kb = 0.1 (/ms)
    taur = 20 (ms)
    cainf = 5e-5 (mM)
}

ASSIGNED {
    ica (mA/cm2)
    influx (mM/ms)
}

STATE {
    cai (mM)
    cab (mM)
}

INITIAL {
    cai = cainf
    cab = btot*kf*cai/(kf*cai + kb)
}

BREAKPOINT {
    SOLVE state METHOD derivimplicit
}

DERIVATIVE state {
    LOCAL binding
    influx = -(10000)*ica/(2*FARADAY*depth)
    if (influx < 0) {
        influx = 0
    }
    binding = kf*cai*(btot - cab) - kb*cab
    cai' = influx - binding + (cainf - cai)/taur
    cab' = binding
}
