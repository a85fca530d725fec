"""Primitive ops, one family per module. Importing this package registers them all in `OPS`."""
from . import activation, conv, dropout, elementwise, linalg, loss, movement, pool, reduce  # noqa: F401
from . import scan  # noqa: F401  (cumsum, prod)
