"""LSTM training steps on the CPU (NumPy) against the GPU (CuPy), as a ratio, in teaching mode
(every op a node) and in training mode (``fused=True``: one node per step).

    .venv/bin/python bench/gpu.py                      # B=64, T=100, H=512 and 1024, float32
    .venv/bin/python bench/gpu.py --hidden 512 --steps 2 --dtype float64
    .venv/bin/python bench/gpu.py --cpu-only           # time NumPy alone (no GPU needed)
    .venv/bin/python bench/gpu.py --modes fused        # training mode only

One training step: ``unroll`` an ``tr.rnn.LSTMCell`` over T random inputs ``[B, input_size]``,
a squared-error loss on every output, ``backward``, ``tr.optim.Adam.step``. The same seeded model
and data run on ``"cpu"`` and on ``"cuda"``; each device and mode does one untimed warm-up
step, then ``--steps`` timed steps (the GPU is synchronised before every clock reading). Without
CuPy or a GPU the script says so and exits 0.
"""
import argparse
import time

import numpy

import tinygrad_rnn as tr
from tinygrad_rnn import backend


def synchronise(device):
    if device == "cuda":
        backend.array_module("cuda").cuda.Device().synchronize()


def make_step(device, batch, hidden, steps_t, input_size, dtype, fused=False):
    """A closure running one training step of a seeded LSTM on ``device`` (``fused``: in
    training mode)."""
    tr.manual_seed(0)
    cell = tr.rnn.LSTMCell(input_size, hidden, dtype=dtype).to(device)
    opt = tr.optim.Adam(cell.parameters(), lr=1e-3)
    rng = numpy.random.default_rng(0)
    xs = [tr.Tensor(rng.standard_normal((batch, input_size)), dtype=dtype, device=device)
          for _ in range(steps_t)]
    target = tr.Tensor(numpy.zeros((steps_t, batch, hidden)), dtype=dtype, device=device)

    def step():
        opt.zero_grad()
        ys, _ = tr.rnn.unroll(cell, xs, fused=fused)
        loss = tr.mse(tr.stack(ys), target)
        loss.backward(retain_grads=False)
        opt.step()
        return loss

    return step


def seconds_per_step(device, n_steps, **shape):
    step = make_step(device, **shape)
    step()  # warm-up: CuPy compiles its kernels, NumPy touches its memory
    synchronise(device)
    start = time.perf_counter()
    for _ in range(n_steps):
        step()
    synchronise(device)
    return (time.perf_counter() - start) / n_steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[512, 1024], help="H values")
    parser.add_argument("--batch", type=int, default=64, help="B (default 64)")
    parser.add_argument("--time-steps", type=int, default=100, help="T (default 100)")
    parser.add_argument("--input-size", type=int, default=128, help="width of x_t (default 128)")
    parser.add_argument("--steps", type=int, default=3, help="timed training steps per device")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--cpu-only", action="store_true", help="time NumPy only")
    parser.add_argument("--device", default="cuda", help="the device to compare with the CPU "
                        "(default cuda; the tests use their strict-cpu backend)")
    parser.add_argument("--modes", nargs="+", default=["teaching", "fused"],
                        choices=["teaching", "fused"], help="teaching mode and/or training "
                        "mode (fused=True); default both")
    args = parser.parse_args(argv)
    if not hasattr(tr, "rnn") or not hasattr(tr.rnn, "LSTMCell"):
        print("bench/gpu.py: skipped: tinygrad_rnn.rnn.LSTMCell is not available")
        return 0
    devices = ["cpu"]
    if not args.cpu_only:
        try:
            backend.array_module(args.device)
        except tr.DeviceError as exc:
            print(f"bench/gpu.py: skipped: {exc}")
            return 0
        devices.append(args.device)
        if args.device == "cuda":
            name = backend.array_module("cuda").cuda.runtime.getDeviceProperties(0)["name"]
            print(f"GPU: {name.decode() if isinstance(name, bytes) else name}")
    print(f"LSTM training step (unroll + mse + backward + Adam), B={args.batch}, "
          f"T={args.time_steps}, input {args.input_size}, {args.dtype}, {args.steps} steps")
    print(f"{'mode':9} {'H':>6} " + " ".join(f"{d + ' s/step':>14}" for d in devices) +
          (f"  cpu/{devices[1]}" if len(devices) == 2 else ""))
    for hidden in args.hidden:
        for mode in args.modes:
            shape = dict(batch=args.batch, hidden=hidden, steps_t=args.time_steps,
                         input_size=args.input_size, dtype=args.dtype, fused=mode == "fused")
            times = [seconds_per_step(d, args.steps, **shape) for d in devices]
            ratio = f"  {times[0] / times[1]:8.1f}x" if len(times) == 2 else ""
            print(f"{mode:9} {hidden:>6} " + " ".join(f"{t:14.3f}" for t in times) + ratio,
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
