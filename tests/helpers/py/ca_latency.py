"""Put -> monitor latency: write a value to PV and time until the update with that value arrives.

Usage: ca_latency.py --pv PV [--samples n] [--timeout s]
Prints {"samples", "p50Ms", "p99Ms", "maxMs", "missed"}.
"""
import argparse
import threading
import time

from epics import ca

from ca_common import connect_all, emit

_arrived = {}
_cond = threading.Condition()


def on_value(value=None, **_kws):
    now = time.perf_counter()
    with _cond:
        _arrived.setdefault(float(value), now)
        _cond.notify_all()


def percentile(sorted_values, fraction):
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pv", required=True)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    chids, missing = connect_all([args.pv], args.timeout)
    if missing:
        emit({"error": "not connected", "pv": args.pv})
        raise SystemExit(2)
    chid = chids[args.pv]
    subscription = ca.create_subscription(chid, callback=on_value)
    ca.poll(evt=0.2)

    latencies = []
    missed = 0
    base = 1000.0 + (time.time() % 1000.0) * 1000.0
    for i in range(args.samples):
        value = base + i
        started = time.perf_counter()
        ca.put(chid, value)
        with _cond:
            ok = _cond.wait_for(lambda v=value: v in _arrived, timeout=args.timeout)
            arrived = _arrived.get(value)
        if not ok or arrived is None:
            missed += 1
            continue
        latencies.append((arrived - started) * 1000.0)
    latencies.sort()
    emit({
        "samples": len(latencies),
        "missed": missed,
        "p50Ms": percentile(latencies, 0.5) if latencies else None,
        "p99Ms": percentile(latencies, 0.99) if latencies else None,
        "maxMs": latencies[-1] if latencies else None,
    })
    ca.clear_subscription(subscription[2])


if __name__ == "__main__":
    main()
