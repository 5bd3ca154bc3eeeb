#!/usr/bin/python3
"""Prints the README's table of faults from the rows the fault scenarios wrote
(build/faults/report.jsonl, or the file named on the command line)."""
import json
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "build/faults/report.jsonl"
rows = [json.loads(l) for l in open(path) if l.strip()]
print("| fault | load | duration | events expected / delivered / duplicated | new clients answered "
      "(p50 / max) | high-water: connections, subscribers, TCP PCBs, lwIP heap, receive pool | recovery |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    ev = r.get("events")
    evs = f"{ev['expected']} / {ev['delivered']} / {ev['duplicated']}" if ev else "-"
    if ev and ev.get("dropped_for_stuck"):
        evs += f" ({ev['dropped_for_stuck']} overwritten for the stuck reader, as events_dropped)"
    p = r.get("probe")
    if p:
        when = " after" if p.get("when") == "after" else ""
        lim = p.get("limit_ms", 1000)
        pr = f"{p['ok']} of {p['tries']} in {lim / 1000:g} s{when} ({p['p50']:.0f} / {p['max']:.0f} ms)"
    else:
        pr = "-"
    k = r["peaks"]
    hw = (f"{k['connections']}, {k['subscribers']}, {k['tcp_pcb']}, {k['lwip_heap']} B, "
          f"{k['pbuf_pool']}")
    print(f"| {r['fault']} | {r['load']} | {r['duration_ms'] / 1000:.1f} s | {evs} | {pr} | {hw} | "
          f"{r['recoveryMs']} ms |")
