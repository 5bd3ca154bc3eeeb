#!/usr/bin/python3
"""Peer for bench/sio_bench.sh: Debian's python3-socketio server (AsyncServer on aiohttp, the
stack of the seeds' servers) emitting the device's events on the device's schedule, exactly
as bench/sio_peer_node.mjs does (same routes, events, rooms and 4 ms steps). Every event
carries t_us = CLOCK_MONOTONIC in us when it was produced (time.monotonic_ns).
Usage: sio_peer_py.py PORT"""
import asyncio
import json
import resource
import sys
import time

import socketio
from aiohttp import web

STEP_S = 0.004
sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins="*")
app = web.Application()
sio.attach(app)
jobs = {}
next_id = [1]


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def emit(sid, ev):
    job = jobs[sid]
    job["events"] += 1
    ev.update(session_id=sid, event_id=job["events"], t_us=time.monotonic_ns() // 1000)
    await sio.emit("job:event", ev, room=sid)


async def run(sid, steps, wait_ms):
    await asyncio.sleep(wait_ms / 1000)
    await emit(sid, {"type": "generation_started", "total_steps": steps})
    t = time.monotonic()
    for k in range(1, steps + 1):
        t += STEP_S
        await asyncio.sleep(max(0, t - time.monotonic()))
        await emit(sid, {"type": "generation_progress", "step": k, "total_steps": steps,
                         "message": f"Generating... {k * 100 // steps}%"})
    await emit(sid, {"type": "generation_complete", "image_paths": []})


async def generate(request):
    body = await request.json()
    sid = format(next_id[0], "032x")
    next_id[0] += 1
    jobs[sid] = {"events": 0}
    asyncio.get_running_loop().create_task(
        run(sid, int(body.get("num_inference_steps", 20)), int(body.get("start_after_ms", 0))))
    return web.json_response({"session_id": sid, "status": "queued"}, status=202)


async def health(request):
    return web.json_response({"status": "ok", "rss_kb": rss_kb()})


@sio.event
async def connect(sid, environ, auth=None):
    await sio.emit("connected", {"user_id": sid}, to=sid)


@sio.on("job:subscribe")
async def on_subscribe(sid, data):
    sio.enter_room(sid, data["session_id"])
    return {"ok": True, "session_id": data["session_id"]}


@sio.on("job:cancel")
async def on_cancel(sid, data):
    return {"ok": False, "error": "no such session"}


app.router.add_post("/api/generate", generate)
app.router.add_get("/api/health", health)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
