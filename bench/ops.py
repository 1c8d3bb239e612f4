"""Cost of the framework per op, against raw NumPy doing the same arithmetic.

    .venv/bin/python bench/ops.py            # about a minute
    .venv/bin/python bench/ops.py --quick    # a few seconds, rough
    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/ops.py --only large --clock cpu

Two programs, each on a small (1x32) and a large (512x512) float64 operand:

- ``elementwise``: a chain of 100 elementwise ops, the cycle h = tanh(h); h = h * w; h = h + b;
  h = sigmoid(h), with parameters w and b reused 25 times each (as an RNN reuses its weights);
- ``matmul``: a chain of matrix products h = h @ W with one shared W (100 links small, 10 large).

Each is timed forward only, forward + backward (every intermediate tensor keeps its ``.grad``,
the default, so dL/ds_t stays inspectable) and forward + ``backward(retain_grads=False)`` (only
the leaves' gradients are kept, as the NumPy contender keeps only dw, db, dW). The NumPy
contender writes out the same forward and backward arithmetic by hand (the ops' formulas, the
same stable sigmoid, gradients of w, b, W accumulated over their uses), so the ratio is what the
framework's bookkeeping costs. Contenders alternate within each round, the garbage collector
stays on (as users run), and the fastest round of each is reported (``--stat median`` for the
typical one): on a shared machine the fastest round is the one least disturbed by other
processes. Goals (issue 2): small forward+backward <= 4x, large <= 1.1x.
"""
import argparse
import statistics
import time

import numpy

import tinygrad_rnn as tr

CYCLE = ("tanh", "mul", "add", "sigmoid")


# ---- the framework --------------------------------------------------------------------------
def tr_elementwise(x, w, b, n_ops, backward, retain=True):
    h = x
    for k in range(n_ops):
        op = CYCLE[k % 4]
        if op == "tanh":
            h = h.tanh()
        elif op == "mul":
            h = h * w
        elif op == "add":
            h = h + b
        else:
            h = h.sigmoid()
    if backward:
        h.backward(numpy.ones(h.shape), retain_grads=retain)


def tr_matmul(x, W, n_ops, backward, retain=True):
    h = x
    for _ in range(n_ops):
        h = h @ W
    if backward:
        h.backward(numpy.ones(h.shape), retain_grads=retain)


# ---- raw NumPy: the same arithmetic, written by hand ----------------------------------------
def np_elementwise(x, w, b, n_ops, backward):
    h, tape = x, []
    for k in range(n_ops):
        op = CYCLE[k % 4]
        if op == "tanh":
            h = numpy.tanh(h)
            tape.append(h)
        elif op == "mul":
            tape.append(h)
            h = h * w
        elif op == "add":
            h = h + b
            tape.append(None)
        else:
            h = numpy.tanh(h * 0.5)  # the op's stable form: (1 + tanh(h / 2)) / 2
            h += 1
            h *= 0.5
            tape.append(h)
    if not backward:
        return
    g, dw, db = numpy.ones(h.shape), None, None
    for k in reversed(range(n_ops)):
        op, saved = CYCLE[k % 4], tape[k]
        if op == "tanh":
            g = g * (1 - saved ** 2)
        elif op == "mul":
            dw = g * saved if dw is None else dw + g * saved
            g = g * w
        elif op == "add":
            db = g if db is None else db + g
        else:
            g = g * saved * (1 - saved)


def np_matmul(x, W, n_ops, backward):
    h, tape = x, []
    for _ in range(n_ops):
        tape.append(h)
        h = h @ W
    if not backward:
        return
    g, dW = numpy.ones(h.shape), None
    for saved in reversed(tape):
        contribution = saved.T @ g
        dW = contribution if dW is None else dW + contribution
        g = g @ W.T


# ---- timing -------------------------------------------------------------------------------
def cases(quick, sizes):
    rng = numpy.random.default_rng(0)
    for size, shape, n_matmul in (("small", (1, 32), 100), ("large", (512, 512), 10)):
        if size not in sizes:
            continue
        x, w, b = (rng.uniform(-1, 1, shape) for _ in range(3))
        W = rng.uniform(-1, 1, (shape[1], shape[1])) / numpy.sqrt(shape[1])
        tx, tw, tb = (tr.Tensor(a, requires_grad=True) for a in (x, w, b))
        tW = tr.Tensor(W, requires_grad=True)
        n_elementwise = 100
        rounds = (30 if size == "small" else 9) if not quick else 3
        # pass: 0 forward, 1 forward+backward, 2 the same keeping only the leaves' gradients
        for pass_ in (0, 1, 2):
            bw, retain = pass_ > 0, pass_ < 2
            yield (size, "elementwise", n_elementwise, pass_, rounds,
                   lambda bw=bw, r=retain: tr_elementwise(tx, tw, tb, n_elementwise, bw, r),
                   lambda bw=bw: np_elementwise(x, w, b, n_elementwise, bw))
            yield (size, "matmul", n_matmul, pass_, rounds,
                   lambda bw=bw, r=retain: tr_matmul(tx, tW, n_matmul, bw, r),
                   lambda bw=bw: np_matmul(x, W, n_matmul, bw))


def time_once(fn, repeat, clock):
    start = clock()
    for _ in range(repeat):
        fn()
    return (clock() - start) / repeat


def measure(ours, raw, rounds, clock, stat):
    """Seconds per run of each contender (``stat`` of the rounds' samples), alternating them in
    every round. Each sample repeats its contender to last about 10 ms, so that both are equally
    exposed to the other processes of a shared machine."""
    repeats = [max(1, round(0.01 / time_once(fn, 1, time.perf_counter))) for fn in (ours, raw)]
    samples = ([], [])
    for _ in range(rounds):
        for fn, repeat, times in zip((ours, raw), repeats, samples):
            times.append(time_once(fn, repeat, clock))
            time.sleep(0.002)
    return stat(samples[0]), stat(samples[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds: rough numbers fast")
    parser.add_argument("--no-origins", action="store_true",
                        help="turn off creation-site recording (tensor.origin) while timing")
    parser.add_argument("--only", choices=["small", "large"], help="time one operand size")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall: time.perf_counter (default); cpu: time.process_time, this "
                             "process's CPU time, steadier on a loaded machine")
    parser.add_argument("--stat", choices=["min", "median"], default="min",
                        help="min (default): the least disturbed round; median: a typical one")
    args = parser.parse_args(argv)
    if args.no_origins:
        from tinygrad_rnn.origin import set_record_origins
        set_record_origins(False)
    print(f"{'operand':8} {'program':12} {'pass':19} {'NumPy us/op':>12} {'ours us/op':>11} "
          f"{'ratio':>6}  goal")
    results = {}
    sizes = [args.only] if args.only else ["small", "large"]
    for size, program, n_ops, pass_, rounds, ours, raw in cases(args.quick, sizes):
        clock = time.perf_counter if args.clock == "wall" else time.process_time
        stat = min if args.stat == "min" else statistics.median
        t_ours, t_raw = measure(ours, raw, rounds, clock, stat)
        ratio = t_ours / t_raw
        results[size, program, pass_] = ratio
        goal = ("<= 4x" if size == "small" else "<= 1.1x") if pass_ == 1 else ""
        label = ("forward", "forward+backward", "fwd+bwd leaves only")[pass_]
        print(f"{size:8} {program:12} {label:19} {t_raw / n_ops * 1e6:12.2f} "
              f"{t_ours / n_ops * 1e6:11.2f} {ratio:6.2f}  {goal}", flush=True)
    for size, goal in (("small", 4), ("large", 1.1)):
        worst = [r for (s, _, p), r in results.items() if s == size and p == 1]
        if worst:
            print(f"worst forward+backward ratio, {size}: {max(worst):.2f} (goal {goal})")


if __name__ == "__main__":
    main()
