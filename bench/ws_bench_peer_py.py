#!/usr/bin/python3
"""Peer for bench/ws_bench.sh: Debian's python3 websockets echo server (asyncio).
Usage: /usr/bin/python3 bench/ws_bench_peer_py.py PORT"""
import asyncio
import sys

import websockets


async def echo(ws, path=None):
    async for msg in ws:
        await ws.send(msg)


async def main(port):
    async with websockets.serve(echo, "127.0.0.1", port, compression=None, max_size=1 << 20):
        print(f"listening on 127.0.0.1:{port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 9002))
