"""``python -m reference`` is ``scratch-conformance``."""
from reference.cli import main

raise SystemExit(main())
