TITLE history: the times of the last events a point process received

COMMENT
Written for neurite's tests of arrays: each event's time goes into the next
element of `times`, which holds three. A fourth event writes past the end:
in NEURON that overwrites whatever lies there; neurite ends the run with an
error naming the mechanism and where it sits.
ENDCOMMENT

NEURON {
    POINT_PROCESS History
    RANGE count
}

ASSIGNED {
    times[3] (ms)
    count
}

INITIAL {
    count = 0
}

NET_RECEIVE(w) {
    times[count] = t
    count = count + 1
}
