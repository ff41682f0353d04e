"""Everything the worker runs: importing this module registers every task."""
from jobs import (
    huey,  # noqa: F401
    system,  # noqa: F401
)
