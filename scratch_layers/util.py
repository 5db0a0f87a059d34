"""The book's ``common/util.py``, by name: one place that re-exports its utilities.

Students import ``from common.util import preprocess, clip_grads, ...``; this
module gives the same names. It holds no code of its own: each utility lives
in the module of its idea and is re-exported here. The text tools come from
``scratch_layers.text``; the training utilities (``clip_grads``,
``remove_duplicate``, ``eval_perplexity``) will also be re-exported here,
from their own modules.
"""

# ---- text tools (scratch_layers.text) --------------------------------------
from scratch_layers.text import (  # noqa: F401
    analogy,
    convert_one_hot,
    cos_similarity,
    create_co_matrix,
    create_contexts_target,
    most_similar,
    normalize,
    ppmi,
    preprocess,
)
# ---- end of text tools ------------------------------------------------------

# ---- gradient utilities (scratch_layers.grad_utils) ------------------------
# clip_grads (the book's util.py) and remove_duplicate (the book's trainer.py).
from scratch_layers.grad_utils import clip_grads, remove_duplicate  # noqa: F401,E402
# ---- end of gradient utilities ----------------------------------------------

# ---- training loops (scratch_layers.trainer) --------------------------------
# eval_perplexity (the book's util.py); Trainer and RnnlmTrainer stay in trainer.
from scratch_layers.trainer import eval_perplexity  # noqa: F401,E402
# ---- end of training loops --------------------------------------------------
