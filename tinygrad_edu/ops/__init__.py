"""Primitive ops, one family per module. Importing this package registers them all in `OPS`."""
from . import (activation, conv, dropout, elementwise, linalg, loss, movement,  # noqa: F401
               pool, reduce)
from . import scan  # noqa: F401  (cumsum, prod)
from . import unfold  # noqa: F401  (im2col, col2im: F.unfold, F.fold)
from . import cumprod, einsum  # noqa: F401  (Cumprod, Einsum)
from . import special  # noqa: F401  (erf, erfc, atan, atan2, log2, log10)
from . import inverse_trig  # noqa: F401  (asin, acos, atanh, asinh, acosh)
from . import normalization  # noqa: F401  (Standardize: layer, group, instance norm)
from . import decompositions  # noqa: F401  (Cholesky, Eigh, Svd)
from . import gamma  # noqa: F401  (Lgamma, Polygamma)
