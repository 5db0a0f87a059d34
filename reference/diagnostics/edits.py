"""Small edits of a student's function, proposed from its syntax tree (the repair search's candidates).

Each edit replaces one stretch of the source text (line, column to line,
column), so applying it changes the student's line only where the edit is
and the old and new lines read as a minimal diff. ``single_edits(source,
focus)`` lists them best ranked first; ``apply`` applies non-overlapping
ones; ``line_diff`` gives the changed line(s). The kinds of edit are listed
in ``reference.diagnostics.repair``.
"""
from __future__ import annotations

import ast
import difflib
import itertools
from dataclasses import dataclass

ELEMENTWISE_CALLS = {"tanh", "sigmoid", "exp", "log", "sqrt", "abs", "relu"}
REDUCTIONS = {"sum", "mean"}

# Lower rank: tried first. Edits that learners make most often come first.
RANK = {"loop": 1, "assign": 2, "transpose": 3, "name": 4, "swap": 5, "axis": 5, "slice": 6, "sign": 6,
        "term": 7, "factor": 7, "call": 8}


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` (line, column; 1-based lines, byte columns) by ``text``."""

    kind: str
    start: tuple[int, int]
    end: tuple[int, int]
    text: str
    rank: float = 0.0

    def overlaps(self, other: "Edit") -> bool:
        return not (self.end <= other.start or other.end <= self.start)


# -- proposing edits ----------------------------------------------------------------------------

class _Source:
    def __init__(self, source: str):
        self.text = source
        self.lines = source.encode("utf-8").splitlines(keepends=True)

    def seg(self, node) -> str:
        return ast.get_source_segment(self.text, node) or ""

    def between(self, a, b) -> str:
        """The text from the end of node ``a`` to the start of node ``b``."""
        return self.slice((a.end_lineno, a.end_col_offset), (b.lineno, b.col_offset))

    def slice(self, start, end) -> str:
        (l1, c1), (l2, c2) = start, end
        if l1 == l2:
            return self.lines[l1 - 1][c1:c2].decode("utf-8")
        parts = [self.lines[l1 - 1][c1:]] + self.lines[l1:l2 - 1] + [self.lines[l2 - 1][:c2]]
        return b"".join(parts).decode("utf-8")


def _span(node) -> tuple[tuple[int, int], tuple[int, int]]:
    return (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _scope(fn) -> tuple[list[str], list[str], list[str]]:
    """(array names, size names, loop-carried names) of a function."""
    stored, sizes = [], []
    args = [a.arg for a in fn.args.args + fn.args.kwonlyargs if a.arg not in ("self", "cls")]
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stored.append(node.id)
        if isinstance(node, ast.Assign):
            value = node.value
            sized = (isinstance(value, ast.Attribute) and value.attr == "shape") or (
                isinstance(value, ast.Subscript) and isinstance(value.value, ast.Attribute)
                and value.value.attr == "shape") or (isinstance(value, ast.Call) and _call_name(value) == "len")
            if sized:
                sizes += [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    loop_vars = {n.id for node in ast.walk(fn) if isinstance(node, ast.For)
                 for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    sizes = list(dict.fromkeys(sizes))
    arrays = [n for n in dict.fromkeys(args + stored) if n not in sizes and n not in loop_vars and n != "_"]
    carried = []
    for loop in (n for n in ast.walk(fn) if isinstance(n, ast.For)):
        inside = {n.id for s in loop.body for n in ast.walk(s) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store)}
        carried += [n for n in inside if n in arrays]
    return arrays, sizes, list(dict.fromkeys(carried))


def _similarity(a: str, b: str) -> float:
    strip = (lambda s: s[1:] if s.startswith("d") and len(s) > 1 else s)
    if strip(a) == strip(b):
        return 1.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def _focus_lines(fn, focus) -> dict[int, float]:
    """Line -> rank bonus: statements that name a failing quantity (``dc_prev``, ``grads`` for a weight
    gradient, ``return`` for an input gradient) first, the statements defining what they read next.
    A loop or ``if`` counts by its header (``for i, g in enumerate(self.layers[-1].grads):``)."""
    if not focus:
        return {}
    words = set(focus) | {q[:-1] for q in focus if q.endswith(("s", "0"))}       # dxs -> dx, dh0 -> dh
    words |= {"grads"} if any(q.startswith("dW") or q == "db" for q in focus) else set()
    pieces = []            # (first line, last line, the nodes that are on those lines)
    for n in ast.walk(fn):
        if isinstance(n, (ast.For, ast.While, ast.If)):
            head = [n.target, n.iter] if isinstance(n, ast.For) else [n.test]
            pieces.append((n.lineno, n.body[0].lineno - 1, head))
        elif isinstance(n, ast.stmt) and not isinstance(n, (ast.FunctionDef, ast.With, ast.Try)):
            pieces.append((n.lineno, n.end_lineno, [n]))
    lines: dict[int, float] = {}
    read: set[str] = set()
    for first, last, nodes in pieces:
        inner = [x for node in nodes for x in ast.walk(node)]
        names = {x.id if isinstance(x, ast.Name) else x.attr for x in inner if isinstance(x, (ast.Name, ast.Attribute))}
        if names & words or (isinstance(nodes[0], ast.Return) and any(q.startswith("d") for q in focus)):
            for line in range(first, max(first, last) + 1):
                lines[line] = -3.0
            read |= {x.id for x in inner if isinstance(x, ast.Name) and isinstance(x.ctx, ast.Load)}
    for first, last, nodes in pieces:
        stored = {x.id for node in nodes for x in ast.walk(node) if isinstance(x, ast.Name)
                  and isinstance(x.ctx, ast.Store)}
        if stored & read:
            for line in range(first, max(first, last) + 1):
                lines.setdefault(line, -1.5)
    return lines


def single_edits(source: str, focus=()) -> list[Edit]:
    """Every single edit of the function ``source`` (one ``def``, dedented), best ranked first.

    focus: the failing quantities' names; edits on the lines that compute them rank first.
    """
    tree = ast.parse(source)
    fn = tree.body[0]
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    src = _Source(source)
    arrays, sizes, carried = _scope(fn)
    near = _focus_lines(fn, focus)
    edits: list[Edit] = []

    def add(kind, node_or_span, text, bonus=0.0):
        start, end = _span(node_or_span) if isinstance(node_or_span, ast.AST) else node_or_span
        if src.slice(start, end) != text:
            edits.append(Edit(kind, start, end, text, RANK[kind] + bonus + near.get(start[0], 0.0)))

    body = [n for stmt in fn.body for n in ast.walk(stmt)]
    bounds = list(dict.fromkeys(src.seg(b) for n in body if isinstance(n, ast.Slice)
                                for b in (n.lower, n.upper) if b is not None))
    slices = list(dict.fromkeys(src.seg(n) for n in body if isinstance(n, ast.Slice) and n.lower and n.upper))
    attributes = list(dict.fromkeys(src.seg(n) for n in body if _self_array(n) and isinstance(n, ast.Attribute)))
    for node in body:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            pool = arrays if node.id in arrays else sizes if node.id in sizes else []
            for other in pool:
                if other != node.id:
                    add("name", node, other, bonus=1.0 - _similarity(node.id, other))
        if _self_array(node) and isinstance(getattr(node, "ctx", None), ast.Load):
            for other in arrays:                     # self.grads[0] where a local array belongs
                add("name", node, other, bonus=1.5 - _similarity(src.seg(node).split(".")[-1], other))
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in ("dot", "matmul") and len(node.args) == 2:
                a, b = node.args
                add("swap", ((a.lineno, a.col_offset), (b.end_lineno, b.end_col_offset)),
                    src.seg(b) + src.between(a, b) + src.seg(a))
                for operand in node.args:
                    _transpose(add, src, operand)
            if name in REDUCTIONS:
                _axis(add, src, node)
                f = node.func
                other = "mean" if name == "sum" else "sum"
                add("call", ((f.end_lineno, f.end_col_offset - len(name)), (f.end_lineno, f.end_col_offset)), other)
            if (name in ELEMENTWISE_CALLS and len(node.args) == 1 and not node.keywords):
                add("call", node, src.seg(node.args[0]))
            for arg in node.args:
                if isinstance(arg, ast.Constant) and arg.value == 0:
                    for n in carried:
                        add("term", arg, n)
        if isinstance(node, ast.BinOp):
            left, right = src.seg(node.left), src.seg(node.right)
            if isinstance(node.op, (ast.MatMult, ast.Mult, ast.Sub)):
                add("swap", node, right + src.between(node.left, node.right) + left,
                    bonus=0.0 if isinstance(node.op, ast.MatMult) else 1.0 if isinstance(node.op, ast.Sub) else 3.0)
            if isinstance(node.op, ast.MatMult):
                _transpose(add, src, node.left)
                _transpose(add, src, node.right)
            if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
                kind = "term" if isinstance(node.op, (ast.Add, ast.Sub)) else "factor"
                add(kind, node, left)
                if isinstance(node.op, (ast.Add, ast.Mult)):
                    add(kind, node, right)
            if isinstance(node.op, (ast.Add, ast.Sub)):
                middle = src.between(node.left, node.right)
                flipped = middle.replace("+", "-") if isinstance(node.op, ast.Add) else middle.replace("-", "+")
                add("sign", node, left + flipped + right)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            flipped = {ast.Lt: ">", ast.Gt: "<", ast.LtE: ">=", ast.GtE: "<="}.get(type(node.ops[0]))
            if flipped:
                add("sign", ((node.left.end_lineno, node.left.end_col_offset),
                             (node.comparators[0].lineno, node.comparators[0].col_offset)), f" {flipped} ")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            add("sign", node, src.seg(node.operand))
        if isinstance(node, ast.Slice) and node.lower and node.upper:
            for other in slices + _shifted(node):    # a gate block for another: A[:, H:2*H] -> A[:, 2*H:3*H]
                add("slice", node, other)
        if isinstance(node, ast.Call):
            for arg in node.args:                    # a fresh array, or another object's, where a local belongs
                if (isinstance(arg, ast.Call) and isinstance(node.func, ast.Attribute)) or _self_chain(arg):
                    for other in arrays + attributes:
                        add("name", arg, other, bonus=1.0)
            if len(node.args) == 1 and isinstance(node.args[0], ast.BinOp) and isinstance(node.args[0].op, ast.Add):
                inner = node.args[0]                 # f(a + eps) -> f(a) + eps
                add("term", node, f"({src.seg(node.func)}({src.seg(inner.left)}) + {src.seg(inner.right)})",
                    bonus=1.0)
            if _call_name(node) in ELEMENTWISE_CALLS and len(node.args) == 1 and isinstance(node.args[0], ast.Name):
                add("sign", node.args[0], f"-{node.args[0].id}")          # exp(x) -> exp(-x)
        if isinstance(node, ast.Tuple) and 2 <= len(node.elts) <= 6 and all(isinstance(x, ast.Name) for x in node.elts) \
                and isinstance(node.ctx, ast.Load):
            for a, b in itertools.combinations(node.elts, 2):   # two blocks stacked in another order
                texts = [b.id if x is a else a.id if x is b else x.id for x in node.elts]
                add("swap", node, src.seg(node)[:node.elts[0].col_offset - node.col_offset] + ", ".join(texts)
                    + src.seg(node)[node.elts[-1].end_col_offset - node.col_offset:], bonus=0.5)
        if _self_array(node) and isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            for other in attributes:                 # self.beta2 where self.beta1 belongs
                if other != src.seg(node) and _similarity(other, src.seg(node)) > 0.8:
                    add("name", node, other, bonus=1.0)
        if isinstance(node, ast.Slice):
            for bound in (node.lower, node.upper):
                if bound is None:
                    continue
                text = src.seg(bound)
                for other in bounds + [f"{text} + 1", f"{text} - 1"]:
                    add("slice", bound, other)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], (ast.Name, ast.Subscript, ast.Attribute)):
            add("assign", ((node.targets[0].end_lineno, node.targets[0].end_col_offset),
                           (node.value.lineno, node.value.col_offset)), " += ")
            _scale(add, src, node.value, sizes)
            _extend(add, src, node.value, arrays)
        if isinstance(node, ast.AugAssign):
            op = {ast.Add: "+=", ast.Sub: "-="}.get(type(node.op))
            if op:
                span = ((node.target.end_lineno, node.target.end_col_offset),
                        (node.value.lineno, node.value.col_offset))
                add("assign", span, " = ")
                add("sign", span, " -= " if op == "+=" else " += ")
            _scale(add, src, node.value, sizes)
        if isinstance(node, ast.Return) and node.value is not None and not isinstance(node.value, ast.Tuple):
            _scale(add, src, node.value, sizes)
            _extend(add, src, node.value, arrays)
        if isinstance(node, ast.For):
            _loop(add, src, node.iter)
        if isinstance(node, ast.Call):
            for arg in node.args:
                if not isinstance(arg, ast.Constant) and _inside_loop(fn, node):
                    for n in carried:
                        if n not in {x.id for x in ast.walk(arg) if isinstance(x, ast.Name)}:
                            add("term", arg, f"{src.seg(arg)} + {n}", bonus=0.5)
    unique = {}
    for e in edits:
        unique.setdefault((e.start, e.end, e.text), e)
    return sorted(unique.values(), key=lambda e: e.rank)


def _linear(bound):
    """``(k, "H")`` for the bound ``k * H`` or ``H``; ``(k, "")`` for an integer; else None."""
    if isinstance(bound, ast.Constant) and isinstance(bound.value, int):
        return bound.value, ""
    if isinstance(bound, ast.Name):
        return 1, bound.id
    if isinstance(bound, ast.BinOp) and isinstance(bound.op, ast.Mult):
        for k, n in ((bound.left, bound.right), (bound.right, bound.left)):
            if isinstance(k, ast.Constant) and isinstance(k.value, int) and isinstance(n, ast.Name):
                return k.value, n.id
    return None


def _shifted(node) -> list[str]:
    """The neighbouring blocks of a slice ``a*H:b*H`` of width (b - a)*H: the gate block before and after."""
    lo, hi = _linear(node.lower), _linear(node.upper)
    if not lo or not hi or lo[1] != hi[1]:
        return []

    def text(k, name):
        return str(k) if not name else "" if k == 0 else name if k == 1 else f"{k} * {name}"
    width = hi[0] - lo[0]
    return [f"{text(lo[0] + s, lo[1])}:{text(hi[0] + s, hi[1])}" for s in (-width, width) if lo[0] + s >= 0]


def _self_chain(node) -> bool:
    """``self.layers[-1].grads``: an expression reaching into the object (or its parts) where a local may belong."""
    depth = 0
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node, depth = node.value, depth + 1
    return depth >= 2 and isinstance(node, ast.Name) and node.id == "self"


def _self_array(node) -> bool:
    """``self.W`` or ``self.grads[0]``: an array of the object read where a local may belong."""
    def of_self(n):
        return isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return of_self(node.value)
    return of_self(node) and node.attr not in ("params", "grads", "layers", "cache")


def _inside_loop(fn, node) -> bool:
    return any(isinstance(loop, ast.For) and any(node is n for s in loop.body for n in ast.walk(s))
               for loop in ast.walk(fn))


def _transpose(add, src, operand) -> None:
    if isinstance(operand, ast.Attribute) and operand.attr == "T":
        add("transpose", operand, src.seg(operand.value))
    elif isinstance(operand, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
        add("transpose", operand, src.seg(operand) + ".T")


def _axis(add, src, call) -> None:
    keyword = next((k for k in call.keywords if k.arg == "axis"), None)
    if keyword is None:
        f = call.func
        function_form = isinstance(f, ast.Name) or (isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name)
                                                    and f.value.id in ("np", "numpy", "xp", "cp"))
        if len(call.args) == (1 if function_form else 0):        # no axis given: add one
            end = (call.end_lineno, call.end_col_offset - 1)     # before the closing parenthesis
            for axis in ("0", "1", "-1, keepdims=True", "1, keepdims=True"):
                add("axis", (end, end), f"{', ' if function_form else ''}axis={axis}")
        return
    current = src.seg(keyword.value)
    for axis in ("0", "1", "2", "-1", "(0, 1)"):
        if axis != current:
            add("axis", keyword.value, axis)


def _scale(add, src, value, sizes) -> None:
    text = src.seg(value)
    if not isinstance(value, (ast.Name, ast.Call, ast.Attribute, ast.Subscript)):
        text = f"({text})"
    for n in sizes:
        add("factor", value, f"{text} / {n}", bonus=1.0)
        add("factor", value, f"{text} * {n}", bonus=1.5)


def _extend(add, src, value, arrays) -> None:
    """A missing term or factor: ``value + n`` / ``value * n`` for an array ``n`` in scope."""
    if not isinstance(value, (ast.Name, ast.Call, ast.BinOp, ast.Attribute, ast.Subscript)):
        return
    text = src.seg(value)
    used = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    for n in arrays:
        if n not in used:
            add("term", value, f"{text} + {n}", bonus=2.0)
            add("factor", value, f"({text}) * {n}" if isinstance(value, ast.BinOp) and
                not isinstance(value.op, (ast.Mult, ast.Div)) else f"{text} * {n}", bonus=2.0)


def _loop(add, src, it) -> None:
    if isinstance(it, ast.Call) and _call_name(it) == "reversed" and len(it.args) == 1:
        add("loop", it, src.seg(it.args[0]))
    elif isinstance(it, ast.Subscript) and isinstance(it.slice, ast.Slice) and it.slice.step is not None \
            and src.seg(it.slice.step) == "-1" and it.slice.lower is None and it.slice.upper is None:
        add("loop", it, src.seg(it.value))
    else:
        add("loop", it, f"reversed({src.seg(it)})")


def apply(source: str, edits) -> str:
    """``source`` with non-overlapping ``edits`` applied."""
    lines = source.encode("utf-8").splitlines(keepends=True)
    data = b"".join(lines)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def at(pos):
        return offsets[pos[0] - 1] + pos[1]

    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        data = data[:at(e.start)] + e.text.encode("utf-8") + data[at(e.end):]
    return data.decode("utf-8")


def line_diff(old: str, new: str, first_line: int) -> dict:
    """The changed lines of one function: ``{"line", "old", "new"}`` (``line`` in the file)."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    i1, i2 = changed[0][1], changed[-1][2]
    j1, j2 = changed[0][3], changed[-1][4]
    return {"line": first_line + i1, "old": "\n".join(x.strip() for x in a[i1:i2]),
            "new": "\n".join(x.strip() for x in b[j1:j2])}
