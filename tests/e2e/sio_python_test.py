#!/usr/bin/python3
"""Real client against /socket.io/: Debian's python3-socketio (5.x, AsyncClient over aiohttp),
over polling and over websocket, with handlers registered as @sio.on('job:event') style
names and taking exactly their documented argument (def on_x(data)): a trailing recovery
offset, as the reference server appends, would make python-socketio call them with two and
lose the event to a TypeError. Also: python-engineio drops a polling response with more than
16 packets ("Too many packets in payload"), so a replay of a whole finished job over polling
must come in several; and a timing check that progress events arrive while the job runs,
not in a burst at its end. Run with the system python:
    EDGE_TARGET=http://127.0.0.1:8080 /usr/bin/python3 tests/e2e/sio_python_test.py
Prints "N passed, N failed" and exits non-zero on failure."""
import asyncio
import json
import os
import sys
import time
import traceback
import urllib.request

import socketio

TARGET = os.environ.get("EDGE_TARGET", "http://127.0.0.1:8080").rstrip("/")
SLOW = float(os.environ.get("EDGE_SLOW", "1"))
T = 30 * SLOW


def post_json(path, body):
    req = urllib.request.Request(TARGET + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=T) as r:
        return json.loads(r.read())


def get_json(path):
    with urllib.request.urlopen(TARGET + path, timeout=T) as r:
        return json.loads(r.read())


class Recorder:
    """A client whose handlers each take one argument, as the guide's servers document."""

    def __init__(self):
        self.sio = socketio.AsyncClient(reconnection=False)
        self.user_id = None
        self.connected = asyncio.Event()
        self.done = asyncio.Event()
        self.events = []  # (name, data, arrival time)
        self.job_events = []
        self.errors = []
        sio = self.sio

        @sio.on("connected")
        def on_connected(data):
            self.user_id = data["user_id"]
            self.connected.set()

        @sio.on("generation_started")
        def on_started(data):
            self.events.append(("generation_started", data, time.monotonic()))

        @sio.on("generation_progress")
        def on_progress(data):
            self.events.append(("generation_progress", data, time.monotonic()))

        @sio.on("image_ready")
        def on_ready(data):
            self.events.append(("image_ready", data, time.monotonic()))
            self.done.set()

        @sio.on("generation_error")
        def on_error(data):
            self.errors.append(data)
            self.done.set()

        @sio.on("job:event")
        async def on_job_event(data):
            self.job_events.append(data)
            if data["type"] in ("generation_complete", "generation_error"):
                self.done.set()

    async def connect(self, transport):
        await self.sio.connect(TARGET, transports=[transport], wait_timeout=T)
        await asyncio.wait_for(self.connected.wait(), T)
        assert self.sio.transport() == transport, self.sio.transport()

    async def generate(self, **fields):
        fut = asyncio.get_running_loop().create_future()

        def ack(data):  # one argument, like every handler here
            fut.set_result(data)

        await self.sio.emit("generate_image", {"user_id": self.user_id, **fields}, callback=ack)
        return await asyncio.wait_for(fut, T)


async def check_generate(transport):
    r = Recorder()
    await r.connect(transport)
    try:
        ack = await r.generate(prompt="a large red circle on the left, blue background",
                               num_inference_steps=10, seed=5)
        assert ack["ok"] is True and len(ack["session_id"]) == 32, ack
        await asyncio.wait_for(r.done.wait(), T)
        assert r.errors == [], r.errors
        names = [e[0] for e in r.events]
        assert names == ["generation_started"] + ["generation_progress"] * 10 + ["image_ready"], names
        steps = [e[1]["step"] for e in r.events if e[0] == "generation_progress"]
        assert steps == list(range(1, 11)), steps
        ready = r.events[-1][1]
        assert ready["session_id"] == ack["session_id"]
        assert ready["image_data"].startswith("data:image/png;base64,iVBORw0KGgo")
        assert isinstance(ready["generation_time"], (int, float))
        # A validation error reaches its one-argument handler too.
        r.done.clear()
        await r.sio.emit("generate_image", {"prompt": "a blue square"})
        await asyncio.wait_for(r.done.wait(), T)
        assert r.errors == [{"message": "Missing user_id", "code": "invalid_argument",
                             "field": "user_id"}], r.errors
    finally:
        await r.sio.disconnect()


async def check_job_event(transport):
    """job:subscribe to a finished 20-step job: its 23 events are replayed at once, more
    than one polling response may carry."""
    j = post_json("/api/generate", {"prompt": "a green ring", "num_inference_steps": 20})
    sid = j["session_id"]
    for _ in range(int(200 * SLOW)):
        if get_json("/api/jobs/" + sid)["status"] == "complete":
            break
        await asyncio.sleep(0.05)
    r = Recorder()
    await r.connect(transport)
    try:
        fut = asyncio.get_running_loop().create_future()
        await r.sio.emit("job:subscribe", {"session_id": sid}, callback=fut.set_result)
        assert (await asyncio.wait_for(fut, T)) == {"ok": True, "session_id": sid}
        await asyncio.wait_for(r.done.wait(), T)
        ids = [e["event_id"] for e in r.job_events]
        assert ids == list(range(1, 24)), ids
        assert r.job_events[-1]["type"] == "generation_complete"
        assert r.sio.connected  # python-engineio did not drop the connection
    finally:
        await r.sio.disconnect()


async def check_timing(transport):
    """Each progress event arrives while the job runs: with 100 steps the arrivals spread
    over most of the job, not in a burst when it ends."""
    r = Recorder()
    await r.connect(transport)
    try:
        t0 = time.monotonic()
        ack = await r.generate(prompt="a white cross on a black background",
                               num_inference_steps=100, preview=False)
        assert ack["ok"], ack
        await asyncio.wait_for(r.done.wait(), 3 * T)
        prog = [t for (n, _, t) in r.events if n == "generation_progress"]
        assert len(prog) == 100, len(prog)
        started = [t for (n, _, t) in r.events if n == "generation_started"][0]
        end = r.events[-1][2]
        job = end - started
        spread = prog[-1] - prog[0]
        gaps = sorted(b - a for a, b in zip(prog, prog[1:]))
        median_gap = gaps[len(gaps) // 2]
        print(f"  {transport}: job {job * 1000:.1f} ms at the client, progress spread "
              f"{spread * 1000:.1f} ms, median gap {median_gap * 1000:.2f} ms "
              f"(from emit {(end - t0) * 1000:.1f} ms)")
        assert job > 0.02, job  # 100 steps take tens of ms on any board
        assert spread >= 0.6 * job, (spread, job)
        assert median_gap > 0.0001, median_gap  # not one burst
    finally:
        await r.sio.disconnect()


async def main():
    passed = failed = 0
    checks = []
    for tr in ("polling", "websocket"):
        checks += [(f"generate over {tr}", check_generate, tr),
                   (f"job:event replay over {tr}", check_job_event, tr),
                   (f"progress timing over {tr}", check_timing, tr)]
    for name, fn, tr in checks:
        try:
            await asyncio.wait_for(fn(tr), 4 * T)
            print("ok  ", name)
            passed += 1
        except Exception:  # noqa: BLE001 - every failure is reported and counted
            print("FAIL", name)
            traceback.print_exc()
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return failed == 0


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(main()) else 1)
