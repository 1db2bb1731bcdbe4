"""Write a burst of values to one PV with put callbacks (WRITE_NOTIFY), without waiting between
them, read some PVs right after the burst, then wait for every callback.

Usage: ca_put_burst.py '<json>' where json = {"pv", "values": [...], "read": [pv, ...], "timeout": s}
Prints {"statuses": [ECA status per put, in put order, null if it never completed],
        "order": [put indexes in completion order], "read": {pv: value read after the burst}}
The reads share the circuit with the pending puts, so they also show it is not held up.
"""
import json
import sys
import time

from epics import ca, dbr

from ca_common import connect_all, emit


def main():
    request = json.loads(sys.argv[1])
    timeout = float(request.get("timeout", 30.0))
    pv = request["pv"]
    reads = request.get("read", [])
    chids, missing = connect_all(sorted({pv, *reads}), 5.0)
    if missing:
        emit({"error": "not connected: %s" % ", ".join(missing)})
        return
    chid = chids[pv]
    ftype = ca.field_type(chid)
    statuses = [None] * len(request["values"])
    order = []
    callbacks = []

    def make(index):
        def on_done(args):
            statuses[index] = args.status
            order.append(index)

        return dbr.make_callback(on_done, dbr.event_handler_args)

    for index, value in enumerate(request["values"]):
        data = (1 * dbr.Map[ftype])()
        data[0] = value
        callback = make(index)
        callbacks.append(callback)
        ret = ca.libca.ca_array_put_callback(ftype, 1, chid, data, callback, None)
        if ret != dbr.ECA_NORMAL:
            statuses[index] = -ret
            order.append(index)
    ca.flush_io()
    read = {name: ca.get(chids[name], timeout=5.0) for name in reads}
    deadline = time.monotonic() + timeout
    while len(order) < len(statuses) and time.monotonic() < deadline:
        ca.poll(evt=0.01)
    emit({"statuses": statuses, "order": order, "read": read})


if __name__ == "__main__":
    main()
