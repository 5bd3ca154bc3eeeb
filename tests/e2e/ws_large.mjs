// A 64 KiB WebSocket message is echoed whole while another connection's small echoes keep
// flowing: the receive window one connection is granted (app/net/conn_in.c) never stalls
// the others, and memory stays bounded (no connection is cut for want of input memory).
// Run: EDGE_TARGET=http://127.0.0.1:8080 node --test ws_large.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

const TARGET = new URL(process.env.EDGE_TARGET || 'http://127.0.0.1:8080');
const URL_WS = `ws://${TARGET.host}/ws/test`;

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(URL_WS, { perMessageDeflate: false, maxPayload: 1 << 24 });
    ws.once('error', reject);
    // The greeting (text) comes first; binary messages after it are echoes.
    ws.once('message', () => resolve(ws));
  });
}

function echo(ws, buf) {
  return new Promise((resolve) => {
    ws.once('message', (data, isBinary) => resolve({ data: Buffer.from(data), isBinary }));
    ws.send(buf, { binary: true });
  });
}

async function health() {
  const r = await fetch(new URL('/api/health', TARGET));
  return r.json();
}

test('a 64 KiB message comes back whole while small echoes on another connection go on', async () => {
  const before = (await health()).connections;
  const big = await open();
  const small = await open();
  const rounds = 5;
  let answered = 0, slow = 0;
  try {
  for (let r = 0; r < rounds; r++) {
    const msg = Buffer.alloc(65536);
    for (let i = 0; i < msg.length; i++) msg[i] = (i * 7 + r) & 0xff;
    let done = false, during = 0;
    const pinger = (async () => {
      while (!done) {
        const t = Buffer.from(`ping ${during}`);
        const e = await echo(small, t);
        assert.ok(e.isBinary);
        assert.deepEqual(e.data, t);
        if (!done) during++;
      }
    })();
    const t0 = Date.now();
    const e = await echo(big, msg);
    done = true;
    await pinger;
    assert.ok(e.isBinary);
    assert.equal(e.data.length, msg.length);
    assert.ok(e.data.equals(msg), 'the 64 KiB echo is byte for byte the message');
    answered += during;
    if (Date.now() - t0 > 5) slow++;
  }
  } finally {
    big.close();
    small.close();
  }
  // The small connection was answered while big messages were in flight (whenever they took
  // long enough for a round trip to fit).
  if (slow > 0) assert.ok(answered >= 1, `no small echo during ${slow} big ones`);
  const after = (await health()).connections;
  assert.equal(after.input_aborts, before.input_aborts, 'no connection cut for input memory');
});
