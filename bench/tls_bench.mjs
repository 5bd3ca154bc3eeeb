// Handshake and throughput figures for one TLS server: median full and resumed (ticket)
// handshake per version, then WebSocket echo throughput over ws:// and wss:// when the server
// has /ws/test. Prints one line per figure; nothing is asserted.
// Usage: node tls_bench.mjs NAME HOST TLS_PORT [PLAIN_PORT] (EDGE_CA: the CA file)
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const WebSocket = require('ws');

const [name, host, tport, pport] = process.argv.slice(2);
const CA = readFileSync(process.env.EDGE_CA);
const N = Number(process.env.N || 20);

function connect(opts) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const s = tls.connect({ host, port: Number(tport), ca: CA, servername: 'edgeartist', ...opts }, () =>
      resolve({ s, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    s.once('error', reject);
  });
}
function get(s) {
  s.write('GET /api/health HTTP/1.1\r\nHost: edgeartist\r\nConnection: close\r\n\r\n');
  return new Promise((r) => { s.on('data', () => {}); s.on('end', r); s.on('close', r); });
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const v of ['TLSv1.3', 'TLSv1.2']) {
  const full = [], resumed = [];
  let reusedOk = 0;
  for (let i = 0; i < N; i++) {
    const a = await connect({ minVersion: v, maxVersion: v });
    let session = v === 'TLSv1.2' ? a.s.getSession() : undefined;
    a.s.on('session', (x) => (session = x));
    await get(a.s);
    full.push(a.ms);
    const b = await connect({ minVersion: v, maxVersion: v, session });
    if (b.s.isSessionReused()) reusedOk++;
    resumed.push(b.ms);
    await get(b.s);
  }
  console.log(`${name} ${v} handshake: full ${med(full).toFixed(2)} ms, resumed ${med(resumed).toFixed(2)} ms (median of ${N}; ${reusedOk}/${N} resumed)`);
}

async function wsRate(url, size, count) {
  const ws = new WebSocket(url, { ca: CA, perMessageDeflate: false, maxPayload: 1 << 24, servername: 'edgeartist' });
  // The greeting may come in the same segment as the handshake: listen before 'open'.
  await new Promise((r, j) => { ws.once('message', r); ws.once('error', j); }); // "connected"
  const msg = Buffer.alloc(size, 0x5a);
  const t0 = process.hrtime.bigint();
  let got = 0;
  const done = new Promise((r) => ws.on('message', () => { if (++got === count) r(); }));
  // A window of 4 messages in flight, so that the measure is the echo path, not one RTT each.
  let sent = 0;
  const pump = () => { while (sent < count && sent - got < 4) { ws.send(msg); sent++; } };
  ws.on('message', pump);
  pump();
  await done;
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  ws.close();
  return (2 * size * count) / s / 1e6;
}
if (pport) {
  for (const size of [1024, 16384]) {
    const plain = await wsRate(`ws://${host}:${pport}/ws/test`, size, 300);
    const secure = await wsRate(`wss://${host}:${tport}/ws/test`, size, 300);
    console.log(`${name} ws echo ${size} B messages: ws ${plain.toFixed(2)} MB/s, wss ${secure.toFixed(2)} MB/s (both directions)`);
  }
}
