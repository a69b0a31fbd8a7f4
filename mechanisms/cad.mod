TITLE cad: submembrane calcium concentration with pump-like decay

COMMENT
Written for neurite from the calcium shell of Destexhe, Babloyantz &
Sejnowski (1993, Biophys J 65:1538) as the Layer 5 pyramidal cells of the
Human Neocortical Neurosolver use it (Jones et al. 2009): calcium entering
through ica fills a shell `depth` um deep (inward current only; the pump
cannot run backwards) and relaxes to cainf with time constant taur:
    dca/dt = max(0, -ica/(2 F depth)) + (cainf - ca)/taur
(10000 converts mA/cm2 over um to mM/ms). cai follows ca.
ENDCOMMENT

NEURON {
    SUFFIX cad
    USEION ca READ ica, cai WRITE cai
    RANGE ca, taur
    GLOBAL depth, cainf
}

UNITS {
    (molar) = (1/liter)
    (mM) = (millimolar)
    (um) = (micron)
    (mA) = (milliamp)
    (msM) = (ms mM)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    depth = .1 (um)         : depth of the shell
    taur = 200 (ms)         : time constant of removal
    cainf = 100e-6 (mM)     : resting concentration
}

ASSIGNED {
    ica (mA/cm2)
    cai (mM)
    inflow (mM/ms)
}

STATE { ca (mM) <1e-5> }

INITIAL {
    ca = cainf
    cai = ca
}

BREAKPOINT {
    SOLVE state METHOD cnexp
}

DERIVATIVE state {
    inflow = -(10000)*ica/(2*FARADAY*depth)
    if (inflow <= 0) { inflow = 0 }
    ca' = inflow + (cainf - ca)/taur
    cai = ca
}
