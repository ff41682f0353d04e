"""Everything the worker runs: importing this module registers every task."""
from jobs import (
    exchange,  # noqa: F401
    huey,  # noqa: F401
    loyalty,  # noqa: F401
    orders,  # noqa: F401
    ratings,  # noqa: F401
    suppliers,  # noqa: F401
    system,  # noqa: F401
    workshop,  # noqa: F401
)
