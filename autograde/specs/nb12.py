"""Notebook 12, Deep RNNs (深层循环神经网络): one recurrent layer, the per-time-step dense head, the stack."""

from __future__ import annotations

import numpy as np

from autograde import wire
from autograde.spec import Case, FunctionSpec, Gradient, Mistake, NotebookSpec
from autograde.specs._inputs import normal
from autograde.specs.nb03 import FORWARD_POINTS
from autograde.specs.nb04 import BACKWARD_POINTS, _gradients
from autograde.specs.nb11 import upstream

STEM = "12_deep_rnns"
FORWARD_STEM = "03_recurrent_neural_network"
BACKWARD_STEM = "04_backpropagation_through_time"

# stacks: n_a lists the layers' sizes, bottom first. The first stack has every size equal to n_x, so that a
# mistake that only changes values (not shapes), e.g. feeding x to every layer, is recognised and explained.
STACK_SIZES = (dict(n_x=3, n_a=(3, 3, 3), n_y=2, m=2, T_x=4), dict(n_x=2, n_a=(4, 3), n_y=3, m=3, T_x=3))
STACK_EDGE = (dict(n_x=2, n_a=(3,), n_y=2, m=1, T_x=1), dict(n_x=1, n_a=(1, 1), n_y=2, m=1, T_x=2),
              dict(n_x=3, n_a=(2, 4), n_y=4, m=2, T_x=1))
LAYER_SIZES = (dict(n_x=3, n_a=5, m=4, T_x=6), dict(n_x=4, n_a=3, m=3, T_x=5))
LAYER_EDGE = (dict(n_x=2, n_a=3, m=1, T_x=1), dict(n_x=1, n_a=1, m=1, T_x=2), dict(n_x=3, n_a=2, m=2, T_x=1))


def label(size: dict) -> str:
    """Sizes for messages: L and each layer's n_a."""
    n_a = size["n_a"]
    stack = f"L={len(n_a)}, n_a={'/'.join(map(str, n_a))}" if isinstance(n_a, tuple) else f"n_a={n_a}"
    rest = ", ".join(f"{k}={v}" for k, v in size.items() if k != "n_a")
    return f"{stack}, {rest}"


def layer_parameters(rng, n_a: int, n_below: int) -> dict:
    return {"Waa": normal(rng, n_a, n_a, scale=0.5), "Wax": normal(rng, n_a, n_below, scale=0.5),
            "ba": normal(rng, n_a, 1, scale=0.3)}


def stack_parameters(rng, n_x: int, n_a: tuple, n_y: int) -> dict:
    below = (n_x,) + tuple(n_a[:-1])
    return {"layers": [layer_parameters(rng, n, b) for n, b in zip(n_a, below)],
            "Wya": normal(rng, n_y, n_a[-1], scale=0.5), "by": normal(rng, n_y, 1, scale=0.3)}


# ------------------------------------------------------------------------------------- rnn_layer_forward

def layer_case(rng, size, fns):
    n_x, n_a, m, T_x = size["n_x"], size["n_a"], size["m"], size["T_x"]
    args = {"x": normal(rng, n_x, m, T_x), "a0": normal(rng, n_a, m, scale=0.8),
            "layer": layer_parameters(rng, n_a, n_x)}
    return Case(label(size), args)


rnn_layer_forward = FunctionSpec(
    name="rnn_layer_forward",
    make_case=layer_case,
    points={"shapes": 1, "values": 2, "edge": 1, "unchanged": 1},
    outputs=("a", "cache"),
    sizes=LAYER_SIZES,
    edge_sizes=LAYER_EDGE,
    mistakes=(
        Mistake("only the first time step is right: is a_prev updated inside the loop over t?",
                when=lambda out, ref, case: isinstance(out, tuple) and isinstance(out[0], np.ndarray)
                and out[0].shape == ref[0].shape and ref[0].shape[2] > 1
                and np.allclose(out[0][:, :, 0], ref[0][:, :, 0]) and not np.allclose(out[0], ref[0])),
    ),
)


# -------------------------------------------------------------------------------- time_distributed_dense

def dense_case(rng, size, fns):
    n_in, n_out, m, T_x = size["n_in"], size["n_out"], size["m"], size["T_x"]
    args = {"a": np.tanh(normal(rng, n_in, m, T_x)), "W": normal(rng, n_out, n_in), "b": normal(rng, n_out, 1)}
    return Case(", ".join(f"{k}={v}" for k, v in size.items()), args)


time_distributed_dense = FunctionSpec(
    name="time_distributed_dense",
    make_case=dense_case,
    points={"shapes": 1, "values": 2, "edge": 1, "unchanged": 1},
    sizes=(dict(n_in=5, n_out=3, m=4, T_x=6), dict(n_in=2, n_out=4, m=3, T_x=2)),
    edge_sizes=(dict(n_in=3, n_out=2, m=1, T_x=1), dict(n_in=1, n_out=1, m=1, T_x=3), dict(n_in=2, n_out=3, m=5, T_x=1)),
    mistakes=(
        Mistake("the bias b is missing: z⟨t⟩ = W a⟨t⟩ + b at every time step.",
                outputs=lambda case, fns: {"": fns("time_distributed_dense")(
                    case.args["a"], case.args["W"], np.zeros_like(case.args["b"]))}),
    ),
)


# --------------------------------------------------------------------------------------- deep_rnn_forward

def stack_case(rng, size, fns):
    n_x, n_a, n_y, m, T_x = size["n_x"], size["n_a"], size["n_y"], size["m"], size["T_x"]
    args = {"x": normal(rng, n_x, m, T_x), "a0": [normal(rng, n, m, scale=0.8) for n in n_a],
            "parameters": stack_parameters(rng, n_x, n_a, n_y)}
    return Case(label(size), args)


def _stack_with(layer_input, layer_index=lambda l: l):
    """The hidden states of a wrong stack: layer l reads ``layer_input(x, below)`` with the parameters of
    layer ``layer_index(l)`` (None where the shapes do not allow it)."""

    def outputs(case, fns):
        x, a0, p = case.args["x"], case.args["a0"], case.args["parameters"]
        below, states = x, []
        for l in range(len(p["layers"])):
            layer = p["layers"][layer_index(l)]
            inputs = layer_input(x, below)
            if layer["Wax"].shape[1] != inputs.shape[0] or layer["Waa"].shape[0] != a0[l].shape[0]:
                return None
            below = fns("rnn_layer_forward")(inputs, a0[l], layer)[0]
            states.append(below)
        return {"a": states}

    return outputs


deep_rnn_forward = FunctionSpec(
    name="deep_rnn_forward",
    make_case=stack_case,
    points=FORWARD_POINTS,
    outputs=("a", "y_pred", "caches"),
    depends=("rnn_layer_forward", "time_distributed_dense", "softmax"),
    sizes=STACK_SIZES,
    edge_sizes=STACK_EDGE,
    mistakes=(
        Mistake("every layer reads x: layer l's input at time t is a[l-1]⟨t⟩, the states of the layer below "
                "(only layer 1 reads x).", outputs=_stack_with(lambda x, below: x)),
        Mistake("every layer uses the first layer's parameters: layer l has its own Waa, Wax, ba in "
                "parameters['layers'][l].", outputs=_stack_with(lambda x, below: below, lambda l: 0)),
    ),
)


# -------------------------------------------------------------------------------------- deep_rnn_backward

def stack_backward_case(rng, size, fns):
    case = stack_case(rng, size, fns)
    dz = upstream(rng, size["n_y"], size["m"], size["T_x"])
    _, _, caches = fns("deep_rnn_forward")(**case.args)
    return Case(case.label, {"dz": dz, "caches": caches}, context={**case.args, "dz": dz})


def stack_backward_numeric(forward, context):
    c = wire.copy(context)
    p = c["parameters"]

    def loss():  # sum(dz * log y_pred) = sum(dz * z): see nb11.upstream
        return np.sum(c["dz"] * np.log(forward(c["x"], c["a0"], p)[1]))

    variables = {"dx": c["x"], "dWya": p["Wya"], "dby": p["by"]}
    for l, (a0, layer) in enumerate(zip(c["a0"], p["layers"])):
        variables[f"da0[{l}]"] = a0
        variables.update({f"layers[{l}].d{k}": layer[k] for k in ("Waa", "Wax", "ba")})
    return _gradients(loss, variables)


def _layer_close(out, ref, l):
    try:
        return all(out["layers"][l][k].shape == ref["layers"][l][k].shape
                   and np.allclose(out["layers"][l][k], ref["layers"][l][k]) for k in ("dWaa", "dWax", "dba"))
    except (KeyError, IndexError, TypeError, AttributeError):
        return False


def _lower_layers_cut_off(out, ref, case):
    top = len(ref["layers"]) - 1
    return top > 0 and _layer_close(out, ref, top) and not any(_layer_close(out, ref, l) for l in range(top))


def _layers_reversed(out, ref, case):
    n = len(ref["layers"])
    return n > 1 and isinstance(out, dict) and isinstance(out.get("layers"), list) and len(out["layers"]) == n \
        and all(_layer_close({"layers": out["layers"][::-1]}, ref, l) for l in range(n))


deep_rnn_backward = FunctionSpec(
    name="deep_rnn_backward",
    make_case=stack_backward_case,
    points=BACKWARD_POINTS,
    depends=("rnn_backward", "time_distributed_dense"),  # the head's backward is a dense layer with Wyaᵀ
    sizes=STACK_SIZES,
    edge_sizes=STACK_EDGE,
    gradient=Gradient(forward="deep_rnn_forward", numeric=stack_backward_numeric,
                      shared="the gradient dz at the output and what the head passes down to the top layer, "
                             "Wyaᵀ dz⟨t⟩"),
    mistakes=(
        Mistake("the layers' gradients are in the wrong order: going from the top down, put layer l's "
                "gradients at layers[l] (fill a list of L entries by index, or reverse it at the end).",
                when=_layers_reversed),
        Mistake("the top layer's gradients are right but no lower layer's are: the gradient arriving at "
                "layer l-1 from above is the dx that rnn_backward returned for layer l; pass it on down.",
                when=_lower_layers_cut_off),
    ),
)


NOTEBOOK = NotebookSpec(
    stem=STEM,
    functions=(rnn_layer_forward, time_distributed_dense, deep_rnn_forward, deep_rnn_backward),
    imports={"softmax": FORWARD_STEM, "rnn_cell_backward": BACKWARD_STEM, "rnn_backward": BACKWARD_STEM},
)
