"""Long-lived libca client that stamps every monitor update with the wall time it arrived.

Usage: manager_monitor.py [--timeout s] PV [PV ...]
Lines: {"e": "value", "pv", "v", "t", "ts"} per update, where "t" is time.time() taken in the
libca callback (the host's wall clock, seconds) and "ts" the server's time stamp of the value;
{"e": "ready"} once every PV has delivered its first update; {"e": "error", ...} and exit 2 when
a PV does not connect. Exits when stdin reaches EOF.
"""
import argparse
import sys
import threading
import time

from epics import ca

from ca_common import emit

_lock = threading.Lock()
_first = set()
_all_first = threading.Event()


def make_on_value(total):
    def on_value(pvname=None, value=None, timestamp=None, **_kws):
        # Stamp before anything else: this is the figure the benchmark is after.
        now = time.time()
        emit({"e": "value", "pv": pvname, "v": value, "t": now, "ts": timestamp})
        with _lock:
            _first.add(pvname)
            if len(_first) == total:
                _all_first.set()

    return on_value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("pvs", nargs="+")
    args = parser.parse_args()

    ca.initialize_libca()
    on_value = make_on_value(len(args.pvs))
    chids = [ca.create_channel(name, connect=False, auto_cb=False) for name in args.pvs]
    deadline = time.monotonic() + args.timeout
    for chid in chids:
        if not ca.connect_channel(chid, timeout=max(0.1, deadline - time.monotonic())):
            emit({"e": "error", "message": "not connected", "pv": ca.name(chid)})
            sys.exit(2)
    subscriptions = [ca.create_subscription(chid, use_time=True, callback=on_value) for chid in chids]
    if not _all_first.wait(timeout=max(0.1, deadline - time.monotonic())):
        emit({"e": "error", "message": "no first update", "missing": sorted(set(args.pvs) - _first)})
        sys.exit(2)
    emit({"e": "ready"})

    sys.stdin.read()
    for _callback, _user, event_id in subscriptions:
        ca.clear_subscription(event_id)


if __name__ == "__main__":
    main()
