"""tune_malloc: opt-in, and on glibc it stops large temporaries from page-faulting every step."""
import subprocess
import sys
import textwrap

import pytest


SCRIPT = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import tinygrad_edu as tg
    tuned = tg.tune_malloc() if sys.argv[1] == "tuned" else None
    def step():                        # a 40 MB temporary, like im2col columns
        a = np.ones(5_000_000)
        return float(a[0])
    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        step()
    print(tuned, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""")


def _faults(mode: str) -> tuple:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0], int(out[1])


def test_only_tune_malloc_stops_the_page_faults():
    """Importing the library changes nothing; after tune_malloc() the freed 40 MB is reused."""
    if not sys.platform.startswith("linux"):
        pytest.skip("page-fault counts are read the Linux way")
    _, default_faults = _faults("default")
    tuned, tuned_faults = _faults("tuned")
    if tuned != "True":
        pytest.skip("not glibc: tune_malloc reports that it changed nothing")
    assert default_faults > 100                  # each step maps its temporary afresh
    assert tuned_faults < default_faults / 10
