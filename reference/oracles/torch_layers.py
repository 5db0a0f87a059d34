"""torch equivalents of the book's functions.py and layers.py.

Modules where torch has one (nn.Linear, nn.Embedding), functional ops
otherwise; every adapter returns book-layout NumPy arrays keyed by quantity.
The book's losses add 1e-7 inside the log, so their torch equivalents add
it explicitly (``F.nll_loss`` of ``log(p + 1e-7)``); the size of the
difference from plain ``F.cross_entropy`` is pinned in tests/test_losses.py.
"""
from __future__ import annotations


from reference.oracles import frameworks
from reference.registry import layouts
from reference.oracles import adapter
from reference.oracles.autodiff import (torch_copy_module, torch_grads, torch_leaf, torch_numpy)
from reference.registry.layers import dropout_mask

BOOK_LOG_EPS = 1e-7  # the book's epsilon inside the log


def _elementwise(op):
    def run(sample):
        x = torch_leaf(sample.inputs["x"], requires_grad=False)
        return {"out": torch_numpy(op(frameworks.torch(), x))}
    return run


adapter("torch", "sigmoid")(_elementwise(lambda torch, x: torch.sigmoid(x)))
adapter("torch", "relu")(_elementwise(lambda torch, x: torch.relu(x)))
adapter("torch", "softmax")(_elementwise(lambda torch, x: torch.softmax(x, dim=-1)))


def book_cross_entropy(torch, probabilities, t):
    """-mean(log(p[n, t[n]] + 1e-7)) with torch's nll_loss."""
    return torch.nn.functional.nll_loss(torch.log(probabilities + BOOK_LOG_EPS), t)


@adapter("torch", "cross_entropy_error")
def torch_cross_entropy_error(sample):
    torch = frameworks.torch()
    y = torch_leaf(sample.inputs["y"], requires_grad=False)
    t = torch_leaf(sample.inputs["t"], requires_grad=False)
    return {"out": torch_numpy(book_cross_entropy(torch, y, t))}


def linear(sample, bias: bool = True):
    """nn.Linear fed the book's W (and b); x may have any leading axes (TimeAffine's is 3-D)."""
    torch = frameworks.torch()
    W = sample.params["W"]
    lin = torch.nn.Linear(W.shape[0], W.shape[1], bias=bias)
    weights = {"weight": layouts.book_linear_to_torch(W)}
    if bias:
        weights["bias"] = sample.params["b"]
    torch_copy_module(lin, weights, sample.dtype)
    x = torch_leaf(sample.inputs["x"])
    out = lin(x)
    tensors = [x, lin.weight] + ([lin.bias] if bias else [])
    grads = torch_grads(out, sample.dout, tensors)
    result = {"out": torch_numpy(out), "dx": grads[0], "dW": layouts.torch_linear_to_book(grads[1])}
    if bias:
        result["db"] = grads[2]
    return result


adapter("torch", "MatMul")(lambda sample: linear(sample, bias=False))
adapter("torch", "Affine")(linear)


def _x_layer(op):
    """An adapter for a parameterless layer out = op(x), with dx."""
    def run(sample):
        torch = frameworks.torch()
        x = torch_leaf(sample.inputs["x"])
        out = op(torch, x, sample)
        result = {"out": torch_numpy(out)}
        if sample.dout is not None:
            (result["dx"],) = torch_grads(out, sample.dout, [x])
        return result
    return run


adapter("torch", "Softmax")(_x_layer(lambda torch, x, s: torch.nn.Softmax(dim=-1)(x)))
adapter("torch", "Sigmoid")(_x_layer(lambda torch, x, s: torch.nn.Sigmoid()(x)))


def _dropout(torch, x, sample):
    if sample.forward_kwargs["train_flg"]:
        return x * torch.from_numpy(dropout_mask(sample).astype(sample.dtype))
    return x * (1.0 - sample.init_kwargs["dropout_ratio"])


adapter("torch", "Dropout[train]")(_x_layer(_dropout))
adapter("torch", "Dropout[eval]")(_x_layer(_dropout))


@adapter("torch", "SoftmaxWithLoss")
def torch_softmax_with_loss(sample):
    torch = frameworks.torch()
    x = torch_leaf(sample.inputs["x"])
    t = torch_leaf(sample.inputs["t"], requires_grad=False)
    # The book's gradient is that of the exact loss (no epsilon): take dx from
    # F.cross_entropy and the loss value from the epsilon form.
    exact = torch.nn.functional.cross_entropy(x, t)
    (dx,) = torch_grads(exact, sample.dout, [x])
    loss = book_cross_entropy(torch, torch.softmax(x, dim=1), t)
    return {"out": torch_numpy(loss), "dx": dx}


@adapter("torch", "SigmoidWithLoss")
def torch_sigmoid_with_loss(sample):
    torch = frameworks.torch()
    x = torch_leaf(sample.inputs["x"])
    t = torch.from_numpy(sample.inputs["t"].astype(sample.dtype))
    exact = torch.nn.functional.binary_cross_entropy_with_logits(x, t)
    (dx,) = torch_grads(exact, sample.dout, [x])
    y = torch.sigmoid(x)
    picked = torch.where(t > 0.5, y, 1.0 - y)
    loss = -torch.log(picked + BOOK_LOG_EPS).mean()
    return {"out": torch_numpy(loss), "dx": dx}


def embedding(sample, ids: str = "idx"):
    """nn.Embedding fed the book's W; ``ids`` names the input holding the word ids (any shape)."""
    torch = frameworks.torch()
    W = sample.params["W"]
    emb = torch_copy_module(torch.nn.Embedding(*W.shape), {"weight": W}, sample.dtype)
    out = emb(torch_leaf(sample.inputs[ids], requires_grad=False))
    (dW,) = torch_grads(out, sample.dout, [emb.weight])
    return {"out": torch_numpy(out), "dW": dW}


adapter("torch", "Embedding")(embedding)


@adapter("torch", "EmbeddingDot")
def torch_embedding_dot(sample):
    torch = frameworks.torch()
    W = sample.params["W"]
    emb = torch_copy_module(torch.nn.Embedding(*W.shape), {"weight": W}, sample.dtype)
    h = torch_leaf(sample.inputs["h"])
    out = (emb(torch_leaf(sample.inputs["idx"], requires_grad=False)) * h).sum(dim=1)
    dh, dW = torch_grads(out, sample.dout, [h, emb.weight])
    return {"out": torch_numpy(out), "dh": dh, "dW": dW}
