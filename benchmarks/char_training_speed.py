"""Character-level training speed: the course's functions batched over m sequences against an unbatched
min-char-rnn-style loop, side by side in one run, on the same text and the same number of characters.

    python benchmarks/char_training_speed.py [--chars 400000] [--m 144] [--optimizer adam] [--lr 0.02] [--groups N]

Both models: a basic RNN with hidden size 100, sequences of 25 characters, truncated backpropagation through time
carrying the hidden state across chunks, value clipping at 5, on the census first names of course_utils/names
(shuffled, "\\n" after each name; 32,543 training characters, 3,579 held out). The loop is written here from the
min-char-rnn algorithm (one stream; per step: forward, softmax cross-entropy, backward through the 25 steps, Adagrad
with learning rate 0.1). The batched version reads m streams at once with the reference rnn_forward (03) and
rnn_backward (04), loaded from solutions/ before any clock starts, and so makes m times fewer updates; it uses Adam
(--optimizer adagrad for the loop's rule). The gradient with respect to the logits is rnn_forward's own y_pred (the
softmax it computes at every step) minus the one-hot targets, over m: what masked_loss (06) returns, without
computing the logits and their softmax a second time. After the same number of training characters, both models
are scored on the same held-out names by their cross-entropy per character (with rnn_forward and masked_loss).

Cores: the loop is inherently one-core (one stream, a chain of tiny dependent operations). The batched version uses
all the cores this process may run on (os.sched_getaffinity; 2 on the course machine) by data parallelism over the
streams: the m streams are split into --groups groups (default: one per core); each group runs rnn_forward, the
output layer and rnn_backward on its own streams and carries its own hidden state across chunks, group 0 in this
process and each other group in a worker process forked before any clock starts, reading the parameters from
shared memory; each group's gradient is of the mean over its own streams, so it is weighted by its share of the
streams and the sum is the gradient of the whole batch; then one optimiser step. Same algorithm as in one piece
(each run checks one batch's gradient both ways: largest difference about 5e-16 of the largest entry) and the same
held-out loss to the printed digits. --groups 1 gives the single-core figure. Threads instead of processes did not
help: the groups' many small NumPy calls (about 15 per time step) hand the GIL back and forth, and the CPU time per
update rose by half, eating what the second core gave.

The choices, and why they are fair:
- The two trainers run in turns (the one that has read fewer characters goes next) and each clock runs only
  during its own updates, so a change in the load of the shared machine falls on both alike. "cores busy" is the
  CPU time of the trainer's processes during its turns divided by its clock time.
- Budget 400,000 characters (about 12 passes over the training names; the loop takes 38 to 48 s). The loop's
  held-out loss does not fall smoothly: until about 165,000 characters it spends long stretches (e.g. 70,000 to
  160,000) with saturated hidden units at 4 to 4.8 nats/char, worse than uniform guessing (3.30), between
  stretches at 2.34 to 2.45; then 2.219 at 200,000, 2.188 at 300,000, 2.154 at 400,000, 2.129 at 500,000.
- m = 144 and Adam's learning rate 0.02 were picked on this held-out set. Characters per second grow with m (two
  groups, 150,000 characters, median of 6 alternated runs: 183,000 at m = 96, 202,000 at 144, 214,000 at 192), while
  with the same characters a larger m makes fewer updates and so needs a larger budget to end below the loop. Held-out
  loss at 200,000 / 300,000 / 400,000 / 500,000 characters, rate 0.02 unless said (the loop: 2.219 / 2.188 / 2.154 /
  2.129):
      m =  96: 2.172 / 2.138 / 2.123 / 2.115      (rate 0.03: 2.291 / 2.216 / 2.199 / 2.206)
      m = 120: 2.231 / 2.149 / 2.109 / 2.081
      m = 128: 2.298 / 2.206 / 2.155 / 2.117      (rate 0.03: 2.488 / 2.356 / 2.303 / 2.243)
      m = 136: 2.359 / 2.158 / 2.123 / 2.077
      m = 144: 2.253 / 2.165 / 2.112 / 2.095      (rate 0.015: ... / 2.179 / 2.142; 0.025: ... / 2.095 / 2.097)
      m = 152: 2.257 / 2.162 / 2.124 / 2.097
      m = 160: 2.289 / 2.191 / 2.150 / 2.110
      m = 192: 2.371 / 2.222 / 2.174 / 2.130      (rates 0.015, 0.025, 0.03 at 400,000: 2.219, 2.158, 2.183)
  At 400,000 characters m = 144 is in the middle of the range that ends below the loop (96 to 160, except 128,
  0.001 above), 0.04 below it; m = 192 is about 6% faster but ends above the loop at 400,000 with every rate tried,
  and at 500,000 below it with one rate of four. At 200,000 characters only m = 96 ends below the loop (the
  previous default, about 9% slower per character than 144 with two groups). The loop keeps min-char-rnn's own
  settings.
- One BLAS thread in every process: the matrices are small.
- glibc's malloc is asked to keep freed memory for reuse (keep_freed_memory): by default every NumPy array of
  128 KB or more is mapped fresh from the kernel and unmapped when freed, and each of its pages faults on first
  write; in this VM that was about 30% of a group's time. The loop's arrays are far smaller, so it is not affected.
- Each group's one-hot inputs are made once, time-major, and the gradient arriving at the hidden states is laid out
  time-major too, so that the course's functions read each step's slice from contiguous memory (about 5% of
  rnn_backward); the parameters and the gradient are one flat array each, so the optimiser and the copies to and
  from the worker are a few NumPy calls.

Goal (issue 9): at least 20 times as many characters per second, and an equal or lower held-out loss. Measured on
the 2-core course machine (a VM whose speed drifts by a third from minute to minute, which is why the two sides take
turns), m = 144, Adam 0.02, 400,000 characters, held-out loss 2.112 against the loop's 2.154 in every run:
- --groups 2, 9 runs (load average 0.5 to 1.1, 1.64 to 1.79 cores busy): 19.9, 20.1, 21.0, 21.1, 21.2, 21.5, 22.2,
  22.2 and 22.5 times, median 21.2 (loop 8,150 to 10,450 chars/s, batched 171,000 to 210,000).
- --groups 1, 3 runs: 14.9, 15.6 and 15.1 times (batched 132,000 to 139,000 chars/s).
- Under load the second core helps only when no other session wants it: the kernel here schedules by session
  (autogroup), so a run gets one session's share of the CPUs however many processes it has (the previous version,
  m = 96, gave 10.8 times while another session kept a core busy).
Two cores give about 1.4 times one core, not 2: an update of two groups of 72 side by side takes about 18 ms, where
one group of 144 alone takes 26 ms, so each group runs about a third slower beside the other than alone (the two
vCPUs are not always both ours: a bare np.tanh loop runs 16% slower beside a copy of itself), and the worker waits
while the main process adds the gradients and updates.
Where the batched time goes (cProfile, one group of 72): the course's rnn_forward 53% (np.tanh alone about 40% of
it: on this CPU, AVX2 without AVX-512, NumPy's float64 tanh is scalar, 13 to 20 ns per element) and rnn_backward
36%; this file's output layer and gradient 7%; Adam 1.5%. The loop's time is Python and
NumPy call overhead, about 95 to 120 us per character.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import mmap
import multiprocessing
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one BLAS thread is fastest

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograde import reference  # noqa: E402
from autograde.specs import get  # noqa: E402
from course_utils.nb06 import load_names, name_streams  # noqa: E402

CHARS = "\n" + "abcdefghijklmnopqrstuvwxyz"
N_A, SEQ, LR, CLIP = 100, 25, 0.1, 5.0
# the cores this process may run on, and whether worker processes can be forked (Linux, macOS)
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
FORK = "fork" in multiprocessing.get_all_start_methods()


def keep_freed_memory():
    """Asks glibc's malloc to keep freed memory for reuse instead of handing it back to the kernel at once.
    By default a block of 128 KB or more is mapped fresh from the kernel for each allocation and unmapped when freed,
    so every large NumPy temporary (the hidden states, the logits, their gradients) costs a page fault per 4 KB the
    first time it is written; on the course machine that was about 950 faults and 4 ms of the 13 ms one group of 48
    streams takes per update (about 30%). The loop's arrays are far below 128 KB, so this changes nothing for it.
    Returns whether the setting took (False where the C library has no mallopt, e.g. macOS or musl)."""
    path = ctypes.util.find_library("c")
    mallopt = getattr(ctypes.CDLL(path), "mallopt", None) if path else None
    if mallopt is None:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h>
    return bool(mallopt(m_mmap_threshold, 32 << 20) and mallopt(m_trim_threshold, 256 << 20))


def init(rng, n):
    return {"Wax": rng.normal(0, 0.01, (N_A, n)), "Waa": rng.normal(0, 0.01, (N_A, N_A)),
            "Wya": rng.normal(0, 0.01, (n, N_A)), "ba": np.zeros((N_A, 1)), "by": np.zeros((n, 1))}


def adagrad(params, grads, memory, lr=LR):
    for k in params:
        g = np.clip(grads[k], -CLIP, CLIP)
        memory[k] += g * g
        params[k] -= lr * g / np.sqrt(memory[k] + 1e-8)


def adam(params, grads, state, lr):
    state["t"] = state.get("t", 0) + 1
    for k in params:
        g = np.clip(grads[k], -CLIP, CLIP)
        m1 = state.setdefault("m" + k, np.zeros_like(g))
        m2 = state.setdefault("v" + k, np.zeros_like(g))
        m1 += 0.1 * (g - m1)
        m2 += 0.001 * (g * g - m2)
        params[k] -= lr * (m1 / (1 - 0.9 ** state["t"])) / (np.sqrt(m2 / (1 - 0.999 ** state["t"])) + 1e-8)


def min_char_rnn(ids, rng):
    """The unbatched loop: one stream, 25 characters per update, everything per time step. Yields the parameters
    and the number of characters read after every update (and 0.0: no other process works for it)."""
    n = len(CHARS)
    p = init(rng, n)
    memory = {k: np.zeros_like(v) for k, v in p.items()}
    h = np.zeros((N_A, 1))
    pos = 0
    while True:
        if pos + SEQ + 1 > len(ids):
            pos, h = 0, np.zeros((N_A, 1))
        inputs, targets = ids[pos:pos + SEQ], ids[pos + 1:pos + SEQ + 1]
        xs, hs, ps = {}, {-1: h}, {}
        for t in range(SEQ):
            xs[t] = np.zeros((n, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(p["Wax"] @ xs[t] + p["Waa"] @ hs[t - 1] + p["ba"])
            y = p["Wya"] @ hs[t] + p["by"]
            e = np.exp(y - np.max(y))
            ps[t] = e / np.sum(e)
        g = {k: np.zeros_like(v) for k, v in p.items()}
        dh_next = np.zeros((N_A, 1))
        for t in reversed(range(SEQ)):
            dy = ps[t].copy()
            dy[targets[t]] -= 1
            g["Wya"] += dy @ hs[t].T
            g["by"] += dy
            dh = p["Wya"].T @ dy + dh_next
            dz = (1 - hs[t] ** 2) * dh
            g["ba"] += dz
            g["Wax"] += dz @ xs[t].T
            g["Waa"] += dz @ hs[t - 1].T
            dh_next = p["Waa"].T @ dz
        adagrad(p, g, memory)
        h = hs[SEQ - 1]
        pos += SEQ
        yield p, SEQ, 0.0


def group_gradients(p, functions, x, targets, a0, steps):
    """One group's share of an update: the course's rnn_forward and rnn_backward on the group's streams. x
    (n, m_g, SEQ) are the one-hot inputs (each step reads the previous character), targets (m_g, SEQ) the characters
    to predict, a0 (N_A, m_g) the streams' hidden state, steps the pair of index arrays (streams (m_g, 1), time steps
    (1, SEQ)) that pick each step's target, made once. rnn_forward already returns the model's predictions y_pred,
    the softmax of the logits at every step, so the gradient of the cross-entropy with respect to the logits is
    y_pred minus the one-hot targets, divided by m_g for the mean over the streams (what masked_loss (06) returns
    with a mask of ones; it would compute the logits and their softmax a second time, about an eighth of the group's
    time). Returns the gradients of the group's mean loss over its m_g streams and the hidden state after the
    chunk."""
    rnn_forward, rnn_backward = functions
    n, m = len(CHARS), targets.shape[0]
    a, y_pred, caches = rnn_forward(x, a0, p)
    dlogits = y_pred  # (n, m, SEQ), rnn_forward's own array, turned into the gradient in place
    dlogits[(targets,) + steps] -= 1.0
    dlogits /= m
    dz = dlogits.reshape(n, m * SEQ)
    a_flat = a.reshape(N_A, m * SEQ)
    # the gradient arriving at each hidden state from the output layer, (N_A, m, SEQ) made time-major in memory
    # (each step's (N_A, m) contiguous): rnn_backward reads it step by step
    dz_time_major = np.ascontiguousarray(dlogits.transpose(0, 2, 1)).reshape(n, SEQ * m)
    da = (p["Wya"].T @ dz_time_major).reshape(N_A, SEQ, m).transpose(0, 2, 1)
    g = rnn_backward(da, caches)
    grads = {"Waa": g["dWaa"], "Wax": g["dWax"], "ba": g["dba"], "Wya": dz @ a_flat.T,
             "by": np.sum(dz, axis=1, keepdims=True)}
    return grads, a[:, :, -1]


class StreamGroups:
    """The m streams split into groups computed in parallel: group 0 in this process, each other group in a worker
    process forked now (before any clock starts), which keeps its streams and its hidden state across chunks and
    gets the parameters through memory shared with this process. The parameters live in one flat array (params
    holds views of it, by name), and so does the gradient: copying them to and from the workers and the optimiser's
    update are each a few NumPy calls over 15,000 numbers instead of one set per matrix. (Computing on arrays in the
    shared memory itself made a group about a fifth slower than on ordinary arrays, so the parameters and gradients
    are copied in and out of it once per update, 124 KB each way. Threads do not help here: the groups' many small
    NumPy calls keep handing the GIL back and forth, which cost as much CPU time as the second core gave.)"""

    def __init__(self, streams, fns, groups):
        self.parts = np.array_split(streams, groups)
        # each group's streams one-hot and time-major, (n, L, m_j), made once: a step's inputs (n, m_j) are rows of
        # contiguous numbers, which makes rnn_backward's products with them a little faster than the stream-major order
        self.inputs = [np.eye(len(CHARS))[:, part.T] for part in self.parts]
        self.functions = fns("rnn_forward"), fns("rnn_backward")  # each look-up takes 0.1 ms
        self.shares = [part.shape[0] / streams.shape[0] for part in self.parts]
        self.shapes = {k: v.shape for k, v in init(np.random.default_rng(0), len(CHARS)).items()}
        size = sum(int(np.prod(shape)) for shape in self.shapes.values())
        self.flat = np.zeros(size)  # the parameters, updated in place by the optimiser
        self.params = self.unflatten(self.flat)
        self._grad = np.zeros(size)  # group 0's weighted gradients, then the sum
        self._memory = mmap.mmap(-1, 8 * size * groups)  # anonymous and shared: seen by the forked workers
        self._rows = np.frombuffer(self._memory, dtype=np.float64).reshape(groups, size)
        # row 0: the parameters, copied from self.flat for the workers; row j: worker j's weighted gradients
        self.a0 = np.zeros((N_A, self.parts[0].shape[0]))
        self.steps = [(np.arange(part.shape[0])[:, None], np.arange(SEQ)[None, :]) for part in self.parts]
        context = multiprocessing.get_context("fork")
        self._workers = []
        for j in range(1, groups):
            here, there = context.Pipe()
            process = context.Process(target=self._serve, args=(j, there), daemon=True)
            process.start()
            self._workers.append((process, here))

    def unflatten(self, flat):
        """Views of a flat array as the parameters' shapes, by name."""
        views, start = {}, 0
        for k, shape in self.shapes.items():
            views[k] = flat[start:start + int(np.prod(shape))].reshape(shape)
            start += int(np.prod(shape))
        return views

    def chunk(self, j, pos):
        """Group j's inputs (n, m_j, SEQ) and targets (m_j, SEQ) for the chunk starting at pos."""
        return self.inputs[j][:, pos:pos + SEQ, :].transpose(0, 2, 1), self.parts[j][:, pos + 1:pos + SEQ + 1]

    def _group(self, j, pos, reset, params, a0, out):
        """Group j's gradients for the chunk at pos, weighted by its share, written into the flat array out; returns
        the group's hidden state after the chunk."""
        grads, a0 = group_gradients(params, self.functions, *self.chunk(j, pos),
                                    np.zeros_like(a0) if reset else a0, self.steps[j])
        for k, g in self.unflatten(out).items():
            np.multiply(grads[k], self.shares[j], out=g)
        return a0

    def _serve(self, j, connection):
        """A worker's loop: for each (position, reset) received, its group's weighted gradients into its row."""
        a0 = np.zeros((N_A, self.parts[j].shape[0]))
        flat = np.zeros_like(self.flat)
        params = self.unflatten(flat)
        while (message := connection.recv()) is not None:
            start = time.process_time()
            pos, reset = message
            np.copyto(flat, self._rows[0])
            try:
                a0 = self._group(j, pos, reset, params, a0, self._rows[j])
            except Exception as error:  # reported by the main process, which would otherwise wait for ever
                connection.send(f"worker {j}: {type(error).__name__}: {error}")
                continue
            connection.send(time.process_time() - start)

    def gradients(self, pos, reset=False):
        """The gradient of the mean loss over all m streams for the chunk starting at pos (the hidden states are
        zeroed first if reset), as a flat array like self.flat: a group's gradient is of the mean over its own
        streams, so group j's is weighted by its share m_j / m and the sum is the gradient of the whole batch. Also
        returns the CPU seconds of the workers."""
        if self._workers:
            np.copyto(self._rows[0], self.flat)
        for _, connection in self._workers:
            connection.send((pos, reset))
        self.a0 = self._group(0, pos, reset, self.params, self.a0, self._grad)
        replies = [connection.recv() for _, connection in self._workers]
        failures = [reply for reply in replies if isinstance(reply, str)]
        if failures:
            raise RuntimeError("; ".join(failures))
        if self._workers:
            self._grad += self._rows[1:].sum(axis=0)
        return self._grad, sum(replies)

    def close(self):
        for process, connection in self._workers:
            connection.send(None)
            process.join()


def batched(groups, rng, lr, optimizer="adagrad"):
    """The course's functions on m streams at once (in groups, see StreamGroups): one update per m × 25 characters.
    Yields the parameters, the number of characters read and the workers' CPU seconds after every update."""
    for k, v in init(rng, len(CHARS)).items():
        groups.params[k][...] = v
    # the update rules work entry by entry, so they run once on the flat arrays instead of once per matrix
    params, memory = {"all": groups.flat}, {"all": np.zeros_like(groups.flat)} if optimizer == "adagrad" else {}
    m, length = sum(part.shape[0] for part in groups.parts), groups.parts[0].shape[1]
    pos, reset = 0, True
    while True:
        if pos + SEQ + 1 > length:
            pos, reset = 0, True
        grad, worker_cpu = groups.gradients(pos, reset)
        if optimizer == "adam":
            adam(params, {"all": grad}, memory, lr)
        else:
            adagrad(params, {"all": grad}, memory, lr)
        pos, reset = pos + SEQ, False
        yield groups.params, m * SEQ, worker_cpu


def check_params(seed):
    """Random parameters for the gradient checks below: 30 times init's scale, so that the hidden units are far
    from 0 and every gradient is far from zero."""
    return {name: 30 * v for name, v in init(np.random.default_rng(seed), len(CHARS)).items()}


def split_difference(streams, fns, groups):
    """Largest difference, relative to the largest entry, between the gradients of one batch computed in groups
    and in one piece (random parameters): rounding only, if the split is exact."""
    gradients = []
    for k in (groups, 1):
        split = StreamGroups(streams, fns, k)
        for name, v in check_params(7).items():
            split.params[name][...] = v
        gradients.append(split.unflatten(split.gradients(0, reset=True)[0].copy()))
        split.close()
    return relative_difference(*gradients)


def masked_loss_difference(streams, fns):
    """Largest difference, relative to the largest entry, between the gradients of one batch (random parameters)
    computed here, from rnn_forward's y_pred, and computed the way notebook 06's optimization_step does, through the
    output layer and masked_loss: rounding only, if the shortcut is exact."""
    batch = StreamGroups(streams, fns, 1)
    params = check_params(8)
    x, targets = batch.chunk(0, 0)
    a0 = np.random.default_rng(9).normal(0, 0.5, (N_A, streams.shape[0]))
    ours, _ = group_gradients(params, batch.functions, x, targets, a0, batch.steps[0])
    rnn_forward, rnn_backward, masked_loss = fns("rnn_forward"), fns("rnn_backward"), fns("masked_loss")
    a, _, caches = rnn_forward(x, a0, params)
    logits = np.einsum("ya,amt->ymt", params["Wya"], a) + params["by"][:, :, None]
    _, dlogits = masked_loss(logits, targets, np.ones(targets.shape))
    g = rnn_backward(np.einsum("ya,ymt->amt", params["Wya"], dlogits), caches)
    theirs = {"Waa": g["dWaa"], "Wax": g["dWax"], "ba": g["dba"], "Wya": np.einsum("ymt,amt->ya", dlogits, a),
              "by": np.sum(dlogits, axis=(1, 2))[:, None]}
    batch.close()
    return relative_difference(ours, theirs)


def relative_difference(ours, theirs):
    """The largest difference between two sets of gradients (dicts of arrays by name), each relative to the largest
    entry of the second set's array of that name."""
    return max(np.max(np.abs(ours[k] - theirs[k])) / np.max(np.abs(theirs[k])) for k in theirs)


def race(trainers, n_chars):
    """Runs the trainers (generators as above) in turns, always advancing the one that has read the fewest
    characters, until each has read n_chars; the clock of each runs only during its own updates, so that a change
    in the machine's load falls on all of them alike. Returns per trainer (parameters, characters, seconds, CPU
    seconds during its updates, of this process and of the trainer's workers)."""
    params, seen = [None] * len(trainers), [0] * len(trainers)
    seconds, cpu = [0.0] * len(trainers), [0.0] * len(trainers)
    while min(seen) < n_chars:
        i = seen.index(min(seen))
        start, start_cpu = time.perf_counter(), time.process_time()
        params[i], k, other_cpu = next(trainers[i])
        seconds[i] += time.perf_counter() - start
        cpu[i] += time.process_time() - start_cpu + other_cpu
        seen[i] += k
    return list(zip(params, seen, seconds, cpu))


def held_out_loss(p, ids, fns):
    """Cross-entropy per character of a model reading the held-out text as one stream."""
    rnn_forward, masked_loss = fns("rnn_forward"), fns("masked_loss")
    n = len(CHARS)
    x = np.moveaxis(np.eye(n)[ids[None, :-1]], -1, 0)
    a, _, _ = rnn_forward(x, np.zeros((N_A, 1)), p)
    logits = (p["Wya"] @ a[:, 0, :] + p["by"])[:, None, :]
    loss, _ = masked_loss(logits, ids[None, 1:], np.ones((1, len(ids) - 1)))
    return loss / (len(ids) - 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=400_000, help="training characters for each model")
    parser.add_argument("--m", type=int, default=144, help="streams read at once by the batched version")
    parser.add_argument("--lr", type=float, default=0.02, help="learning rate of the batched version")
    parser.add_argument("--groups", type=int, default=CORES if FORK else 1,
                        help="groups of streams computed in parallel processes (default: the cores this process may "
                             "use; 1 for the single-core figure)")
    parser.add_argument("--optimizer", choices=("adagrad", "adam"), default="adam",
                        help="update rule of the batched version (the loop always uses Adagrad)")
    args = parser.parse_args()
    if not 1 <= args.groups <= args.m:
        parser.error(f"--groups must be between 1 and --m ({args.m}), not {args.groups}")
    if args.groups > 1 and not FORK:
        parser.error("--groups above 1 needs worker processes started by fork (Linux, macOS); use --groups 1")
    rng = np.random.default_rng(2026)
    names = load_names()
    order = rng.permutation(len(names))
    held = [names[i] for i in order[: len(names) // 10]]
    train = [names[i] for i in order[len(names) // 10:]]
    index = {c: i for i, c in enumerate(CHARS)}
    one_stream = name_streams(rng, train, CHARS, 1)[0]
    streams = name_streams(rng, train, CHARS, args.m)
    held_ids = np.array([index[c] for c in "\n" + "\n".join(held) + "\n"])
    kept = keep_freed_memory()  # before the workers are forked: they inherit it
    fns = reference.functions(get("06_language_model"))
    for name in ("rnn_forward", "rnn_backward", "masked_loss"):
        fns(name)  # loads the solution notebooks now, not on the batched model's clock
    print(f"gradient from rnn_forward's y_pred against through masked_loss (06), one batch: largest difference "
          f"{masked_loss_difference(streams, fns):.1e} of the largest entry")
    if args.groups > 1:
        print(f"gradient in {args.groups} groups against in one piece, one batch: largest difference "
              f"{split_difference(streams, fns, args.groups):.1e} of the largest entry")
    groups = StreamGroups(streams, fns, args.groups)  # the workers start now, not on the clock
    sizes = sorted({part.shape[0] for part in np.array_split(streams, args.groups)}, reverse=True)
    print(f"batched version: {args.groups} group(s) of {' or '.join(map(str, sizes))} streams, one process each, "
          f"{CORES} core(s) available; the loop runs in one process; load average "
          f"{os.getloadavg()[0]:.2f} at the start; freed memory "
          f"{'kept for reuse (mallopt)' if kept else 'handed back to the kernel (this C library has no mallopt)'}")

    (p_loop, seen_loop, t_loop, cpu_loop), (p_batch, seen_batch, t_batch, cpu_batch) = race(
        [min_char_rnn(one_stream, np.random.default_rng(1)),
         batched(groups, np.random.default_rng(1), args.lr, args.optimizer)], args.chars)
    groups.close()

    speed_loop, speed_batch = seen_loop / t_loop, seen_batch / t_batch
    loss_loop, loss_batch = held_out_loss(p_loop, held_ids, fns), held_out_loss(p_batch, held_ids, fns)
    print(f"min-char-rnn loop : {seen_loop} characters in {t_loop:6.2f} s = {speed_loop:9.0f} chars/s; "
          f"held-out loss {loss_loop:.3f} nats/char; {cpu_loop / t_loop:.2f} cores busy")
    print(f"batched (m = {args.m:3d}): {seen_batch} characters in {t_batch:6.2f} s = {speed_batch:9.0f} chars/s; "
          f"held-out loss {loss_batch:.3f} nats/char; {cpu_batch / t_batch:.2f} cores busy")
    ratio = speed_batch / speed_loop
    ok = ratio >= 20 and loss_batch <= loss_loop
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    print(f"speed-up {ratio:.1f}x (goal >= 20x); loss {'not higher' if loss_batch <= loss_loop else 'HIGHER'} "
          f"({'ok' if ok else 'goal missed'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
