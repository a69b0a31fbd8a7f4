COMMENT
Mover: an artificial cell for neurite's tests that moves its pending
self event on each input but never sends one (an error in NEURON and in
neurite: there is nothing to move).
ENDCOMMENT

NEURON {
    ARTIFICIAL_CELL Mover
}

NET_RECEIVE (w) {
    net_move(t + 1)
}
