TITLE vcopy: the voltage somewhere else, through a POINTER

COMMENT
Written for neurite's tests of POINTER and AFTER SOLVE: after every step,
`seen` holds the value of the POINTER `vref` (set with
CableCell::set_pointer, as NEURON's setpointer, to a voltage elsewhere in the
cell) and `count` the number of steps.
ENDCOMMENT

NEURON {
    SUFFIX vcopy
    POINTER vref
    RANGE seen, count
}

ASSIGNED {
    vref (mV)
    seen (mV)
    count
}

INITIAL {
    count = 0
}

AFTER INITIAL {
    seen = vref
}

AFTER SOLVE {
    seen = vref
    count = count + 1
}
