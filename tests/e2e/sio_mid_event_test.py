#!/usr/bin/python3
"""Socket.IO sessions caught with an event half written, at the Engine.IO level with plain
sockets (the client libraries cannot set their socket's receive buffer or stop between an
upgrade's steps). Both were seen in the faults tier under 10 % loss, where a session died of
a ping timeout on both sides:
- a WebSocket client whose small receive buffer (SO_RCVBUF) shuts the device's window
  mid-event and stops reading for longer than the ping interval: the ping waited for the
  event and the event for the ping. The device must finish the event, send the ping and go
  on, every event once and in order;
- a polling client whose response is full (python-engineio's 16 packets) and which upgrades
  to WebSocket right then: the event that did not fit was begun and stayed half written
  across the upgrade. The rest of the replay must come on the WebSocket.
Run with the system python:
    EDGE_TARGET=http://127.0.0.1:8080 /usr/bin/python3 tests/e2e/sio_mid_event_test.py
Prints "N passed, N failed" and exits non-zero on failure."""
import json
import os
import socket
import struct
import sys
import time
import traceback
import urllib.parse
import urllib.request

TARGET = os.environ.get("EDGE_TARGET", "http://127.0.0.1:8080").rstrip("/")
SLOW = float(os.environ.get("EDGE_SLOW", "1"))
T = 30 * SLOW
STEPS = 60  # 63 events: all still in the job's ring (EVENTS_PER_JOB)


def post_json(path, body):
    req = urllib.request.Request(TARGET + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=T) as r:
        return json.loads(r.read())


def get_json(path):
    with urllib.request.urlopen(TARGET + path, timeout=T) as r:
        return json.loads(r.read())


class RawWs:
    """Just enough of an RFC 6455 client: masked text frames out, whole frames in."""

    def __init__(self, path, rcvbuf=None):
        u = urllib.parse.urlsplit(TARGET)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: the window
        self.s.settimeout(T)
        self.s.connect((u.hostname, u.port or 80))
        self.buf = b""
        self.s.sendall((f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def _more(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("the device closed the connection")
        self.buf += d

    def _take(self, n):
        while len(self.buf) < n:
            self._more()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def send(self, op, payload):
        mask = os.urandom(4)
        n = len(payload)
        hdr = bytes([0x80 | op]) + (bytes([0x80 | n]) if n < 126 else bytes([0xFE]) + struct.pack(">H", n))
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def text(self, s):
        self.send(1, s.encode())

    def frame(self):
        """The next data frame's (opcode, payload); WebSocket pings are answered here."""
        while True:
            b0, b1 = self._take(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._take(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._take(8))[0]
            assert not b1 & 0x80, "a server frame is never masked"
            p = self._take(n)
            op = b0 & 0x0F
            if op == 9:
                self.send(10, p)
                continue
            if op == 8:
                raise EOFError(f"close frame {p!r}")
            return op, p


def finished_job(steps=STEPS):
    j = post_json("/api/generate", {"prompt": "a blue star on a yellow background",
                                    "num_inference_steps": steps, "preview": False})
    sid = j["session_id"]
    for _ in range(int(600 * SLOW)):
        if get_json("/api/jobs/" + sid)["status"] == "complete":
            return sid
        time.sleep(0.05)
    raise AssertionError(f"job {sid} did not complete")


def check_stalled_reader():
    sid = finished_job(STEPS)
    ws = RawWs("/socket.io/?EIO=4&transport=websocket", 2048)
    try:
        op, p = ws.frame()
        assert op == 1 and p[:1] == b"0", p
        interval = json.loads(p[1:])["pingInterval"] / 1000
        ws.text("40")
        while not ws.frame()[1].startswith(b"40"):
            pass
        # The replay of the finished job (63 events, ~15 KB) fills the small window at once.
        ws.text('420["job:subscribe",' + json.dumps({"session_id": sid}) + "]")
        time.sleep(interval + 3)  # not reading: the ping comes due with an event half written
        t0 = time.monotonic()
        events, pings, ack = [], 0, None
        while not (pings and events and events[-1]["type"] == "generation_complete"):
            op, p = ws.frame()
            if p == b"2":
                pings += 1
                ws.text("3")
            elif p.startswith(b"430"):
                ack = json.loads(p[3:])[0]
            elif p.startswith(b"42"):
                name, *args = json.loads(p[2:])
                if name == "job:event" and args[0]["session_id"] == sid:
                    events.append(args[0])
            assert time.monotonic() - t0 < T, (f"stuck after {len(events)} events, {pings} pings "
                                               f"(last {events[-1]['event_id'] if events else None})")
        assert ack == {"ok": True, "session_id": sid}, ack
        ids = [e["event_id"] for e in events]
        assert ids == list(range(1, STEPS + 4)), ids
        print(f"  {len(events)} events and {pings} ping(s) after a {interval + 3:.0f} s stall, "
              f"read in {(time.monotonic() - t0) * 1000:.0f} ms")
        # The session is still alive: it answers a new request at once.
        ws.text('421["job:subscribe",' + json.dumps({"session_id": "0" * 32}) + "]")
        while True:
            op, p = ws.frame()
            if p.startswith(b"431"):
                assert json.loads(p[3:])[0]["ok"] is False, p
                break
    finally:
        ws.s.close()


def poll(sid, body=None):
    """One polling request of session sid: a POST of body, or a GET; its packets."""
    url = f"{TARGET}/socket.io/?EIO=4&transport=polling" + (f"&sid={sid}" if sid else "")
    req = urllib.request.Request(url, data=body.encode() if body is not None else None,
                                 headers={"Content-Type": "text/plain;charset=UTF-8"},
                                 method="POST" if body is not None else "GET")
    with urllib.request.urlopen(req, timeout=T) as r:
        text = r.read().decode()
    return text.split("\x1e") if body is None else text


def job_events(packets, sid):
    out = []
    for p in packets:
        if p.startswith("42"):
            name, *args = json.loads(p[2:])
            if name == "job:event" and args[0]["session_id"] == sid:
                out.append(args[0]["event_id"])
    return out


def check_upgrade_with_full_response():
    job = finished_job(20)  # 23 events: 46 packets with their offsets, more than a response holds
    open_ = poll(None)
    assert open_[0].startswith("0"), open_
    sid = json.loads(open_[0][1:])["sid"]
    assert poll(sid, "40") == "ok"
    got = poll(sid)  # 40 and "connected"; no GET is parked while the subscription is made
    assert got[0].startswith("40"), got
    assert poll(sid, '420["job:subscribe",' + json.dumps({"session_id": job}) + "]") == "ok"
    first = poll(sid)  # the ack and as many events as 16 packets hold
    assert len(first) <= 16, len(first)
    assert any(p.startswith("430") for p in first), first
    ids = job_events(first, job)
    assert ids and ids == list(range(1, len(ids) + 1)) and len(ids) < 23, ids
    # Upgrade now, while the next event waits for a response.
    ws = RawWs(f"/socket.io/?EIO=4&transport=websocket&sid={sid}")
    try:
        ws.text("2probe")
        assert ws.frame()[1] == b"3probe"
        assert poll(sid) == ["6"]  # the GET a client holds is answered with a noop
        ws.text("5")
        t0 = time.monotonic()
        while not ids or ids[-1] != 23:
            op, p = ws.frame()
            if p.startswith(b"42"):
                name, *args = json.loads(p[2:])
                if name == "job:event" and args[0]["session_id"] == job:
                    ids.append(args[0]["event_id"])
            assert time.monotonic() - t0 < T, f"stuck after the upgrade: {ids}"
        assert ids == list(range(1, 24)), ids
        print(f"  {len(job_events(first, job))} events over polling, the rest after the upgrade")
    finally:
        ws.s.close()


def main():
    passed = failed = 0
    for name, fn in [("a WebSocket reader stalled past the ping interval mid-replay carries on",
                      check_stalled_reader),
                     ("an upgrade while a polling response is full carries on on WebSocket",
                      check_upgrade_with_full_response)]:
        try:
            fn()
            print("ok  ", name)
            passed += 1
        except Exception:  # noqa: BLE001 - every failure is reported and counted
            print("FAIL", name)
            traceback.print_exc()
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return failed == 0


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
