COMMENT
vbefore: counts NEURON's BEFORE STEP calls and keeps the voltage each saw
(for neurite's tests of the call point).
ENDCOMMENT

NEURON {
    SUFFIX vbefore
    RANGE calls, vstep
}

ASSIGNED {
    v (mV)
    calls
    vstep (mV)
}

INITIAL {
    calls = 0
    vstep = 0
}

BEFORE STEP {
    calls = calls + 1
    vstep = v
}
