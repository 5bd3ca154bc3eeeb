#!/usr/bin/python3
"""The peer for bench/events_bench.sh: a server built the way the seeds' servers are built
(Python asyncio, Debian's python3-aiohttp; a connection manager holding a list of sockets per
session and sending each event to each in turn), emitting the device's events on the device's
schedule: POST /api/generate {"num_inference_steps":N,"start_after_ms":W} -> a job that starts
after W ms (as if queued) and emits N generation_progress events 4 ms apart, then
generation_complete. GET /ws (subscribe) and GET /api/jobs/<id>/events (SSE) deliver them;
every event carries t_us = CLOCK_MONOTONIC in us when it was produced (time.monotonic_ns on
Linux, the same clock node's process.hrtime reads), so its latency is measured directly.
Usage: events_peer.py PORT"""
import asyncio
import json
import os
import sys
import time

from aiohttp import web

STEP_S = 0.004
jobs = {}  # session_id -> {"events": [...], "ws": set(), "queues": set(), "done": bool}


def now_us():
    return time.monotonic_ns() // 1000


async def broadcast(job, ev):
    job["events"].append(ev)
    text = json.dumps(ev)
    # The seeds' ConnectionManager: await each socket's send in turn.
    for ws in list(job["ws"]):
        try:
            await ws.send_str(text)
        except ConnectionError:
            job["ws"].discard(ws)
    for q in list(job["queues"]):
        q.put_nowait(ev)


async def run_job(sid, steps, wait_ms):
    job = jobs[sid]
    await asyncio.sleep(wait_ms / 1000)
    n = len(job["events"])
    await broadcast(job, {"type": "generation_started", "session_id": sid, "event_id": n + 1,
                          "t_us": now_us(), "total_steps": steps})
    t = time.monotonic()
    for k in range(1, steps + 1):
        t += STEP_S
        await asyncio.sleep(max(0, t - time.monotonic()))
        n = len(job["events"])
        await broadcast(job, {"type": "generation_progress", "session_id": sid, "event_id": n + 1,
                              "t_us": now_us(), "step": k, "total_steps": steps,
                              "message": f"Generating... {k * 100 // steps}%"})
    n = len(job["events"])
    await broadcast(job, {"type": "generation_complete", "session_id": sid, "event_id": n + 1,
                          "t_us": now_us(), "image_paths": []})
    job["done"] = True


async def generate(request):
    body = await request.json()
    sid = os.urandom(16).hex()
    jobs[sid] = {"events": [{"type": "generation_queued", "session_id": sid, "event_id": 1,
                             "t_us": now_us(), "position": 0}],
                 "ws": set(), "queues": set(), "done": False}
    asyncio.get_running_loop().create_task(
        run_job(sid, int(body.get("num_inference_steps", 20)), int(body.get("start_after_ms", 0))))
    return web.json_response({"session_id": sid, "status": "queued", "position": 0}, status=202)


async def ws_handler(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        m = json.loads(msg.data)
        if m.get("type") == "ping":
            await ws.send_str('{"type":"pong"}')
        elif m.get("type") == "subscribe":
            job = jobs[m["session_id"]]
            for ev in job["events"]:
                await ws.send_str(json.dumps(ev))
            job["ws"].add(ws)
    return ws


async def sse_handler(request):
    job = jobs[request.match_info["sid"]]
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"})
    await resp.prepare(request)
    q = asyncio.Queue()
    for ev in job["events"]:
        q.put_nowait(ev)
    job["queues"].add(q)
    try:
        while True:
            ev = await q.get()
            await resp.write(f"id: {ev['event_id']}\ndata: {json.dumps(ev)}\n\n".encode())
            if ev["type"] == "generation_complete":
                break
    finally:
        job["queues"].discard(q)
    return resp


async def health(request):
    return web.json_response({"status": "ok", "pid": os.getpid()})


app = web.Application()
app.router.add_post("/api/generate", generate)
app.router.add_get("/ws", ws_handler)
app.router.add_get("/api/jobs/{sid}/events", sse_handler)
app.router.add_get("/api/health", health)
web.run_app(app, host="0.0.0.0", port=int(sys.argv[1]), print=None, access_log=None)
