"""Book-style gradient clipping for the diagnosis benchmark (written from the contract in api.md)."""
from common.np import *  # noqa: F401,F403


def clip_grads(grads, max_norm):
    total_norm = 0
    for grad in grads:
        total_norm += np.sum(grad ** 2)
    total_norm = np.sqrt(total_norm)
    rate = max_norm / (total_norm + 1e-6)
    if rate < 1:
        for grad in grads:
            grad *= rate
