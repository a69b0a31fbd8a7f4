COMMENT
DriftFire: an artificial cell written for neurite's examples. Its level
relaxes exponentially (time constant tau) toward a target above 1 and the
cell fires when the level reaches 1; each input adds its weight to the
level and reschedules the next firing (net_move). Each firing time is
delayed by a Gaussian jitter and, after a spike, by an exponentially
distributed pause: NEURON's legacy generator (set_seed, normrand, exprand),
so that a run can be compared with NEURON's draw for draw.
ENDCOMMENT

NEURON {
    ARTIFICIAL_CELL DriftFire
    RANGE tau, period, jitter, pause, seed, level, target, since
}

PARAMETER {
    tau = 8 (ms) <1e-9, 1e9>
    period = 12 (ms) <1e-9, 1e9>
    jitter = 0.5 (ms)
    pause = 2 (ms)
    seed = 7
}

ASSIGNED {
    level
    target
    since (ms)
}

INITIAL {
    set_seed(seed)
    target = 1/(1 - exp(-period/tau))
    level = 0
    since = t
    net_send(wait() + exprand(pause), 1)
}

FUNCTION now() {
    now = target + (level - target)*exp(-(t - since)/tau)
}

FUNCTION wait() (ms) {
    : the time for the level to reach 1 from where it is, with jitter
    wait = tau*log((target - level)/(target - 1)) + fabs(normrand(0, jitter))
}

NET_RECEIVE (w) {
    level = now()
    since = t
    if (flag == 1) {
        net_event(t)
        level = 0
        net_send(wait() + exprand(pause), 1)
    } else {
        level = level + w
        if (level >= 1) {
            net_event(t)
            level = 0
        }
        net_move(t + wait())
    }
}
