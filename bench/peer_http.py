"""Peer for bench/http_bench.sh: the way the seeds' servers are built (Python aiohttp),
answering GET /api/health with a JSON document of the same shape and size."""
import json
import sys
import time

from aiohttp import web

START = time.monotonic()


async def health(_request):
    doc = {"status": "ok", "board": "aiohttp-peer",
           "uptime_ms": int((time.monotonic() - START) * 1000),
           "connections": {"active": 1, "max": 32},
           "memory": {"pool%d" % i: {"used": 0, "peak": 1, "size": 32, "failed": 0}
                      for i in range(9)}}
    return web.Response(text=json.dumps(doc), content_type="application/json")


app = web.Application()
app.router.add_get("/api/health", health)
web.run_app(app, host=sys.argv[1], port=int(sys.argv[2]), print=None, access_log=None)
