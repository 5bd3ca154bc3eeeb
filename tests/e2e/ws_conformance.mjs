// WebSocket conformance suite of our own, modelled on the categories of the Autobahn|Testsuite
// fuzzing client. It speaks raw TCP (node:net) to a running target, builds every frame by
// hand (so it can send what no library would), and checks each case's stated expectation:
//   echo     - the /ws/test echo answers as documented (and nothing else happens)
//   close N  - the server sends a close frame with code N (1005: an empty close), and closes
//              TCP after our answering close (or by itself when framing was lost)
// Run: EDGE_TARGET=http://127.0.0.1:8080 node --test ws_conformance.mjs
import test, { describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { PROXIED, SLOW } from './target.mjs';

const TARGET = new URL(process.env.EDGE_TARGET || 'http://127.0.0.1:8080');
const HOST = TARGET.hostname;
const PORT = Number(TARGET.port || 80);
const PATH = '/ws/test';
const MSG_MAX = Number(process.env.EDGE_WS_MSG_MAX || 65536); // WS_MSG_MAX of the target
const SMALL = Number(process.env.EDGE_WS_RX_BUF || 512);      // WS_RX_BUF: whole-JSON limit
const TIMEOUT = 8000 * SLOW; // EDGE_SLOW: emulated targets (QEMU) get more time
const CONCURRENCY = Number(process.env.EDGE_WS_CONCURRENCY || 8);

let cases = 0;

// ---- frames ---------------------------------------------------------------------------

function frame(op, payload = Buffer.alloc(0), { fin = true, rsv = 0, mask = true, len } = {}) {
  payload = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const n = len ?? payload.length;
  let head;
  if (n < 126) head = Buffer.from([0, n]);
  else if (n <= 0xffff) { head = Buffer.alloc(4); head[1] = 126; head.writeUInt16BE(n, 2); }
  else { head = Buffer.alloc(10); head[1] = 127; head.writeBigUInt64BE(BigInt(n), 2); }
  head[0] = (fin ? 0x80 : 0) | (rsv << 4) | op;
  if (!mask) return Buffer.concat([head, payload]);
  head[1] |= 0x80;
  const key = crypto.randomBytes(4);
  const body = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([head, key, body]);
}

const TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;

function closePayload(code, reason = Buffer.alloc(0)) {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return Buffer.concat([b, Buffer.from(reason)]);
}

// Fragments payload into frames of `size` bytes (at least one frame).
function fragments(op, payload, size) {
  payload = Buffer.from(payload);
  const out = [];
  let off = 0;
  do {
    const piece = payload.subarray(off, off + size);
    off += piece.length;
    out.push(frame(out.length ? 0 : op, piece, { fin: off >= payload.length }));
  } while (off < payload.length);
  return Buffer.concat(out);
}

// ---- a raw client ---------------------------------------------------------------------

class Raw {
  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.ended = false;
    this.waiters = [];
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    sock.on('end', () => { this.ended = true; this.wake(); });
    sock.on('close', () => { this.ended = true; this.wake(); });
    sock.on('error', () => { this.ended = true; this.wake(); });
  }
  wake() { const w = this.waiters; this.waiters = []; w.forEach((f) => f()); }
  wait(ms) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout waiting for the server')), ms);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }
  write(b) { if (!this.sock.destroyed) this.sock.write(b); }
  static async open(extraHeaders = {}) {
    const sock = net.connect(PORT, HOST);
    sock.setNoDelay(true);
    await new Promise((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
    const raw = new Raw(sock);
    const key = crypto.randomBytes(16).toString('base64');
    const headers = {
      Host: `${HOST}:${PORT}`, Upgrade: 'websocket', Connection: 'Upgrade',
      'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13', ...extraHeaders,
    };
    let req = `GET ${PATH} HTTP/1.1\r\n`;
    for (const [k, v] of Object.entries(headers)) if (v !== null) req += `${k}: ${v}\r\n`;
    raw.write(req + '\r\n');
    const head = await raw.readHead();
    raw.status = Number(head.split(' ')[1]);
    raw.head = head;
    raw.key = key;
    return raw;
  }
  async readHead() {
    const deadline = Date.now() + TIMEOUT;
    for (;;) {
      const i = this.buf.indexOf('\r\n\r\n');
      if (i >= 0) {
        const head = this.buf.subarray(0, i).toString('latin1');
        this.buf = this.buf.subarray(i + 4);
        return head;
      }
      if (this.ended) throw new Error('connection closed during the handshake');
      await this.wait(deadline - Date.now());
    }
  }
  // Next server frame, or null when TCP closed.
  async frame(ms = TIMEOUT) {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = this.parse();
      if (f) return f;
      if (this.ended) return null;
      await this.wait(Math.max(1, deadline - Date.now()));
    }
  }
  parse() {
    const b = this.buf;
    if (b.length < 2) return null;
    let n = b[1] & 0x7f, k = 2;
    if (n === 126) { if (b.length < 4) return null; n = b.readUInt16BE(2); k = 4; }
    else if (n === 127) { if (b.length < 10) return null; n = Number(b.readBigUInt64BE(2)); k = 10; }
    const masked = (b[1] & 0x80) !== 0;
    if (masked) k += 4;
    if (b.length < k + n) return null;
    const f = { fin: (b[0] & 0x80) !== 0, rsv: (b[0] >> 4) & 7, op: b[0] & 15, masked,
                payload: b.subarray(k, k + n) };
    this.buf = b.subarray(k + n);
    assert.equal(f.masked, false, 'a server frame must never be masked');
    assert.equal(f.rsv, 0, 'no extension was negotiated: RSV must be 0');
    return f;
  }
  // Next data message (control frames on the way are collected in `controls`).
  async message(controls = []) {
    let op = null;
    const parts = [];
    for (;;) {
      const f = await this.frame();
      if (!f) throw new Error('TCP closed while waiting for a message');
      if (f.op >= 8) {
        if (f.op === CLOSE) throw new Error(`close ${closeCode(f)} while waiting for a message`);
        controls.push(f);
        continue;
      }
      if (op === null) { assert.ok(f.op === TEXT || f.op === BINARY, `bad opcode ${f.op}`); op = f.op; }
      else assert.equal(f.op, 0, 'continuation expected');
      parts.push(f.payload);
      if (f.fin) return { op, data: Buffer.concat(parts) };
    }
  }
  async greeting() {
    const m = await this.message();
    assert.equal(m.op, TEXT);
    assert.deepEqual(JSON.parse(m.data.toString()), { type: 'connected', message: 'WebSocket test endpoint ready' });
  }
  // Expect the server's close with `code` (1005: empty), then TCP closed after our answer.
  // allowData: the echo of a streamed message may already be under way when the error is
  // found, so its first fragments may precede the close.
  async expectClose(code, { allowData = false } = {}) {
    for (;;) {
      const f = await this.frame();
      if (!f) throw new Error(`TCP closed without a close frame (expected ${code})`);
      if (f.op === PONG) continue;
      if (allowData && f.op < 8 && !f.fin) continue;
      assert.equal(f.op, CLOSE, `expected close ${code}, got opcode ${f.op}`);
      assert.equal(closeCode(f), code, `close code`);
      if (f.payload.length > 2) assert.ok(isUtf8(f.payload.subarray(2)));
      this.write(frame(CLOSE, f.payload.subarray(0, 2)));
      await this.expectTcpClose();
      return;
    }
  }
  async expectTcpClose() {
    const deadline = Date.now() + TIMEOUT;
    while (!this.ended) {
      await this.wait(Math.max(1, deadline - Date.now()));
      if (this.parse()) {} // swallow anything else
    }
    this.sock.destroy();
  }
  destroy() { this.sock.destroy(); }
}

function closeCode(f) { return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005; }
function isUtf8(b) { try { new TextDecoder('utf-8', { fatal: true }).decode(b); return true; } catch { return false; } }

// The echo of a text message: {"type":"echo","data":X} where X is the parsed message when it
// is JSON and arrived whole, else the message as a string.
function checkTextEcho(m, sent) {
  assert.equal(m.op, TEXT);
  const j = JSON.parse(m.data.toString('utf8'));
  assert.equal(j.type, 'echo');
  const s = Buffer.from(sent).toString('utf8');
  if (typeof j.data === 'string' && j.data === s) return;
  let parsed;
  try { parsed = JSON.parse(s); } catch { assert.fail('echo data differs from the message'); }
  assert.ok(Buffer.byteLength(s) <= SMALL, 'only a whole (small) message is embedded as JSON');
  assert.deepEqual(j.data, parsed);
}

function checkBinaryEcho(m, sent) {
  assert.equal(m.op, BINARY);
  assert.ok(m.data.equals(Buffer.from(sent)), `binary echo of ${sent.length} bytes differs`);
}

// A case: open, greet, run body, and make sure the connection ends cleanly.
function kase(name, body, { skip = false } = {}) {
  cases++;
  test(name, { timeout: 30000 * SLOW, skip }, async () => {
    const c = await Raw.open();
    try {
      assert.equal(c.status, 101, c.head);
      await c.greeting();
      await body(c);
    } finally { c.destroy(); }
  });
}

// Expectation helpers
async function closesWith(c, code, opts) { await c.expectClose(code, opts); }
async function endsNormally(c) {
  c.write(frame(CLOSE, closePayload(1000)));
  await c.expectClose(1000);
}

function payloadOf(size, text) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = text ? 0x61 + (i % 26) : (i * 7 + 3) & 0xff;
  return b;
}

// ---- 1 framing ------------------------------------------------------------------------
const SIZES = [0, 1, 125, 126, 127, 128, 511, 512, 513, 1000, 4096, 16384, 65535, 65536];
describe('1 framing', { concurrency: CONCURRENCY }, () => {
  for (const size of SIZES) {
    kase(`1.1 text ${size} B in one frame -> echo`, async (c) => {
      const p = payloadOf(size, true);
      c.write(frame(TEXT, p));
      checkTextEcho(await c.message(), p);
      await endsNormally(c);
    });
    kase(`1.2 binary ${size} B in one frame -> echo`, async (c) => {
      const p = payloadOf(size, false);
      c.write(frame(BINARY, p));
      checkBinaryEcho(await c.message(), p);
      await endsNormally(c);
    });
  }
  for (const size of [0, 1, 2, 125, 512, 513, 4096, 65536]) {
    kase(`1.3 text ${size} B in 1-byte frames -> echo`, async (c) => {
      const p = payloadOf(size, true);
      c.write(fragments(TEXT, p, 1));
      checkTextEcho(await c.message(), p);
      await endsNormally(c);
    });
    kase(`1.4 binary ${size} B in 1-byte frames -> echo`, async (c) => {
      const p = payloadOf(size, false);
      c.write(fragments(BINARY, p, 1));
      checkBinaryEcho(await c.message(), p);
      await endsNormally(c);
    });
  }
  kase('1.5 text 65536 B written 1 byte per TCP segment -> echo', async (c) => {
    const p = payloadOf(3000, true);
    const f = frame(TEXT, p);
    for (let i = 0; i < f.length; i += 1) { c.write(f.subarray(i, i + 1)); if (i % 500 === 0) await new Promise((r) => setImmediate(r)); }
    checkTextEcho(await c.message(), p);
    await endsNormally(c);
  });
  kase('1.6 JSON text is embedded as JSON', async (c) => {
    const p = '{"a":[1,2.5,{"b":null}],"c":"d"}';
    c.write(frame(TEXT, p));
    const m = await c.message();
    assert.deepEqual(JSON.parse(m.data.toString()).data, JSON.parse(p));
    await endsNormally(c);
  });
  kase('1.7 100 messages in one write -> 100 echoes in order', async (c) => {
    const frames = [];
    for (let i = 0; i < 100; i++) frames.push(frame(TEXT, `m${i}`));
    c.write(Buffer.concat(frames));
    for (let i = 0; i < 100; i++) checkTextEcho(await c.message(), `m${i}`);
    await endsNormally(c);
  });
  kase('1.8 unmasked client frame -> close 1002', async (c) => {
    c.write(frame(TEXT, 'hello', { mask: false }));
    await closesWith(c, 1002);
  });
  kase('1.9 16-bit length not minimal -> close 1002', async (c) => {
    c.write(Buffer.from([0x82, 0xfe, 0x00, 0x05, 1, 2, 3, 4, 9, 9, 9, 9, 9]));
    await closesWith(c, 1002);
  });
  kase('1.10 64-bit length with the top bit set -> close 1002', async (c) => {
    c.write(Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4]));
    await closesWith(c, 1002);
  });
});

// ---- 2 pings and pongs -----------------------------------------------------------------
describe('2 pings and pongs', { concurrency: CONCURRENCY }, () => {
  for (const size of [0, 1, 10, 64, 124, 125]) {
    kase(`2.1 ping ${size} B -> pong with the same payload`, async (c) => {
      const p = crypto.randomBytes(size);
      c.write(frame(PING, p));
      const f = await c.frame();
      assert.equal(f.op, PONG);
      assert.ok(f.payload.equals(p));
      await endsNormally(c);
    });
  }
  kase('2.2 ping 126 B -> close 1002', async (c) => {
    c.write(frame(PING, Buffer.alloc(126, 1)));
    await closesWith(c, 1002);
  });
  kase('2.3 ping with a 64 KiB 16-bit length -> close 1002', async (c) => {
    c.write(frame(PING, Buffer.alloc(0), { len: 65535 }));
    await closesWith(c, 1002);
  });
  kase('2.4 unsolicited pong is ignored', async (c) => {
    c.write(frame(PONG, 'unsolicited'));
    c.write(frame(TEXT, 'after'));
    const controls = [];
    checkTextEcho(await c.message(controls), 'after');
    assert.equal(controls.length, 0);
    await endsNormally(c);
  });
  kase('2.5 ten pings in a row -> ten pongs in order', async (c) => {
    const frames = [];
    for (let i = 0; i < 10; i++) frames.push(frame(PING, `p${i}`));
    c.write(Buffer.concat(frames));
    for (let i = 0; i < 10; i++) {
      const f = await c.frame();
      assert.equal(f.op, PONG);
      assert.equal(f.payload.toString(), `p${i}`);
    }
    await endsNormally(c);
  });
  kase('2.6 ping written 1 byte at a time -> pong', async (c) => {
    const f = frame(PING, 'slow');
    for (const b of f) c.write(Buffer.from([b]));
    const r = await c.frame();
    assert.equal(r.op, PONG);
    assert.equal(r.payload.toString(), 'slow');
    await endsNormally(c);
  });
  kase('2.7 fragmented ping -> close 1002', async (c) => {
    c.write(frame(PING, 'a', { fin: false }));
    await closesWith(c, 1002);
  });
});

// ---- 3 reserved bits -------------------------------------------------------------------
describe('3 reserved bits', { concurrency: CONCURRENCY }, () => {
  for (const rsv of [1, 2, 3, 4, 5, 6, 7]) {
    kase(`3.1 text with RSV=${rsv} after a good message -> echo, then close 1002`, async (c) => {
      c.write(Buffer.concat([frame(TEXT, 'good'), frame(TEXT, 'bad', { rsv }), frame(PING, 'x')]));
      checkTextEcho(await c.message(), 'good');
      await closesWith(c, 1002);
    });
  }
  kase('3.2 binary with RSV1 -> close 1002', async (c) => {
    c.write(frame(BINARY, Buffer.from([1, 2, 3]), { rsv: 4 }));
    await closesWith(c, 1002);
  });
  kase('3.3 ping with RSV3 -> close 1002', async (c) => {
    c.write(frame(PING, 'x', { rsv: 1 }));
    await closesWith(c, 1002);
  });
  kase('3.4 close with RSV2 -> close 1002', async (c) => {
    c.write(frame(CLOSE, closePayload(1000), { rsv: 2 }));
    await closesWith(c, 1002);
  });
});

// ---- 4 opcodes -------------------------------------------------------------------------
describe('4 reserved opcodes', { concurrency: CONCURRENCY }, () => {
  for (const op of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    kase(`4.1 opcode ${op} -> close 1002`, async (c) => {
      c.write(frame(op, 'reserved'));
      await closesWith(c, 1002);
    });
    kase(`4.2 opcode ${op} after a good message -> echo, then close 1002`, async (c) => {
      c.write(Buffer.concat([frame(TEXT, 'first'), frame(op, ''), frame(TEXT, 'never')]));
      checkTextEcho(await c.message(), 'first');
      await closesWith(c, 1002);
    });
  }
});

// ---- 5 fragmentation ------------------------------------------------------------------
describe('5 fragmentation', { concurrency: CONCURRENCY }, () => {
  kase('5.1 continuation without a start (FIN) -> close 1002', async (c) => {
    c.write(frame(0, 'cont'));
    await closesWith(c, 1002);
  });
  kase('5.2 continuation without a start (no FIN) -> close 1002', async (c) => {
    c.write(frame(0, 'cont', { fin: false }));
    await closesWith(c, 1002);
  });
  kase('5.3 continuation after a complete message -> echo, then close 1002', async (c) => {
    c.write(Buffer.concat([frame(TEXT, 'done'), frame(0, 'stray')]));
    checkTextEcho(await c.message(), 'done');
    await closesWith(c, 1002);
  });
  kase('5.4 new text message inside a fragmented one -> close 1002', async (c) => {
    c.write(Buffer.concat([frame(TEXT, 'a', { fin: false }), frame(TEXT, 'b')]));
    await closesWith(c, 1002);
  });
  kase('5.5 new binary message inside a fragmented text -> close 1002', async (c) => {
    c.write(Buffer.concat([frame(TEXT, 'a', { fin: false }), frame(BINARY, 'b', { fin: false })]));
    await closesWith(c, 1002);
  });
  kase('5.6 fragmented text with a ping between fragments -> pong, then echo', async (c) => {
    c.write(Buffer.concat([frame(TEXT, 'frag', { fin: false }), frame(PING, 'in-between'), frame(0, 'ment')]));
    const controls = [];
    checkTextEcho(await c.message(controls), 'fragment');
    assert.equal(controls.length, 1);
    assert.equal(controls[0].op, PONG);
    assert.equal(controls[0].payload.toString(), 'in-between');
    await endsNormally(c);
  });
  kase('5.7 fragmented binary with a ping after every 1-byte fragment -> pongs, echo', async (c) => {
    const p = payloadOf(600, false);
    const frames = [];
    for (let i = 0; i < p.length; i++) {
      frames.push(frame(i ? 0 : BINARY, p.subarray(i, i + 1), { fin: i === p.length - 1 }));
      if (i < p.length - 1) frames.push(frame(PING, String(i)));
    }
    c.write(Buffer.concat(frames));
    const controls = [];
    checkBinaryEcho(await c.message(controls), p);
    const pongs = controls.filter((f) => f.op === PONG);
    // pongs may also follow the echo's first frames: collect the rest
    while (pongs.length < p.length - 1) {
      const f = await c.frame();
      assert.equal(f.op, PONG);
      pongs.push(f);
    }
    pongs.forEach((f, i) => assert.equal(f.payload.toString(), String(i)));
    await endsNormally(c);
  });
  kase('5.8 fragmented text with a pong and an empty fragment -> echo', async (c) => {
    c.write(Buffer.concat([frame(TEXT, 'x', { fin: false }), frame(PONG, 'p'), frame(0, '', { fin: false }), frame(0, 'y')]));
    checkTextEcho(await c.message(), 'xy');
    await endsNormally(c);
  });
  kase('5.9 fragments sent slowly (one per 50 ms) -> echo', async (c) => {
    const parts = ['a', 'b', 'c', 'd'];
    for (let i = 0; i < parts.length; i++) {
      c.write(frame(i ? 0 : TEXT, parts[i], { fin: i === parts.length - 1 }));
      await new Promise((r) => setTimeout(r, 50));
    }
    checkTextEcho(await c.message(), 'abcd');
    await endsNormally(c);
  });
  kase('5.10 fragmented close -> close 1002', async (c) => {
    c.write(frame(CLOSE, closePayload(1000), { fin: false }));
    await closesWith(c, 1002);
  });
  kase('5.11 fragmented pong -> close 1002', async (c) => {
    c.write(frame(PONG, 'p', { fin: false }));
    await closesWith(c, 1002);
  });
});

// ---- 6 UTF-8 --------------------------------------------------------------------------
const VALID = {
  'ascii': Buffer.from('Hello-µ@ßöäüàá-UTF-8!!'),
  'kosme': Buffer.from('κόσμε'),
  'U+0080': Buffer.from([0xc2, 0x80]),
  'U+07FF': Buffer.from([0xdf, 0xbf]),
  'U+0800': Buffer.from([0xe0, 0xa0, 0x80]),
  'U+D7FF': Buffer.from([0xed, 0x9f, 0xbf]),
  'U+E000': Buffer.from([0xee, 0x80, 0x80]),
  'U+FFFD': Buffer.from([0xef, 0xbf, 0xbd]),
  'U+FFFF': Buffer.from([0xef, 0xbf, 0xbf]),
  'U+10000': Buffer.from([0xf0, 0x90, 0x80, 0x80]),
  'U+10FFFF': Buffer.from([0xf4, 0x8f, 0xbf, 0xbf]),
  'emoji': Buffer.from('a😀b€c'),
};
const INVALID = {
  'stray continuation': Buffer.from([0x61, 0x80]),
  'overlong /': Buffer.from([0xc0, 0xaf]),
  'overlong C1': Buffer.from([0xc1, 0xbf]),
  'overlong 3-byte': Buffer.from([0xe0, 0x80, 0xaf]),
  'overlong 4-byte': Buffer.from([0xf0, 0x80, 0x80, 0xaf]),
  'surrogate D800': Buffer.from([0xed, 0xa0, 0x80]),
  'surrogate DFFF': Buffer.from([0xed, 0xbf, 0xbf]),
  'past U+10FFFF': Buffer.from([0xf4, 0x90, 0x80, 0x80]),
  'F5 lead': Buffer.from([0xf5, 0x80, 0x80, 0x80]),
  'FE': Buffer.from([0xfe]),
  'FF': Buffer.from([0xff]),
  'truncated 2-byte at end': Buffer.from([0x61, 0xc2]),
  'truncated 3-byte at end': Buffer.from([0xe2, 0x82]),
  'truncated 4-byte at end': Buffer.from([0xf0, 0x9f, 0x98]),
  'cut by ascii': Buffer.from([0xe2, 0x82, 0x61]),
  'kosme then surrogate': Buffer.concat([Buffer.from('κόσμε'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('edited')]),
};
describe('6 UTF-8', { concurrency: CONCURRENCY }, () => {
  for (const [name, p] of Object.entries(VALID)) {
    kase(`6.1 valid ${name} whole -> echo`, async (c) => {
      c.write(frame(TEXT, p));
      checkTextEcho(await c.message(), p);
      await endsNormally(c);
    });
    kase(`6.2 valid ${name} in 1-byte frames -> echo`, async (c) => {
      c.write(fragments(TEXT, p, 1));
      checkTextEcho(await c.message(), p);
      await endsNormally(c);
    });
  }
  for (const [name, p] of Object.entries(INVALID)) {
    kase(`6.3 invalid ${name} whole -> close 1007`, async (c) => {
      c.write(frame(TEXT, p));
      await closesWith(c, 1007);
    });
    kase(`6.4 invalid ${name} in 1-byte frames -> close 1007`, async (c) => {
      c.write(fragments(TEXT, p, 1));
      await closesWith(c, 1007);
    });
  }
  kase('6.5 invalid byte in the first fragment fails fast (before the message ends) -> 1007', async (c) => {
    c.write(frame(TEXT, Buffer.from([0x61, 0x62, 0xff, 0x63]), { fin: false }));
    await closesWith(c, 1007); // the rest of the message is never sent
  });
  kase('6.6 invalid byte early in a long frame fails fast -> 1007', async (c) => {
    const whole = frame(TEXT, Buffer.concat([Buffer.from('ok'), Buffer.from([0xc0, 0x80]), Buffer.alloc(5000, 0x61)]));
    c.write(whole.subarray(0, 20)); // header + the bad bytes only
    await closesWith(c, 1007);
  });
  kase('6.7 character split across fragments -> echo', async (c) => {
    c.write(Buffer.concat([frame(TEXT, Buffer.from([0xce, 0xba, 0xe1]), { fin: false }), frame(0, Buffer.from([0xbd, 0xb9]))]));
    checkTextEcho(await c.message(), Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9]));
    await endsNormally(c);
  });
  kase('6.8 invalid at a fragment border (character not continued) -> 1007', async (c) => {
    c.write(Buffer.concat([frame(TEXT, Buffer.from([0x61, 0xe2]), { fin: false }), frame(0, Buffer.from([0x61]))]));
    await closesWith(c, 1007);
  });
  kase('6.9 message ends inside a character at a fragment border -> 1007', async (c) => {
    c.write(Buffer.concat([frame(TEXT, Buffer.from([0x61]), { fin: false }), frame(0, Buffer.from([0xf0, 0x9f]))]));
    await closesWith(c, 1007);
  });
  kase('6.10 binary is not checked for UTF-8 -> echo', async (c) => {
    const p = Buffer.from([0xff, 0xfe, 0xc0, 0x80]);
    c.write(frame(BINARY, p));
    checkBinaryEcho(await c.message(), p);
    await endsNormally(c);
  });
  kase('6.11 close reason with valid UTF-8 -> close 1000', async (c) => {
    c.write(frame(CLOSE, closePayload(1000, 'κόσμε')));
    await closesWith(c, 1000);
  });
  kase('6.12 close reason with invalid UTF-8 -> close 1007', async (c) => {
    c.write(frame(CLOSE, closePayload(1000, Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80]))));
    await closesWith(c, 1007);
  });
  kase('6.13 close reason cut inside a character -> close 1007', async (c) => {
    c.write(frame(CLOSE, closePayload(1000, Buffer.from([0x61, 0xe2, 0x82]))));
    await closesWith(c, 1007);
  });
});

// ---- 7 close handling -----------------------------------------------------------------
describe('7 close handling', { concurrency: CONCURRENCY }, () => {
  kase('7.1 empty close -> empty close, TCP closed', async (c) => {
    c.write(frame(CLOSE));
    await closesWith(c, 1005);
  });
  kase('7.2 close with a 1-byte payload -> close 1002', async (c) => {
    c.write(frame(CLOSE, Buffer.from([0x03])));
    await closesWith(c, 1002);
  });
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]) {
    kase(`7.3 close ${code} (valid) -> echoed, TCP closed`, async (c) => {
      c.write(frame(CLOSE, closePayload(code)));
      await closesWith(c, code);
    });
  }
  for (const code of [0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    kase(`7.4 close ${code} (invalid) -> close 1002`, async (c) => {
      c.write(frame(CLOSE, closePayload(code)));
      await closesWith(c, 1002);
    });
  }
  kase('7.5 close with a 123-byte reason -> close 1000', async (c) => {
    c.write(frame(CLOSE, closePayload(1000, 'r'.repeat(123))));
    await closesWith(c, 1000);
  });
  kase('7.6 close with a 124-byte reason (payload 126) -> close 1002', async (c) => {
    c.write(frame(CLOSE, closePayload(1000, 'r'.repeat(124))));
    await closesWith(c, 1002);
  });
  kase('7.7 data after the close is ignored', async (c) => {
    c.write(Buffer.concat([frame(CLOSE, closePayload(1000)), frame(TEXT, 'after'), frame(PING, 'after')]));
    const f = await c.frame();
    assert.equal(f.op, CLOSE);
    assert.equal(closeCode(f), 1000);
    await c.expectTcpClose();
  });
  kase('7.8 close in the middle of a fragmented message -> close 1000, no echo', async (c) => {
    c.write(Buffer.concat([frame(TEXT, 'half', { fin: false }), frame(CLOSE, closePayload(1000))]));
    await closesWith(c, 1000);
  });
  kase('7.9 close then TCP half-close by the client -> TCP closed', async (c) => {
    c.write(frame(CLOSE, closePayload(1001)));
    c.sock.end();
    const f = await c.frame();
    assert.equal(f.op, CLOSE);
    assert.equal(closeCode(f), 1001);
    await c.expectTcpClose();
    // nginx ends an upgraded tunnel once one side has half-closed and its bytes are passed
    // on, so the device's answer may never reach the client: a proxy's doing, not the device's.
  }, { skip: PROXIED && 'behind a proxy: nginx does not carry a half-closed WebSocket' });
});

// ---- 9 limits -------------------------------------------------------------------------
describe('9 limits', { concurrency: CONCURRENCY }, () => {
  kase(`9.1 binary of the largest size (${MSG_MAX} B) -> echo`, async (c) => {
    const p = payloadOf(MSG_MAX, false);
    c.write(frame(BINARY, p));
    checkBinaryEcho(await c.message(), p);
    await endsNormally(c);
  });
  kase(`9.2 binary of ${MSG_MAX + 1} B -> close 1009`, async (c) => {
    c.write(frame(BINARY, payloadOf(MSG_MAX + 1, false)));
    await closesWith(c, 1009);
  });
  kase(`9.3 text of ${MSG_MAX} B in 1 KiB fragments -> echo`, async (c) => {
    const p = payloadOf(MSG_MAX, true);
    c.write(fragments(TEXT, p, 1024));
    checkTextEcho(await c.message(), p);
    await endsNormally(c);
  });
  kase(`9.4 text of ${MSG_MAX + 1} B in 1 KiB fragments -> close 1009`, async (c) => {
    c.write(fragments(TEXT, payloadOf(MSG_MAX + 1, true), 1024));
    await closesWith(c, 1009, { allowData: true });
  });
  kase('9.5 a huge announced length is refused at once (no payload sent) -> close 1009', async (c) => {
    c.write(frame(BINARY, Buffer.alloc(0), { len: 2 ** 40 }).subarray(0, 10));
    await closesWith(c, 1009);
  });
  kase('9.6 many messages of the largest size back to back -> all echoed', async (c) => {
    const p = payloadOf(MSG_MAX, false);
    c.write(Buffer.concat([frame(BINARY, p), frame(BINARY, p), frame(BINARY, p), frame(BINARY, p)]));
    for (let i = 0; i < 4; i++) checkBinaryEcho(await c.message(), p);
    await endsNormally(c);
  });
});

// ---- 10 handshake ---------------------------------------------------------------------
describe('10 handshake', { concurrency: CONCURRENCY }, () => {
  const hs = (name, headers, check) => {
    cases++;
    test(name, { timeout: 15000 }, async () => {
      const c = await Raw.open(headers);
      try { await check(c); } finally { c.destroy(); }
    });
  };
  hs('10.1 good handshake -> 101 with the right Sec-WebSocket-Accept', {}, async (c) => {
    assert.equal(c.status, 101);
    const want = crypto.createHash('sha1').update(c.key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    assert.match(c.head, new RegExp(`\\r\\nSec-WebSocket-Accept: ${want.replace(/[+/=]/g, (m) => '\\' + m)}\\r?`, 'i'));
    assert.match(c.head, /\r\nUpgrade: websocket/i);
    assert.match(c.head, /\r\nConnection: Upgrade/i);
  });
  hs('10.2 tokens in lists, any case -> 101', { Upgrade: 'WebSocket', Connection: 'keep-alive, UPGRADE' }, async (c) => {
    assert.equal(c.status, 101);
  });
  hs('10.3 Sec-WebSocket-Version 8 -> 426 with Sec-WebSocket-Version: 13', { 'Sec-WebSocket-Version': '8' }, async (c) => {
    assert.equal(c.status, 426);
    assert.match(c.head, /\r\nSec-WebSocket-Version: 13/i);
  });
  hs('10.4 a key of 15 bytes -> 400', { 'Sec-WebSocket-Key': crypto.randomBytes(15).toString('base64') }, async (c) => {
    assert.equal(c.status, 400);
  });
  hs('10.5 a key that is not base64 -> 400', { 'Sec-WebSocket-Key': 'not*base64*at*all*here==' }, async (c) => {
    assert.equal(c.status, 400);
  });
  hs('10.6 no Sec-WebSocket-Key -> 400', { 'Sec-WebSocket-Key': null }, async (c) => {
    assert.equal(c.status, 400);
  });
  hs('10.7 no Upgrade header -> 400 or 426', { Upgrade: null }, async (c) => {
    assert.ok(c.status === 400 || c.status === 426, `status ${c.status}`);
  });
  hs('10.8 frames sent right behind the request are not lost', {}, async (c) => {
    assert.equal(c.status, 101);
    await c.greeting();
    c.write(frame(TEXT, 'hi'));
    checkTextEcho(await c.message(), 'hi');
  });
});

test('case count', () => {
  console.log(`# ws_conformance: ${cases} cases against ${TARGET.origin}`);
  assert.ok(cases > 100);
});
