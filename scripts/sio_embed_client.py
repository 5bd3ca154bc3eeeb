#!/usr/bin/python3
"""Writes the C source that puts socket.io-client's dist/socket.io.min.js into flash, gzip
compressed (deterministic: no name, mtime 0), with an ETag from its digest. Run by the
Makefile at build time from the pinned npm package; the output is never committed.
Usage: sio_embed_client.py <socket.io.min.js> <out.c>"""
import gzip
import hashlib
import sys

src, out = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
gz = gzip.compress(data, compresslevel=9, mtime=0)
etag = '"sio-' + hashlib.sha256(gz).hexdigest()[:16] + '"'
with open(out, "w") as f:
    f.write("/* Generated from %s (%d bytes, %d gzip) by %s. */\n" % (src, len(data), len(gz), sys.argv[0]))
    f.write("#include <stdint.h>\n")
    f.write("const uint32_t sio_client_js_gz_len = %du;\n" % len(gz))
    f.write("const char sio_client_js_etag[] = %s;\n" % ('"' + etag.replace('"', '\\"') + '"'))
    f.write("const uint8_t sio_client_js_gz[%d] = {\n" % len(gz))
    for i in range(0, len(gz), 16):
        f.write("    " + ", ".join(str(b) for b in gz[i:i + 16]) + ",\n")
    f.write("};\n")
