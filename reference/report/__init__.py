"""Room ``report``: the report model and its renderings. Imports nothing else of
``reference``; inside it the renderers (terminal; html, markdown, junit) sit on
the model, and the model imports no renderer.

Reports: the model (``model``) and its renderings (terminal, markdown, html, json, junit)."""
from __future__ import annotations

FORMATS = ("terminal", "markdown", "html", "json", "junit", "gradescope")
EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
              ".json": "json", ".xml": "junit", ".txt": "terminal"}


def render(report, fmt: str, color: bool = False, assignment: dict | None = None) -> str:
    """``report`` in one of FORMATS (``assignment``, plain data, scores the gradescope format)."""
    if fmt == "terminal":
        from reference.report import terminal

        return terminal.render(report, color=color)
    if fmt == "markdown":
        from reference.report import markdown

        return markdown.render(report)
    if fmt == "html":
        from reference.report import html

        return html.render(report)
    if fmt == "json":
        import json

        return json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n"
    if fmt == "junit":
        from reference.report import junit

        return junit.render(report)
    if fmt == "gradescope":
        from reference.report import gradescope

        return gradescope.render(report, assignment)
    raise ValueError(f"render: format must be one of {FORMATS}; got {fmt!r}")
