"""`python -m appliance.cli` (what `prilavok run` starts its processes with)."""
import sys

from appliance.cli import main

sys.exit(main())
