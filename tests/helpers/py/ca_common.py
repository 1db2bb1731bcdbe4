"""Shared helpers for the pyepics client scripts that iocsup's tests and benchmarks run.

Every script is a separate libca client process. It prints JSON on stdout (one document, or one
document per line for long-lived clients) and diagnostics on stderr.
"""
import ctypes
import json
import math
import sys
import threading
import time

from epics import ca, dbr

_OUT_LOCK = threading.Lock()

FTYPES = {
    "string": dbr.STRING,
    "short": dbr.SHORT,
    "float": dbr.FLOAT,
    "enum": dbr.ENUM,
    "char": dbr.CHAR,
    "long": dbr.LONG,
    "double": dbr.DOUBLE,
}
for _family, _offset in (("sts", 7), ("time", 14), ("gr", 21), ("ctrl", 28)):
    for _name, _code in list(FTYPES.items())[:7]:
        FTYPES[_family + "_" + _name] = _code + _offset
FTYPE_NAMES = {code: name for name, code in FTYPES.items()}


def to_json(value):
    """Convert numpy and ctypes arrays, bytes, tuples and non-finite floats to plain JSON values."""
    if hasattr(value, "tolist"):
        return to_json(value.tolist())
    if isinstance(value, ctypes.Array):
        return to_json(list(value))
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def emit(doc):
    """Print one JSON document as one line and flush (thread-safe: callbacks run on libca threads)."""
    text = json.dumps(to_json(doc))
    with _OUT_LOCK:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


def connect_all(names, timeout):
    """Create channels for all names at once and wait until each is connected or the deadline passes.

    Returns (chids by name, names still unconnected).
    """
    ca.initialize_libca()
    chids = {name: ca.create_channel(name, connect=False, auto_cb=False) for name in names}
    pending = set(names)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        ca.poll(evt=0.002, iot=0.5)
        pending = {name for name in pending if not ca.isConnected(chids[name])}
    return chids, sorted(pending)
