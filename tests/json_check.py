#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Copyright 2026 The dfu-util authors
"""Check one run's --json output against doc/json-events.txt.

usage: json_check.py FILE EXIT_STATUS [EVENT...]

Every line must parse as a JSON object with an "event" member; the first
is "start" with an integer schema; exactly one "result" comes last, with
exit equal to EXIT_STATUS and status "ok" exactly when it is 0.  The
EVENT words that follow must occur in this order (other events may come
between them); "progress:PHASE" names a progress event of that phase.
Prints what is wrong, or nothing, and exits 1 or 0.
"""
import json
import sys

PHASES = {"detach", "erase", "write", "read", "verify", "manifest"}
LEVELS = {"note", "warning", "error"}


def fail(msg):
    print(msg)
    sys.exit(1)


def check_event(i, e):
    kind = e["event"]
    if kind == "device":
        for k in ("vid", "pid"):
            v = e.get(k)
            if not isinstance(v, str) or len(v) != 4 or v != v.lower() or \
                    any(c not in "0123456789abcdef" for c in v):
                fail("line %d: %s %r is not 4 lower-case hex digits" % (i, k, v))
        for k in ("path", "name", "serial"):
            if not isinstance(e.get(k), str):
                fail("line %d: device without string %s" % (i, k))
        for k in ("devnum", "cfg", "intf", "alt"):
            if not isinstance(e.get(k), int):
                fail("line %d: device without integer %s" % (i, k))
        if e.get("mode") not in ("dfu", "runtime"):
            fail("line %d: device mode %r" % (i, e.get("mode")))
        if not isinstance(e.get("dfuse"), bool):
            fail("line %d: device without boolean dfuse" % i)
    elif kind == "progress":
        if e.get("phase") not in PHASES:
            fail("line %d: progress phase %r" % (i, e.get("phase")))
        done, total = e.get("done"), e.get("total")
        if not isinstance(done, int) or not isinstance(total, int):
            fail("line %d: progress without integer done and total" % i)
        if total and done > total:
            fail("line %d: progress done %d > total %d" % (i, done, total))
    elif kind == "device_result":
        for k in ("path", "serial"):
            if not isinstance(e.get(k), str):
                fail("line %d: device_result without string %s" % (i, k))
        for k in ("exit", "bytes", "ms"):
            if not isinstance(e.get(k), int):
                fail("line %d: device_result without integer %s" % (i, k))
        if e.get("status") != ("ok" if e.get("exit") == 0 else "error"):
            fail("line %d: device_result status %r with exit %r" %
                 (i, e.get("status"), e.get("exit")))
    elif kind == "message":
        if e.get("level") not in LEVELS or not isinstance(e.get("text"), str):
            fail("line %d: message without level or text" % i)


def main():
    path, status = sys.argv[1], int(sys.argv[2])
    want = sys.argv[3:]
    with open(path, "rb") as f:
        raw = f.read()
    if raw and not raw.endswith(b"\n"):
        fail("output does not end with a newline")
    events = []
    for i, line in enumerate(raw.decode("utf-8").split("\n")[:-1], 1):
        try:
            e = json.loads(line)
        except ValueError as ex:
            fail("line %d is not JSON (%s): %r" % (i, ex, line))
        if not isinstance(e, dict) or not isinstance(e.get("event"), str):
            fail("line %d is not an object with an event: %r" % (i, line))
        check_event(i, e)
        events.append(e)
    if not events:
        fail("no events")
    if events[0]["event"] != "start" or not isinstance(events[0].get("schema"), int):
        fail("first event is not start with a schema number: %r" % events[0])
    results = [e for e in events if e["event"] == "result"]
    if len(results) != 1 or events[-1]["event"] != "result":
        fail("%d result events, last event %r" % (len(results), events[-1]["event"]))
    r = results[0]
    if r.get("exit") != status:
        fail("result exit %r, process exit %d" % (r.get("exit"), status))
    if r.get("status") != ("ok" if status == 0 else "error"):
        fail("result status %r with exit %d" % (r.get("status"), status))
    names = [e["event"] + (":" + e["phase"] if e["event"] == "progress" else "")
             for e in events]
    pos = 0
    for w in want:
        try:
            pos = names.index(w, pos) + 1
        except ValueError:
            fail("no %s in order %s after position %d: %s" % (w, want, pos, names))


main()
