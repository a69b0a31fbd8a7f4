COMMENT
Two WATCH conditions a millivolt apart, for neurite's tests: on a fast
upstroke both become true in the same step and both send their events;
the first delivered arms a new WATCH, which (as in NEURON) drops the
other's event still in the queue. Counts what is delivered.
ENDCOMMENT

NEURON {
    POINT_PROCESS Watch2
    RANGE th, low, high, rearmed
}

PARAMETER {
    th = -20 (mV)
}

ASSIGNED {
    v (mV)
    low
    high
    rearmed
}

INITIAL {
    low = 0
    high = 0
    rearmed = 0
    net_send(0, 1)
}

NET_RECEIVE (w) {
    if (flag == 1) {
        WATCH (v > th) 2
        WATCH (v > th + 1) 3
    } else if (flag == 2) {
        low = low + 1
        WATCH (v < th - 10) 4
    } else if (flag == 3) {
        high = high + 1
    } else if (flag == 4) {
        rearmed = rearmed + 1
        net_send(0, 1)
    }
}
