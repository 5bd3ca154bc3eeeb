#!/usr/bin/python3
"""Real client against /ws/test: Debian's python3 websockets (asyncio client).

Text and binary echoes from 0 B to 64 KiB, 100 messages in flight, ping/pong, and proof that
no server frame is masked (websockets refuses a masked server frame itself; a raw socket
check reads every frame header too). Run with the system python:
    EDGE_TARGET=http://127.0.0.1:8080 /usr/bin/python3 tests/e2e/ws_clients_test.py
Prints "N passed, N failed" and exits non-zero on failure."""
import asyncio
import base64
import json
import os
import struct
import sys
import traceback
from urllib.parse import urlparse

import websockets

TARGET = urlparse(os.environ.get("EDGE_TARGET", "http://127.0.0.1:8080"))
HOST, PORT = TARGET.hostname, TARGET.port or 80
URI = f"ws://{HOST}:{PORT}/ws/test"
SMALL = int(os.environ.get("EDGE_WS_RX_BUF", "512"))
SLOW = float(os.environ.get("EDGE_SLOW", "1"))  # a slowed build (the san tier) takes longer
SIZES = [0, 1, 16, 125, 126, 127, 512, 513, 1024, 4096, 16384, 65535, 65536]
HELLO = {"type": "connected", "message": "WebSocket test endpoint ready"}


def text(n):
    s = "Wie heißt das? κόσμε — "
    out = (s * (n // len(s) + 1))
    b = out.encode()[:n]
    return b.decode("utf-8", errors="ignore")  # may be a few bytes shorter: still n chars max


def blob(n):
    return bytes((i * 13 + 7) & 255 for i in range(n))


def check_text(reply, sent):
    assert isinstance(reply, str), "text echo expected"
    j = json.loads(reply)
    assert j["type"] == "echo"
    if isinstance(j["data"], str) and j["data"] == sent:
        return
    assert len(sent.encode()) <= SMALL, "only a small message is embedded as JSON"
    assert j["data"] == json.loads(sent)


class connect:
    """`async with connect() as ws`, or `ws = await connect()`: opened and greeted."""

    async def _open(self):
        self.ws = await websockets.connect(URI, max_size=None, compression=None)
        hello = json.loads(await self.ws.recv())
        assert hello == HELLO, hello
        return self.ws

    def __await__(self):
        return self._open().__await__()

    async def __aenter__(self):
        return await self._open()

    async def __aexit__(self, *exc):
        await self.ws.close()


async def t_text_echoes():
    async with connect() as ws:
        for n in SIZES:
            s = text(n)
            await ws.send(s)
            check_text(await ws.recv(), s)


async def t_binary_echoes():
    async with connect() as ws:
        for n in SIZES:
            b = blob(n)
            await ws.send(b)
            r = await ws.recv()
            assert isinstance(r, bytes) and r == b, f"binary {n}"


async def t_json_embedded():
    async with connect() as ws:
        doc = {"prompt": "a blue star", "steps": 20, "x": [1, None, True]}
        await ws.send(json.dumps(doc))
        assert json.loads(await ws.recv())["data"] == doc


async def t_in_flight():
    async with connect() as ws:
        sent = []
        for i in range(100):
            m = blob(i * 97) if i % 2 else f"message {i} " + text(i * 50)
            sent.append(m)
            await ws.send(m)
        for i in range(100):
            r = await ws.recv()
            if i % 2:
                assert r == sent[i], f"message {i}"
            else:
                check_text(r, sent[i])


async def t_ping_pong():
    async with connect() as ws:
        for n in (0, 1, 50, 125):
            waiter = await ws.ping(blob(n))
            await asyncio.wait_for(waiter, 5)


async def t_close_code():
    ws = await connect()
    await ws.close(code=4001, reason="bye")
    assert ws.close_code == 4001, ws.close_code


async def t_no_masked_server_frame():
    """Reads every server frame header on a raw socket."""
    r, w = await asyncio.open_connection(HOST, PORT)
    key = base64.b64encode(os.urandom(16)).decode()
    w.write((f"GET /ws/test HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
             "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = await r.readuntil(b"\r\n\r\n")
    assert b" 101 " in head.split(b"\r\n")[0]

    def client_frame(op, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            h = struct.pack("!BB", 0x80 | op, 0x80 | n)
        elif n < 65536:
            h = struct.pack("!BBH", 0x80 | op, 0x80 | 126, n)
        else:
            h = struct.pack("!BBQ", 0x80 | op, 0x80 | 127, n)
        return h + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(payload))

    for n in (0, 100, 1000, 70000 - 4465):
        w.write(client_frame(2, blob(n)))
        w.write(client_frame(1, text(n).encode()))
    w.write(client_frame(9, b"ping"))
    w.write(client_frame(8, struct.pack("!H", 1000)))
    frames = masked = 0
    while True:
        try:
            h = await asyncio.wait_for(r.readexactly(2), 5)
        except asyncio.IncompleteReadError:
            break
        n = h[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", await r.readexactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", await r.readexactly(8))[0]
        if h[1] & 0x80:
            masked += 1
            await r.readexactly(4)
        await r.readexactly(n)
        frames += 1
        if h[0] & 0x0F == 8:
            break
    w.close()
    assert frames >= 10, frames
    assert masked == 0, f"{masked} masked server frames"


TESTS = [t_text_echoes, t_binary_echoes, t_json_embedded, t_in_flight, t_ping_pong,
         t_close_code, t_no_masked_server_frame]


async def main():
    passed = failed = 0
    for t in TESTS:
        try:
            await asyncio.wait_for(t(), 60 * SLOW)
            passed += 1
            print(f"ok   {t.__name__}")
        except Exception:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print(f"FAIL {t.__name__}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return failed == 0


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(main()) else 1)
