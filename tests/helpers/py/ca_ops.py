"""Run a list of Channel Access operations from one libca client and report each outcome.

Usage: ca_ops.py '<json>' where json = {"timeout": s, "ops": [op, ...]} and op is one of
  {"op": "info", "pv"}                          native type, count, access rights
  {"op": "get", "pv", "ftype"?, "count"?, "asString"?}   ca.get_with_metadata (ftype by name)
  {"op": "pvget", "pv", "asString"?, "form"?}   epics.PV(...).get, which formats with precision
  {"op": "ctrl", "pv"}                          ca.get_ctrlvars
  {"op": "put", "pv", "value", "wait"?}         ca.put (wait=True uses WRITE_NOTIFY)
  {"op": "putStatus", "pv", "value", "ftype"?}  ca_array_put_callback; reports the server's ECA status
Prints {"results": [...]}: each result repeats op and pv and has "value" or "error" (+ "status").
"""
import json
import sys
import threading
import time

import epics
from epics import ca, dbr

from ca_common import FTYPE_NAMES, FTYPES, connect_all, emit, to_json

_put_callbacks = []
_pvs = []


def info(chid):
    ftype = ca.field_type(chid)
    return {
        "ftype": FTYPE_NAMES.get(ftype, ftype),
        "count": ca.element_count(chid),
        "read": bool(ca.read_access(chid)),
        "write": bool(ca.write_access(chid)),
    }


def get(chid, op, timeout):
    kwargs = {"timeout": timeout, "as_string": bool(op.get("asString"))}
    if "ftype" in op:
        kwargs["ftype"] = FTYPES[op["ftype"]]
    if "count" in op:
        kwargs["count"] = op["count"]
    return ca.get_with_metadata(chid, **kwargs)


def pvget(op, timeout):
    pv = epics.PV(op["pv"], form=op.get("form", "time"))
    if not pv.wait_for_connection(timeout=timeout):
        raise RuntimeError("not connected")
    # No pv.disconnect(): it would clear the channel that pyepics shares with the other ops.
    _pvs.append(pv)
    return pv.get(as_string=bool(op.get("asString")), timeout=timeout)


def put_status(chid, op, timeout):
    """Put with a completion callback of our own, so the ECA status from the server is visible."""
    ftype = FTYPES[op["ftype"]] if "ftype" in op else ca.field_type(chid)
    values = op["value"] if isinstance(op["value"], list) else [op["value"]]
    data = (len(values) * dbr.Map[ftype])()
    for i, value in enumerate(values):
        if ftype == dbr.STRING:
            data[i].value = str(value).encode("ascii")
        else:
            data[i] = value
    done = threading.Event()
    outcome = {}

    def on_done(args):
        outcome["status"] = args.status
        done.set()

    callback = dbr.make_callback(on_done, dbr.event_handler_args)
    _put_callbacks.append(callback)
    ret = ca.libca.ca_array_put_callback(ftype, len(values), chid, data, callback, None)
    if ret != dbr.ECA_NORMAL:
        return {"error": ca.message(ret), "status": ret, "local": True}
    ca.flush_io()
    deadline = time.monotonic() + timeout
    while not done.is_set() and time.monotonic() < deadline:
        ca.poll(evt=0.01)
    if not done.is_set():
        return {"error": "put callback timed out"}
    status = outcome["status"]
    doc = {"status": status, "message": ca.message(status)}
    if status != dbr.ECA_NORMAL:
        doc["error"] = ca.message(status)
    return doc


def run(op, chids, timeout):
    kind, name = op["op"], op["pv"]
    result = {"op": kind, "pv": name}
    try:
        if kind == "pvget":
            result["value"] = pvget(op, timeout)
            return result
        chid = chids[name]
        if not ca.isConnected(chid):
            result["error"] = "not connected"
        elif kind == "info":
            result["value"] = info(chid)
        elif kind == "get":
            result["value"] = get(chid, op, timeout)
        elif kind == "ctrl":
            result["value"] = ca.get_ctrlvars(chid, timeout=timeout)
        elif kind == "put":
            ret = ca.put(chid, op["value"], wait=bool(op.get("wait")), timeout=timeout)
            result["value"] = ret
            if ret is not None and ret < 0:
                result["error"] = "put timed out"
        elif kind == "putStatus":
            result.update(put_status(chid, op, timeout))
        else:
            result["error"] = "unknown op"
    except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
        result["error"] = "%s: %s" % (type(error).__name__, error)
        status = getattr(error, "status", None)
        if status is not None:
            result["status"] = status
    return result


def main():
    request = json.loads(sys.argv[1])
    timeout = float(request.get("timeout", 10.0))
    ops = request["ops"]
    names = sorted({op["pv"] for op in ops if op["op"] != "pvget"})
    chids, _missing = connect_all(names, timeout)
    emit({"results": [to_json(run(op, chids, timeout)) for op in ops]})


if __name__ == "__main__":
    main()
