"""Primitive ops, one family per module. Importing this package registers them all in `OPS`."""
from . import activation, elementwise, linalg, movement, reduce  # noqa: F401
