COMMENT
hclamp: holds a variable of another mechanism at a value through a POINTER
(set with CableCell::set_pointer, as NEURON's setpointer), before every
step's currents: for neurite's tests of POINTERs that write.
ENDCOMMENT

NEURON {
    SUFFIX hclamp
    POINTER target
    RANGE value
}

PARAMETER {
    value = 0.5
}

ASSIGNED {
    target
}

BEFORE BREAKPOINT {
    target = value
}
