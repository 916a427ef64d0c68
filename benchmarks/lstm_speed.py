"""Speed of the reference LSTM (notebook 10's lstm_forward + output layer + lstm_backward, what its experiments
train) against PyTorch on the CPU and against this machine's DGEMM peak, all measured in the same run.

    python benchmarks/lstm_speed.py [--runs 7] [--m 64] [--T 50] [--n-x 64] [--n-a 128] [--n-y 64]

One training step: forward over T steps, softmax outputs at every step, cross-entropy against one-hot
targets, and every gradient (the output layer's and, by lstm_backward, the LSTM's), in float64. PyTorch does
the same with nn.LSTM + nn.Linear + log-softmax and autograd (forward and backward), also in float64; it is
skipped when torch is not installed (it is no dependency of the course). The DGEMM peak is the rate of a
2048 × 2048 matrix product. Printed: the median and the best time of each, the ratio to PyTorch's, and the
fraction of peak, counting the matrix products' floating-point operations (2·rows·inner·columns each); the
figures in brackets are from the best times, which are the ones to compare when other processes share the
machine.

Targets: issue 8 asked for at most 0.4 × PyTorch's time and at least 50 % of the DGEMM peak; issue 21 made the
notebook's reference a plain transcription of the lecture's equations (np.tanh, no in-place views, no tanh as
2σ(2z) − 1), which must stay within about 1.5 × PyTorch's time; since issue 22, its lstm_forward and
lstm_backward are loops over its lstm_cell_forward and lstm_cell_backward (four products per step each way, the
output layer step by step). The batched version it replaced (every step's input products in one product, the
weight gradients in one product after the loop, the gates in place) is kept here (fast_lstm_forward,
fast_lstm_backward) and timed beside it. PyTorch is no dependency of the course: install it
in a separate environment and time it there with --torch-only (same sizes, same seed).

The machine is shared: run it when it is quiet, and read the figures as approximate. A busy second core hurts
most: OpenBLAS then waits for its second thread at each of the 100 small per-step products (with two other
busy processes, one step took about 1 s of spinning instead of 70–100 ms). On a busy machine compare one
thread each: OPENBLAS_NUM_THREADS=1 here, --torch-threads 1 for PyTorch.

Where the time goes (2-core AMD EPYC, OpenBLAS, numpy 2.4): the matrix products need about 2.05 GFLOP, some
30 ms at the peak of both cores; the element-wise work (five exponentials per unit and step forward, and some
thirty passes over (n_a, m) arrays per step) runs on one core, and numpy's float64 exp takes about 5 ns per
element here (np.tanh about 13 ns).

Measured on 4 December 2026 at 06:02 UTC, after issue 22 (load average 4.6–5.7 from other jobs; one thread
each; six interleaved pairs, three of 9 runs and three of 15, median [best]): the per-step reference 115.3
[83.9], 99.0 [82.1], 171.7 [112.4], 178.1 [130.5], 192.8 [77.8], 185.6 [116.9] ms; PyTorch 2.13 CPU 81.1 [63.9],
114.1 [64.5], 128.0 [78.7], 186.8 [135.5], 148.5 [99.9], 168.4 [91.3] ms: ratios 1.42, 0.87, 1.34, 0.95, 1.30,
1.10 on medians, 1.31, 1.27, 1.43, 0.96, 0.78, 1.28 on best times, 1.22 best against best (77.8 / 63.9 ms). The
batched fast version took 110.5 [76.0], 111.3 [73.4], 209.8 [156.9], 208.2 [130.1], 158.9 [102.1],
203.3 [158.0] ms in the same runs: no faster than the per-step one within the noise, and its gradients differ
from the reference's by at most 6.2e-17. (Earlier the same day, before issue 22, the batched-but-plain reference
measured 1.0–1.9 × PyTorch on medians; 30 November, on a quieter machine with two threads: fast version
71.5 ms, PyTorch 73 ms.)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))



def timings(fn, runs: int) -> tuple[float, float]:
    """(median, best) time of fn over runs calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def dgemm_peak(runs: int) -> tuple[float, float]:
    """(median, best) rate of a 2048² matrix product, FLOP/s."""
    a = np.random.default_rng(0).normal(size=(2048, 2048))
    b = a.T.copy()
    median, best = timings(lambda: a @ b, runs)
    return 2 * 2048**3 / median, 2 * 2048**3 / best


def lstm_flops(m: int, T: int, n_x: int, n_a: int, n_y: int) -> float:
    """Floating-point operations of the matrix products of one forward + backward step."""
    gates = 2 * 4 * n_a * (n_a + n_x) * m * T  # forward W [a, x]; backward: dW, and d[a, x]
    output = 2 * n_y * n_a * m * T  # forward Wy a; backward: dWy, and da
    return 3 * gates + 3 * output


# ---------------------------------------------------------------------------------------------- the fast version
# Notebook 10's reference is written as the lecture writes the LSTM (plain gate equations, np.tanh, the sequence
# passes as loops over the cell). This is the version it replaced, kept here to measure what the speed tricks
# buy: W_x x⟨t⟩ + b for every step in one product before the loop, dW and dx in one product after the loop
# (dz kept for every step), each step's four gates computed in place
# in one contiguous block with one sigmoid, tanh(z) = 2σ(2z) − 1 (np.exp is cheaper than np.tanh here), the
# cache's gates as views of that block, and tanh(c⟨t⟩) read back from the cache as a⟨t⟩ / Γo.

def _sigmoid_into(z, out):
    with np.errstate(over="ignore"):
        e = np.exp(np.negative(z, out=out), out=out)
    e += 1
    return np.divide(1, e, out=out)


def fast_lstm_forward(x, a0, parameters, softmax):
    n_x, m, T_x = x.shape
    n_a, n_y = a0.shape[0], parameters["Wy"].shape[0]
    W = np.concatenate([parameters[k] for k in ("Wf", "Wu", "Wc", "Wo")])
    b = np.concatenate([parameters[k] for k in ("bf", "bu", "bc", "bo")])
    Wa, Wx = W[:, :n_a], W[:, n_a:]
    zx = (Wx @ x.transpose(0, 2, 1).reshape(n_x, T_x * m) + b).reshape(4 * n_a, T_x, m)
    a = np.zeros((n_a, m, T_x))
    c = np.zeros((n_a, m, T_x))
    cache_list = []
    a_next = a0
    gates = np.empty((T_x, 4 * n_a, m))
    gates[...] = zx.transpose(1, 0, 2)
    cand = slice(2 * n_a, 3 * n_a)
    c_next = np.zeros((n_a, m))
    for t in range(T_x):
        a_prev, c_prev = a_next, c_next
        g = gates[t]
        g += Wa @ a_prev
        g[cand] *= 2
        _sigmoid_into(g, g)
        g[cand] *= 2
        g[cand] -= 1
        ft, it, cct, ot = g[:n_a], g[n_a:2 * n_a], g[cand], g[3 * n_a:]
        c_next = it * cct + ft * c_prev
        a_next = 2 * _sigmoid_into(2 * c_next, np.empty_like(c_next)) - 1
        a_next *= ot
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        cache_list.append((a_next, c_next, a_prev, c_prev, ft, it, cct, ot, x[:, :, t], parameters))
    y_pred = softmax(parameters["Wy"] @ a.reshape(n_a, m * T_x) + parameters["by"]).reshape(n_y, m, T_x)
    return a, y_pred, c, (cache_list, x)


def fast_lstm_backward(da, caches):
    cache_list, x = caches
    parameters = cache_list[0][9]
    n_a, m, T_x = da.shape
    n_x = x.shape[0]
    W = np.concatenate([parameters[k] for k in ("Wf", "Wu", "Wc", "Wo")])
    Wa, Wx = W[:, :n_a], W[:, n_a:]
    dz = np.zeros((4 * n_a, T_x, m))
    da_prevt = np.zeros((n_a, m))
    dc_prevt = np.zeros((n_a, m))
    dzt = np.empty((4 * n_a, m))
    dzf, dzu, dzc, dzo = dzt[:n_a], dzt[n_a:2 * n_a], dzt[2 * n_a:3 * n_a], dzt[3 * n_a:]
    for t in reversed(range(T_x)):
        a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, _ = cache_list[t]
        da_next = da[:, :, t] + da_prevt
        tanh_c = np.divide(a_next, ot, out=np.zeros_like(ot), where=ot != 0)
        dc = dc_prevt + da_next * ot * (1 - tanh_c**2)
        np.multiply(dc * c_prev, ft * (1 - ft), out=dzf)
        np.multiply(dc * cct, it * (1 - it), out=dzu)
        np.multiply(dc * it, 1 - cct**2, out=dzc)
        np.multiply(da_next * tanh_c, ot * (1 - ot), out=dzo)
        dz[:, t] = dzt
        da_prevt = Wa.T @ dzt
        dc_prevt = dc * ft
    inputs = np.concatenate([np.stack([cache[2] for cache in cache_list], axis=1),
                             x.transpose(0, 2, 1)]).reshape(n_a + n_x, T_x * m)
    dz = dz.reshape(4 * n_a, T_x * m)
    dW = dz @ inputs.T
    db = np.sum(dz, axis=1, keepdims=True)
    dx = (Wx.T @ dz).reshape(n_x, T_x, m).transpose(0, 2, 1)
    gradients = {"dx": dx, "da0": da_prevt}
    for i, gate in enumerate("fuco"):
        gradients["dW" + gate] = dW[i * n_a:(i + 1) * n_a]
        gradients["db" + gate] = db[i * n_a:(i + 1) * n_a]
    return gradients


def fast_namespace(ns: dict) -> dict:
    """The notebook's namespace with lstm_forward and lstm_backward replaced by the fast version."""
    return {**ns, "lstm_forward": lambda x, a0, p: fast_lstm_forward(x, a0, p, ns["softmax"]),
            "lstm_backward": fast_lstm_backward}


def numpy_step(ns: dict, x, y, a0, params):
    a, y_pred, c, caches = ns["lstm_forward"](x, a0, params)
    n_a, m, T = a.shape
    n_y = y_pred.shape[0]
    loss = -np.sum(y * np.log(y_pred)) / m
    dzy = ((y_pred - y) / m).reshape(n_y, m * T)
    a2 = a.reshape(n_a, m * T)
    grads = {"dWy": dzy @ a2.T, "dby": dzy.sum(axis=1, keepdims=True)}
    grads.update(ns["lstm_backward"]((params["Wy"].T @ dzy).reshape(n_a, m, T), caches))
    return loss, grads


def torch_step_factory(x, y, n_x: int, n_a: int, n_y: int, threads: int | None = None):
    import torch

    torch.set_num_threads(threads or len(__import__("os").sched_getaffinity(0)))
    lstm = torch.nn.LSTM(n_x, n_a, dtype=torch.float64)
    linear = torch.nn.Linear(n_a, n_y, dtype=torch.float64)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 1, 0)))  # (T, m, n_x)
    target = torch.from_numpy(np.argmax(y, axis=0).T.copy())  # (T, m)

    def step():
        for p in list(lstm.parameters()) + list(linear.parameters()):
            p.grad = None
        out, _ = lstm(xt)
        logp = torch.log_softmax(linear(out), dim=-1)
        loss = torch.nn.functional.nll_loss(logp.reshape(-1, n_y), target.reshape(-1), reduction="sum") / x.shape[1]
        loss.backward()
        return loss

    return step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--m", type=int, default=64)
    parser.add_argument("--T", type=int, default=50)
    parser.add_argument("--n-x", type=int, default=64)
    parser.add_argument("--n-a", type=int, default=128)
    parser.add_argument("--n-y", type=int, default=64)
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="PyTorch's threads (default: every core; NumPy's are set by OPENBLAS_NUM_THREADS)")
    parser.add_argument("--torch-only", action="store_true",
                        help="time PyTorch only (for a separate environment that has torch but not the course)")
    args = parser.parse_args()
    m, T, n_x, n_a, n_y = args.m, args.T, args.n_x, args.n_a, args.n_y

    rng = np.random.default_rng(0)
    params = {k: rng.normal(0, 1 / np.sqrt(n_a + n_x), (n_a, n_a + n_x)) for k in ("Wf", "Wu", "Wc", "Wo")}
    params.update({k: np.zeros((n_a, 1)) for k in ("bf", "bu", "bc", "bo")})
    params.update(Wy=rng.normal(0, 1 / np.sqrt(n_a), (n_y, n_a)), by=np.zeros((n_y, 1)))
    x = rng.normal(size=(n_x, m, T))
    y = np.eye(n_y)[:, rng.integers(0, n_y, size=(m, T))]
    a0 = np.zeros((n_a, m))

    if args.torch_only:
        theirs, best_theirs = timings(torch_step_factory(x, y, n_x, n_a, n_y, args.torch_threads), args.runs)
        print(f"PyTorch CPU nn.LSTM + Linear + log-softmax, autograd: {theirs * 1e3:.1f} [{best_theirs * 1e3:.1f}] ms")
        return 0
    from autograde import reference

    ns = reference.namespace("10_lstm")
    fast = fast_namespace(ns)
    reference_grads = numpy_step(ns, x, y, a0, params)[1]
    fast_grads = numpy_step(fast, x, y, a0, params)[1]
    worst = max(float(np.max(np.abs(reference_grads[k] - fast_grads[k]))) for k in reference_grads)
    peak, best_peak = dgemm_peak(args.runs)
    ours, best_ours = timings(lambda: numpy_step(ns, x, y, a0, params), args.runs)
    quick, best_quick = timings(lambda: numpy_step(fast, x, y, a0, params), args.runs)
    flops = lstm_flops(m, T, n_x, n_a, n_y)
    print(f"sizes: m={m}, T={T}, n_x={n_x}, n_a={n_a}, n_y={n_y}, float64; median [best] of {args.runs} runs")
    print(f"DGEMM peak (2048² product): {peak / 1e9:.1f} [{best_peak / 1e9:.1f}] GFLOP/s")
    print(f"the fast version (in this file): {quick * 1e3:.1f} [{best_quick * 1e3:.1f}] ms = "
          f"{flops / quick / peak:.0%} [{flops / best_quick / best_peak:.0%}] of peak (issue 8's target: ≥ 50%); "
          f"its gradients differ from the reference's by at most {worst:.1e}")
    print(f"reference LSTM, forward + backward: {ours * 1e3:.1f} [{best_ours * 1e3:.1f}] ms, "
          f"{flops / ours / 1e9:.1f} GFLOP/s = {flops / ours / peak:.0%} [{flops / best_ours / best_peak:.0%}] "
          "of peak")
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed here: comparison skipped (run this file again with --torch-only in an "
              "environment that has torch and numpy, e.g. python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch numpy)")
        return 0
    theirs, best_theirs = timings(torch_step_factory(x, y, n_x, n_a, n_y, args.torch_threads), args.runs)
    print(f"PyTorch CPU nn.LSTM + Linear + log-softmax, autograd: {theirs * 1e3:.1f} [{best_theirs * 1e3:.1f}] ms; "
          f"ratio reference / PyTorch = {ours / theirs:.2f} [{best_ours / best_theirs:.2f}] (target ≤ 1.5), "
          f"fast version / PyTorch = {quick / theirs:.2f} [{best_quick / best_theirs:.2f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
