TITLE OUNoise: Ornstein-Uhlenbeck noise current from a Random123 stream

COMMENT
Written for neurite's example of users' mechanisms. Injects i = mean + x (nA)
as an electrode current, where x is an Ornstein-Uhlenbeck process with
standard deviation sigma (nA) and correlation time tau (ms), advanced exactly
once per step from a normal draw of the instance's own random stream (NEURON
9's RANDOM: a Random123 stream per instance, so a run gives the same noise on
any number of ranks or threads). With stream > 0 the stream's ids are
(2, 0, stream); with stream = 0 the instance keeps its default ids.
ENDCOMMENT

NEURON {
    POINT_PROCESS OUNoise
    ELECTRODE_CURRENT i
    RANGE mean, sigma, tau, stream, i, x
    RANDOM noise
    THREADSAFE
}

UNITS {
    (nA) = (nanoamp)
}

PARAMETER {
    mean = 0 (nA)
    sigma = 0.05 (nA)
    tau = 2 (ms) <1e-9, 1e9>
    stream = 0
}

ASSIGNED {
    i (nA)
    x (nA)
    dt (ms)
}

INITIAL {
    if (stream > 0) {
        random_setids(noise, 2, 0, stream)
    }
    random_setseq(noise, 0)
    : start in the stationary distribution
    x = sigma*random_normal(noise)
    i = mean + x
}

BREAKPOINT {
    SOLVE advance
    i = mean + x
}

: The exact update over one step: decay towards 0 plus fresh noise of the
: variance that keeps the stationary standard deviation at sigma.
PROCEDURE advance() {
    LOCAL decay
    decay = exp(-dt/tau)
    x = x*decay + sigma*sqrt(1 - decay*decay)*random_normal(noise)
}
