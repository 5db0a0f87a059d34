"""The two autodiff harnesses every framework adapter uses.

``torch_grads`` and ``keras_grads`` take the output, the upstream gradient
and the tensors to differentiate, and return NumPy arrays; adapters then
only build the framework's equivalent and map names and layouts.
"""
from __future__ import annotations

import numpy as np

from reference.oracles import frameworks


# -- torch ------------------------------------------------------------------
def torch_dtype(dtype):
    torch = frameworks.torch()
    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[np.dtype(dtype)]


def torch_leaf(a: np.ndarray, requires_grad: bool = True):
    """A torch leaf tensor holding a copy of ``a`` (contiguous; ints never require grad)."""
    torch = frameworks.torch()
    t = torch.from_numpy(np.ascontiguousarray(a).copy())
    if requires_grad and t.is_floating_point():
        t.requires_grad_(True)
    return t


def torch_copy_module(module, tensors: dict[str, np.ndarray], dtype):
    """Cast ``module`` to ``dtype`` and copy ``tensors`` into its parameters by name.

    The cast comes first: ``copy_`` into a float32 parameter silently rounds
    float64 values.
    """
    torch = frameworks.torch()
    module.to(torch_dtype(dtype))
    named = dict(module.named_parameters())
    with torch.no_grad():
        for name, value in tensors.items():
            named[name].copy_(torch.from_numpy(np.ascontiguousarray(value)))
    return module


def torch_grads(out, dout, tensors) -> list[np.ndarray | None]:
    """Gradients of sum(out * dout) with respect to ``tensors``, as NumPy arrays."""
    torch = frameworks.torch()
    grad_out = torch.as_tensor(np.asarray(dout), dtype=out.dtype)
    grads = torch.autograd.grad(out, list(tensors), grad_outputs=grad_out, allow_unused=True)
    return [None if g is None else g.detach().numpy().copy() for g in grads]


def torch_numpy(t) -> np.ndarray:
    return t.detach().numpy().copy()


# -- Keras / TensorFlow -----------------------------------------------------
def keras_constant(a: np.ndarray):
    tf = frameworks.tf()
    return tf.constant(np.asarray(a))


def keras_grads(tape, out, dout, tensors) -> list[np.ndarray | None]:
    """Gradients of sum(out * dout) recorded on ``tape``, as NumPy arrays.

    ``tensors`` may mix watched tf tensors and Keras variables (their
    backing tf.Variable is used).
    """
    tf = frameworks.tf()
    targets = [getattr(t, "value", t) if not isinstance(t, tf.Tensor) else t for t in tensors]
    grads = tape.gradient(out, targets, output_gradients=tf.constant(np.asarray(dout), dtype=out.dtype))
    return [None if g is None else np.asarray(tf.convert_to_tensor(g)).copy() for g in grads]
