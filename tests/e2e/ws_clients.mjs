// Real client against /ws/test: node `ws`. Text and binary echoes from 0 B to 64 KiB, 100
// messages in flight, ping/pong, and proof that no server frame is masked (ws itself refuses
// a masked server frame, and every frame header is also checked on the raw socket).
// Run: EDGE_TARGET=http://127.0.0.1:8080 node --test ws_clients.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

const TARGET = new URL(process.env.EDGE_TARGET || 'http://127.0.0.1:8080');
const URL_WS = `ws://${TARGET.host}/ws/test`;
const SMALL = Number(process.env.EDGE_WS_RX_BUF || 512);
const SIZES = [0, 1, 16, 125, 126, 127, 512, 513, 1024, 4096, 16384, 65535, 65536];

// Watches the raw bytes under a ws client and counts frames and masked frames.
function tapFrames(ws) {
  const st = { frames: 0, masked: 0, buf: Buffer.alloc(0), need: 0 };
  ws._socket.on('data', (d) => {
    st.buf = Buffer.concat([st.buf, d]);
    for (;;) {
      const b = st.buf;
      if (b.length < 2) return;
      let n = b[1] & 0x7f, k = 2;
      if (n === 126) { if (b.length < 4) return; n = b.readUInt16BE(2); k = 4; }
      else if (n === 127) { if (b.length < 10) return; n = Number(b.readBigUInt64BE(2)); k = 10; }
      const masked = (b[1] & 0x80) !== 0;
      if (masked) k += 4;
      if (b.length < k + n) return;
      st.frames++;
      if (masked) st.masked++;
      st.buf = b.subarray(k + n);
    }
  });
  return st;
}

async function open() {
  const ws = new WebSocket(URL_WS, { perMessageDeflate: false, maxPayload: 1 << 24 });
  const queue = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    const m = { data: Buffer.from(data), isBinary };
    if (waiters.length) waiters.shift()(m); else queue.push(m);
  });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const tap = tapFrames(ws);
  ws.next = () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r)));
  ws.tap = tap;
  const hello = await ws.next();
  assert.deepEqual(JSON.parse(hello.data.toString()), { type: 'connected', message: 'WebSocket test endpoint ready' });
  return ws;
}

async function close(ws) {
  const code = await new Promise((res) => { ws.once('close', (c) => res(c)); ws.close(1000, 'done'); });
  assert.equal(code, 1000);
  assert.ok(ws.tap.frames > 0);
  assert.equal(ws.tap.masked, 0, 'a server frame was masked');
}

function text(n) { let s = ''; while (s.length < n) s += 'The quick brown fox jumps over the lazy dog. '; return s.slice(0, n); }
function bytes(n) { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = (i * 13 + 7) & 255; return b; }

function checkText(m, sent) {
  assert.equal(m.isBinary, false);
  const j = JSON.parse(m.data.toString());
  assert.equal(j.type, 'echo');
  if (typeof j.data === 'string') assert.equal(j.data, sent);
  else { assert.ok(Buffer.byteLength(sent) <= SMALL); assert.deepEqual(j.data, JSON.parse(sent)); }
}

test('text echoes 0 B .. 64 KiB', async () => {
  const ws = await open();
  for (const n of SIZES) { const s = text(n); ws.send(s); checkText(await ws.next(), s); }
  await close(ws);
});

test('binary echoes 0 B .. 64 KiB', async () => {
  const ws = await open();
  for (const n of SIZES) {
    const b = bytes(n);
    ws.send(b, { binary: true });
    const m = await ws.next();
    assert.equal(m.isBinary, true);
    assert.ok(m.data.equals(b), `binary ${n}`);
  }
  await close(ws);
});

test('JSON text comes back as JSON', async () => {
  const ws = await open();
  const doc = { prompt: 'a red circle', steps: 20, nested: [1, { x: null }] };
  ws.send(JSON.stringify(doc));
  assert.deepEqual(JSON.parse((await ws.next()).data.toString()).data, doc);
  await close(ws);
});

test('100 messages in flight, answered in order', async () => {
  const ws = await open();
  const sent = [];
  for (let i = 0; i < 100; i++) {
    if (i % 2) { const b = bytes(i * 97); sent.push(b); ws.send(b, { binary: true }); }
    else { const s = `message ${i} ` + text(i * 50); sent.push(s); ws.send(s); }
  }
  for (let i = 0; i < 100; i++) {
    const m = await ws.next();
    if (i % 2) assert.ok(m.isBinary && m.data.equals(sent[i]), `message ${i}`);
    else checkText(m, sent[i]);
  }
  await close(ws);
});

test('ping/pong with payloads 0..125 bytes', async () => {
  const ws = await open();
  for (const n of [0, 1, 50, 125]) {
    const p = bytes(n);
    const got = new Promise((res) => ws.once('pong', res));
    ws.ping(p);
    assert.ok((await got).equals(p), `pong ${n}`);
  }
  await close(ws);
});

test('several clients at once', async () => {
  const clients = await Promise.all(Array.from({ length: 16 }, () => open()));
  await Promise.all(clients.map(async (ws, i) => {
    for (let k = 0; k < 20; k++) { const s = `c${i}-${k}`; ws.send(s); checkText(await ws.next(), s); }
  }));
  await Promise.all(clients.map(close));
});
