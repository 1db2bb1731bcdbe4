"""Connect to PREFIX0 .. PREFIX<count-1> from one libca client and read every channel `reads` times.

Prints {"connected", "missing", "connectSeconds", "readSeconds": [...], "values"?: [...]}.
"""
import argparse
import time

from epics import ca

from ca_common import connect_all, emit


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--reads", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--values", action="store_true", help="include the last read's values")
    args = parser.parse_args()

    names = [args.prefix + str(i) for i in range(args.count)]
    started = time.perf_counter()
    chids, missing = connect_all(names, args.timeout)
    connect_seconds = time.perf_counter() - started
    connected = [name for name in names if name not in set(missing)]

    read_seconds = []
    values = {}
    for _ in range(args.reads):
        started = time.perf_counter()
        for name in connected:
            ca.get(chids[name], wait=False)
        ca.poll()
        values = {name: ca.get_complete(chids[name], timeout=args.timeout) for name in connected}
        read_seconds.append(time.perf_counter() - started)

    doc = {
        "connected": len(connected),
        "missing": missing[:20],
        "connectSeconds": connect_seconds,
        "readSeconds": read_seconds,
        "unread": sum(1 for v in values.values() if v is None),
    }
    if args.values:
        doc["values"] = [values.get(name) for name in names]
    emit(doc)


if __name__ == "__main__":
    main()
