TITLE draws: one number of every NMODL random distribution per step

COMMENT
Written for neurite's tests of NEURON 9's RANDOM functions: each step draws
one number of each kind from the instance's stream, whose ids are
(7, 8, id3) and whose position starts at 4*3 + 1 (sequence 3, second word).
It has no current.
ENDCOMMENT

NEURON {
    SUFFIX draws
    RANGE id3, uniform, between, negexp, negexp_mean, normal, normal_with, ipick, dpick
    RANDOM r
    THREADSAFE
}

PARAMETER {
    id3 = 5
}

ASSIGNED {
    uniform
    between
    negexp
    negexp_mean
    normal
    normal_with
    ipick
    dpick
}

INITIAL {
    random_setids(r, 7, 8, id3)
    random_setseq(r, 13)
    draw()
}

BREAKPOINT {
    SOLVE draw
}

PROCEDURE draw() {
    uniform = random_uniform(r)
    between = random_uniform(r, -2, 3)
    negexp = random_negexp(r)
    negexp_mean = random_negexp(r, 4)
    normal = random_normal(r)
    normal_with = random_normal(r, 10, 0.5)
    ipick = random_ipick(r)
    dpick = random_dpick(r)
}
