"""One training harness for the agreement experiments of notebooks 08 (basic RNN), 09 (GRU) and 10 (LSTM).

The three notebooks train their models the same way, so that their numbers can be compared:

* the task is :func:`course_utils.agreement.agreement_data`: "the cat/cats <fillers> …", answer *was* or *were*
  after the last word; the subject is x⟨2⟩, so the verb's gradient crosses distance − 1 recurrent steps to
  reach it;
* :data:`RECIPE`: n_a = 16 units; the weights acting on the state and the input drawn from N(0, 1/(n_a + n_x));
  the output weights from N(0, 1/n_a); biases 0, except the GRU's update-gate bias b_u = −1 and the LSTM's
  forget-gate bias b_f = +1 (both: keep the memory at first); 120 Adam steps (learning rate 0.01) on batches
  of 32 new sentences; the gradient clipped to global norm 5 first (when the notebook gives a clipping
  function); test on 1000 new sentences;
* :data:`DISTANCES` and :data:`SEEDS`: every model at every distance with every seed, each run drawing its
  numbers from its own generator ``np.random.default_rng([seed, distance])``, so that a result does not depend
  on what ran before it, and the same model, distance and seed give the same initial weights, batches and test
  sentences in all three notebooks;
* beside each accuracy, :func:`subject_gradient`: the norm of the gradient of the verb's loss at the state of
  step 2 (the subject), at initialisation: what there is to learn from.

The forward and backward passes are the student's own, passed in as a :class:`Model`. Nothing here computes
a cell, a gradient of a cell or a clipping of the course: those are the exercises.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from course_utils.agreement import VOCAB, agreement_data

RECIPE = {"n_a": 16, "iterations": 120, "m": 32, "learning_rate": 0.01, "max_norm": 5.0, "test_m": 1000,
          "probe_m": 200}
DISTANCES = (2, 5, 10, 15, 20, 30)
SEEDS = (0, 1, 2)
N_X = len(VOCAB)


def recipe_text() -> str:
    """The recipe in one sentence, for the notebooks to print."""
    r = RECIPE
    return (f"n_a = {r['n_a']}; weights on [state, input] ~ N(0, 1/(n_a + n_x)); {r['iterations']} Adam steps, "
            f"learning rate {r['learning_rate']}, batches of {r['m']} new sentences, gradient clipped to global "
            f"norm {r['max_norm']:g}; tested on {r['test_m']} new sentences; seeds {', '.join(map(str, SEEDS))}")


# ------------------------------------------------------------------------------------------ BLAS threads

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads", "openblas_set_num_threads64_",
            "openblas_set_num_threads")


def _openblas():
    """(get, set) of the number of threads of the OpenBLAS that NumPy loaded, or None if not found."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps.read())))
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for setter in _SETTERS:
            getter = setter.replace("set_", "get_")
            if hasattr(lib, setter) and hasattr(lib, getter):
                get, set_ = getattr(lib, getter), getattr(lib, setter)
                get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                return get, set_
    return None


@contextlib.contextmanager
def single_threaded_blas():
    """Run the matrix products on one thread inside the block, then restore the previous number.

    The experiments' products are small (16 units, 32 sentences): a second BLAS thread saves nothing there,
    and on a busy machine waiting for it costs up to ten times the work itself. Does nothing where NumPy's
    BLAS is not an OpenBLAS it can find.
    """
    blas = _openblas()
    if blas is None:
        yield
        return
    get, set_ = blas
    before = get()
    set_(1)
    try:
        yield
    finally:
        set_(before)


# ------------------------------------------------------------------------------------------ optimiser

class Adam:
    """The Adam optimiser (Kingma & Ba 2015) on a dict of parameters, updated in place.

    ``step(params, grads)`` with ``grads[k]`` the gradient of the loss with respect to ``params[k]``.
    """

    def __init__(self, params: dict, learning_rate: float = 0.01, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, params: dict, grads: dict) -> None:
        missing = [k for k in params if k not in grads]
        if missing:
            raise ValueError(f"no gradient for {', '.join(missing)}")
        self.t += 1
        correction1, correction2 = 1 - self.beta1**self.t, 1 - self.beta2**self.t
        for k in params:
            g = grads[k]
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * g
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * g * g
            params[k] -= self.lr * (self.m[k] / correction1) / (np.sqrt(self.v[k] / correction2) + self.eps)


# ------------------------------------------------------------------------------------------ initial weights

def rnn_parameters(rng: np.random.Generator, n_a: int = 16, n_x: int = N_X, n_y: int = 2) -> dict:
    """A basic RNN's initial parameters (Waa, Wax, ba, Wya, by) by the recipe."""
    scale = 1 / np.sqrt(n_a + n_x)
    return {"Waa": rng.normal(0, scale, (n_a, n_a)), "Wax": rng.normal(0, scale, (n_a, n_x)),
            "ba": np.zeros((n_a, 1)), "Wya": rng.normal(0, 1 / np.sqrt(n_a), (n_y, n_a)), "by": np.zeros((n_y, 1))}


def gru_parameters(rng: np.random.Generator, n_a: int = 16, n_x: int = N_X, n_y: int = 2, bu: float = -1.0) -> dict:
    """A GRU's initial parameters (Wc, bc, Wu, bu, Wr, br, Wy, by) by the recipe; the update-gate bias is bu."""
    scale = 1 / np.sqrt(n_a + n_x)
    params = {k: rng.normal(0, scale, (n_a, n_a + n_x)) for k in ("Wc", "Wu", "Wr")}
    params.update(bc=np.zeros((n_a, 1)), bu=np.full((n_a, 1), float(bu)), br=np.zeros((n_a, 1)),
                  Wy=rng.normal(0, 1 / np.sqrt(n_a), (n_y, n_a)), by=np.zeros((n_y, 1)))
    return params


def lstm_parameters(rng: np.random.Generator, n_a: int = 16, n_x: int = N_X, n_y: int = 2, bf: float = 1.0) -> dict:
    """An LSTM's initial parameters (Wf, bf, Wu, bu, Wc, bc, Wo, bo, Wy, by) by the recipe; the forget-gate bias
    is bf."""
    scale = 1 / np.sqrt(n_a + n_x)
    params = {k: rng.normal(0, scale, (n_a, n_a + n_x)) for k in ("Wf", "Wu", "Wc", "Wo")}
    params.update(bf=np.full((n_a, 1), float(bf)), bu=np.zeros((n_a, 1)), bc=np.zeros((n_a, 1)),
                  bo=np.zeros((n_a, 1)), Wy=rng.normal(0, 1 / np.sqrt(n_a), (n_y, n_a)), by=np.zeros((n_y, 1)))
    return params


# ------------------------------------------------------------------------------------------ models

@dataclass(frozen=True)
class Model:
    """A recurrent model, made of the student's functions.

    forward(x, state0, params) returns the states (n_a, m, T_x) first and the caches last;
    backward(d_states, caches) returns a dict of gradients "d" + key for the parameters;
    step_back(grad, cache) carries the gradient at one step's state to the step before: the gradient is an
    array (basic RNN, GRU) or a pair (da, dc) (LSTM);
    init(rng, n_a, **options) draws the initial parameters; output is the output weights' key ("Wya" or "Wy").
    """

    name: str
    forward: Callable
    backward: Callable
    step_back: Callable
    init: Callable
    output: str


def basic_rnn(rnn_forward, rnn_backward, rnn_cell_backward) -> Model:
    """The basic RNN of notebooks 03 and 04."""
    return Model("basic RNN", rnn_forward, rnn_backward,
                 lambda da, cache: rnn_cell_backward(da, cache)["da_prev"], rnn_parameters, "Wya")


def gru(gru_forward, gru_backward, gru_cell_backward) -> Model:
    """The full GRU of notebook 09."""
    return Model("GRU", gru_forward, gru_backward,
                 lambda dc, cache: gru_cell_backward(dc, cache)["dc_prev"], gru_parameters, "Wy")


def lstm(lstm_forward, lstm_backward, lstm_cell_backward) -> Model:
    """The LSTM of notebook 10; its state gradient is the pair (da, dc)."""

    def step_back(grad, cache):
        g = lstm_cell_backward(grad[0], grad[1], cache)
        return g["da_prev"], g["dc_prev"]

    return Model("LSTM", lstm_forward, lstm_backward, step_back, lstm_parameters, "Wy")


def last_step_loss(model: Model, params: dict, x: np.ndarray, labels: np.ndarray):
    """Cross-entropy of the verb (the last step's output only, many-to-one) and its gradients.

    Returns (loss, grads, predictions, d_last, caches): grads has the parameters' keys; d_last (n_a, m) is
    the gradient the loss puts on the last state; the loss is computed from the logits by log-softmax, so it
    never takes the logarithm of a probability rounded to 0.
    """
    m = x.shape[1]
    n_a = params[model.output].shape[1]
    out = model.forward(x, np.zeros((n_a, m)), params)
    states, caches = out[0], out[-1]
    last = states[:, :, -1]
    z = params[model.output] @ last + params["by"]
    shifted = z - z.max(axis=0)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=0))
    loss = float(-np.mean(log_p[labels, np.arange(m)]))
    dz = np.exp(log_p)
    dz[labels, np.arange(m)] -= 1
    dz /= m
    d_states = np.zeros_like(states)
    d_states[:, :, -1] = params[model.output].T @ dz  # the only gradient from above is at the last step
    grads = {k[1:]: g for k, g in model.backward(d_states, caches).items() if k[1:] in params}
    grads[model.output], grads["by"] = dz @ last.T, np.sum(dz, axis=1, keepdims=True)
    return loss, grads, np.argmax(z, axis=0), d_states[:, :, -1], caches


def subject_gradient(model: Model, params: dict, x: np.ndarray, labels: np.ndarray) -> float:
    """‖∂L/∂(state)⟨2⟩‖: the norm, over the batch, of the gradient of the verb's loss at the state of step 2
    (the subject), carried back from the last step by the model's own one-step backward pass.

    For the basic RNN and the GRU the state is a⟨2⟩ (= c⟨2⟩ in the GRU); for the LSTM it is a⟨2⟩ too (the
    memory cell's share, ∂L/∂c⟨2⟩, is :func:`lstm_gradient_paths`'s subject).
    """
    grad, cache_list = _last_gradient(model, params, x, labels)
    for t in reversed(range(2, x.shape[2])):  # step T_x back to step 2: T_x − 2 = distance − 1 steps
        grad = model.step_back(grad, cache_list[t])
    return float(np.linalg.norm(grad[0] if isinstance(grad, tuple) else grad))


def _last_gradient(model, params, x, labels):
    _, _, _, d_last, caches = last_step_loss(model, params, x, labels)
    grad = (d_last, np.zeros_like(d_last)) if model.name == "LSTM" else d_last
    return grad, caches[0]


@dataclass
class Run:
    """One trained model: its parameters, test accuracy, training losses, and the gradient at the subject at
    initialisation (see :func:`subject_gradient`)."""

    params: dict
    accuracy: float
    losses: list
    gradient_at_start: float
    clipped: int  # training steps whose gradient the clipping function rescaled


def run_rng(seed: int, distance: int) -> np.random.Generator:
    """The generator of one run: the same seed and distance give the same numbers in every notebook."""
    return np.random.default_rng([int(seed), int(distance)])


def train(model: Model, distance: int, seed: int, clip: Callable | None = None, recipe: dict | None = None,
          **options) -> Run:
    """A fresh model trained at one distance by the recipe; ``options`` go to its ``init`` (bu=, bf=).

    ``clip(grads, max_norm) -> (grads, norm)`` is the notebook's clip_by_global_norm, applied before each
    Adam step when given (with Adam and these small gradients it rarely changes anything; see notebook 08).
    """
    with single_threaded_blas():
        return _train(model, distance, seed, clip, {**RECIPE, **(recipe or {})}, options)


def _train(model, distance, seed, clip, r, options) -> Run:
    rng = run_rng(seed, distance)
    params = model.init(rng, r["n_a"], **options)
    adam, losses, clipped = Adam(params, learning_rate=r["learning_rate"]), [], 0
    start = subject_gradient(model, params, *agreement_data(rng, r["probe_m"], distance))
    for _ in range(r["iterations"]):
        x, labels = agreement_data(rng, r["m"], distance)
        loss, grads, _, _, _ = last_step_loss(model, params, x, labels)
        if clip is not None:
            grads, norm = clip(grads, r["max_norm"])
            clipped += norm > r["max_norm"]
        adam.step(params, grads)
        losses.append(loss)
    x, labels = agreement_data(rng, r["test_m"], distance)
    accuracy = float(np.mean(last_step_loss(model, params, x, labels)[2] == labels))
    return Run(params, accuracy, losses, start, int(clipped))


def train_grid(models: list, distances=DISTANCES, seeds=SEEDS, clip: Callable | None = None, progress=None) -> dict:
    """{(model name, distance, seed): Run} for every model, distance and seed."""
    jobs = [(mdl, d, s) for mdl in models for d in distances for s in seeds]
    if progress is not None:
        jobs = progress(jobs, desc="training")
    return {(mdl.name, d, s): train(mdl, d, s, clip=clip) for mdl, d, s in jobs}


def summary(runs: dict, model: str, distances=DISTANCES, seeds=SEEDS) -> str:
    """One line per distance: each seed's test accuracy, with the norm of the gradient at the subject at
    initialisation in brackets."""
    lines = [f"{model}: test accuracy [‖∂L/∂a⟨2⟩‖ at initialisation] for seeds {', '.join(map(str, seeds))}"]
    for d in distances:
        lines.append(f"  distance {d:2d}: " + "   ".join(
            f"{runs[model, d, s].accuracy:6.1%} [{runs[model, d, s].gradient_at_start:.1e}]" for s in seeds))
    return "\n".join(lines)


def accuracies(runs: dict, model: str, distances=DISTANCES, seeds=SEEDS) -> np.ndarray:
    """(len(distances), len(seeds)) test accuracies."""
    return np.array([[runs[model, d, s].accuracy for s in seeds] for d in distances])


def gradients_at_start(runs: dict, model: str, distances=DISTANCES, seeds=SEEDS) -> np.ndarray:
    """(len(distances), len(seeds)) norms of the gradient at the subject at initialisation."""
    return np.array([[runs[model, d, s].gradient_at_start for s in seeds] for d in distances])


# ------------------------------------------------------------------------------------------ gradient check demo

def gradient_check_demo(forward, backward, buggy_backward, numerical_gradient, rng, keys, state0_name: str,
                        bug_name: str, n_x: int = 3, n_a: int = 4, n_y: int = 2, m: int = 2, T_x: int = 5):
    """Your backward pass and a buggy one, checked key by key against centred differences, side by side.

    The scalar f = Σ_t Σ d⟨t⟩ ∗ state⟨t⟩ with a fixed random d has exactly the gradients ``backward(d,
    caches)`` returns, so ``numerical_gradient`` (yours, from notebook 04) of f checks every key. ``keys``
    are the cell's parameter keys; the output layer gets Wy, by. ``state0_name`` is "c0" or "a0".
    """
    from course_utils.gradcheck import relative_error
    from course_utils.plots import plot_gradient_checks

    params = {k: rng.normal(0, 0.5, (n_a, n_a + n_x)) for k in keys if k.startswith("W")}
    params.update({k: rng.normal(0, 0.3, (n_a, 1)) for k in keys if k.startswith("b")})
    params.update(Wy=rng.normal(0, 0.5, (n_y, n_a)), by=np.zeros((n_y, 1)))
    x, state0, d = rng.normal(size=(n_x, m, T_x)), rng.normal(size=(n_a, m)), rng.normal(size=(n_a, m, T_x))

    def f():  # the scalar whose gradient the backward pass computes
        return np.sum(d * forward(x, state0, params)[0])

    numeric = {"dx": numerical_gradient(lambda _: f(), x), "d" + state0_name: numerical_gradient(lambda _: f(), state0)}
    numeric.update({"d" + k: numerical_gradient(lambda _: f(), params[k]) for k in keys})
    caches = forward(x, state0, params)[-1]
    checks = {}
    for fn, name in ((backward, f"your {getattr(backward, '__name__', 'backward')}"), (buggy_backward, bug_name)):
        grads = fn(d, caches)
        checks[name] = {k: relative_error(grads[k], numeric[k]) for k in numeric}
    axes = plot_gradient_checks(checks, figsize=(15, 4.4))
    return axes[0].figure
