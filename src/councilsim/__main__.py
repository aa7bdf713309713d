"""``python -m councilsim`` runs the command line."""

import sys

from councilsim.cli import main

sys.exit(main())
