"""numpy's BLAS as the benchmarks set and report it: its thread count and its kernels.

Every comparison with torch must give numpy's BLAS the same number of threads as torch
gets, and only threadpoolctl can set that after numpy has loaded; without it a
`--threads 1` run timed our GEMMs on every core against torch's one (the MLP step then
read 0.61x instead of 0.88-0.91x). So the scripts stop with an explanation when it is missing
(`pip install -e ".[bench]"`).

OpenBLAS picks its kernels when numpy loads it, from the CPU's family and model. The
OpenBLAS 0.3.31 inside numpy 2.4's wheels does not know AMD's Zen 5 (family 0x1A): on
such a CPU it runs its AVX2 (Haswell) kernels although the CPU has AVX-512, at half the
speed (sgemm 2048x2048, one thread: 221 vs 416 GFLOP/s here). OPENBLAS_CORETYPE=SkylakeX,
set before Python starts, selects the AVX-512 ones; OpenBLAS fixed the detection upstream
(OpenMathLib/OpenBLAS#6029). `describe()` says so when it applies, so a ratio measured
with the slow kernels is never read without knowing it.
"""
from __future__ import annotations

AVX512_KERNELS = {"skylakex", "cooperlake", "sapphirerapids"}
AVX512_FLAGS = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}  # SkylakeX's set


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        raise SystemExit("the benchmarks need threadpoolctl to give numpy's BLAS the same "
                         "thread count as torch: pip install -e \".[bench]\"") from None
    return threadpoolctl


def limit_threads(n: int) -> None:
    """Run numpy's BLAS on `n` threads (the process keeps the limit)."""
    _threadpoolctl().threadpool_limits(n, user_api="blas")


def _info() -> dict:
    pools = [p for p in _threadpoolctl().threadpool_info() if p["user_api"] == "blas"]
    return pools[0] if pools else {}


def threads() -> int:
    """numpy's BLAS thread count."""
    return _info().get("num_threads", 1)


def cpu_has_avx512() -> bool:
    """True when /proc/cpuinfo lists SkylakeX's AVX-512 subsets (False off Linux)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return AVX512_FLAGS <= set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return False


def describe() -> str:
    """The BLAS library, its kernels and threads on one line, and on a second line a
    warning when OpenBLAS runs kernels below what the CPU can do."""
    info = _info()
    if not info:
        return "numpy's BLAS: not found by threadpoolctl"
    kernels = info.get("architecture") or "?"
    line = (f"numpy's BLAS: {info['internal_api']} {info.get('version')}, {kernels} kernels, "
            f"{info['num_threads']} thread(s)")
    if (info["internal_api"] == "openblas" and kernels.lower() not in AVX512_KERNELS
            and cpu_has_avx512()):
        line += ("\n  (this CPU has AVX-512 but OpenBLAS chose other kernels; "
                 "OPENBLAS_CORETYPE=SkylakeX selects them, see benchmarks/blas.py)")
    return line
