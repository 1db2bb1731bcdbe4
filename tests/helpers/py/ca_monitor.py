"""Long-lived libca client: subscribe to PVs and report every update as a JSON line until stdin closes.

Usage: ca_monitor.py [--quiet] [--timeout s] PV [PV ...]
Lines: {"e": "conn", "pv", "conn"} on every connection change; {"e": "value", "pv", "v", "sev", "ts"}
per update (not with --quiet); {"e": "ready"} once every PV has delivered its first update;
{"e": "end", "counts", "lost", "outOfOrder"} after stdin reaches EOF. "lost" counts gaps in integer
counters (a value more than one above the previous one), "outOfOrder" values not above the previous.
"""
import argparse
import sys
import threading
import time

from epics import ca

from ca_common import emit

_lock = threading.Lock()
_counts = {}
_last = {}
_lost = {"lost": 0, "outOfOrder": 0}
_first = set()
_all_first = threading.Event()


def on_connection(pvname=None, conn=None, **_kws):
    emit({"e": "conn", "pv": pvname, "conn": bool(conn)})


def make_on_value(quiet, total):
    def on_value(pvname=None, value=None, severity=None, timestamp=None, **_kws):
        with _lock:
            _counts[pvname] = _counts.get(pvname, 0) + 1
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                previous = _last.get(pvname)
                if previous is not None and value > previous + 1:
                    _lost["lost"] += int(value - previous - 1)
                elif previous is not None and value <= previous and pvname in _first:
                    _lost["outOfOrder"] += 1
                _last[pvname] = value
            _first.add(pvname)
            if len(_first) == total:
                _all_first.set()
        if not quiet:
            emit({"e": "value", "pv": pvname, "v": value, "sev": severity, "ts": timestamp})

    return on_value


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("pvs", nargs="+")
    args = parser.parse_args()

    ca.initialize_libca()
    on_value = make_on_value(args.quiet, len(args.pvs))
    chids = [ca.create_channel(name, connect=False, callback=on_connection) for name in args.pvs]
    subscriptions = []
    deadline = time.monotonic() + args.timeout
    for chid in chids:
        if not ca.connect_channel(chid, timeout=max(0.1, deadline - time.monotonic())):
            emit({"e": "error", "message": "not connected", "pv": ca.name(chid)})
            sys.exit(2)
        subscriptions.append(ca.create_subscription(chid, use_time=True, callback=on_value))
    if not _all_first.wait(timeout=max(0.1, deadline - time.monotonic())):
        emit({"e": "error", "message": "no first update", "missing": sorted(set(args.pvs) - _first)})
        sys.exit(2)
    emit({"e": "ready"})

    sys.stdin.read()
    with _lock:
        emit({"e": "end", "counts": dict(_counts), **_lost})
    for _callback, _user, event_id in subscriptions:
        ca.clear_subscription(event_id)


if __name__ == "__main__":
    main()
