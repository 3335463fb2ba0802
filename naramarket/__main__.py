"""``python -m naramarket`` runs the CLI."""

import sys

from naramarket.cli import main

sys.exit(main())
