"""``python -m reference`` is ``scratch-conformance``."""
from reference.frontends.cli import main

raise SystemExit(main())
