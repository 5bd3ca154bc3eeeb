// Client for bench/sio_bench.sh. Prints one JSON line.
//   latency: N socket.io-client 4.8 sockets (websocket transport) follow JOBS jobs of STEPS
//            steps with job:subscribe {timing:true}; latency of an event at a socket =
//            arrival (CLOCK_MONOTONIC, process.hrtime) - t_us (the producer's clock when it
//            made the event), and skew = last minus first socket to get the same event.
//            The peers' t_us is that clock; the device's counts from its own start, so its
//            offset is estimated as in bench/events_bench.mjs: min over all samples of
//            (arrival - t_us) - RTTmin/2, RTTmin the smallest /ws ping round trip.
//   poll:    one socket on polling only: sequential acked emits for 3 s (each a POST and
//            the parked GET's answer): round trips per second.
//   rss:     the peer's resident memory with 1 and with 33 connected sockets.
// Usage: node sio_bench.mjs http://host:port latency|poll|rss N STEPS JOBS device|node|python
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const { io } = require('socket.io-client');
const WebSocket = require('ws');

const [target, mode, nStr, stepsStr, jobsStr, kind] = process.argv.slice(2);
const N = Number(nStr), STEPS = Number(stepsStr), JOBS = Number(jobsStr);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

function request(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : '';
    const req = http.request(target + path, { method, agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => { try { resolve(JSON.parse(b)); } catch { resolve({}); } });
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function sockets(n, transports) {
  const socks = [];
  for (let i = 0; i < n; i++) {
    const s = io(target, { transports, reconnection: false, forceNew: true });
    await new Promise((resolve, reject) => { s.once('connected', resolve); s.once('connect_error', reject); });
    socks.push(s);
  }
  return socks;
}

async function rttMin() {
  const ws = new WebSocket(target.replace(/^http/, 'ws') + '/ws', { perMessageDeflate: false });
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  let best = Infinity;
  for (let i = 0; i < 50; i++) {
    const t0 = nowUs();
    ws.send('{"type":"ping"}');
    await new Promise((r) => ws.once('message', r));
    best = Math.min(best, nowUs() - t0);
  }
  ws.close();
  await sleep(100);
  return best;
}

async function latency() {
  const rtt = kind === 'device' ? await rttMin() : 0;
  const raw = [], skews = [];
  for (let j = 0; j < JOBS; j++) {
    let blocker = null;
    if (kind === 'device') // holds the generator while the sockets subscribe
      blocker = (await request('POST', '/api/generate', { prompt: 'a red circle', num_inference_steps: 100, preview: false })).session_id;
    const sid = (await request('POST', '/api/generate', { prompt: 'a blue square', num_inference_steps: STEPS, preview: false, start_after_ms: 500 + 20 * N })).session_id;
    const socks = await sockets(N, ['websocket']);
    const got = socks.map(() => new Map());
    const done = Promise.all(socks.map((s, i) => new Promise((resolve) => {
      s.on('job:event', (e) => {
        const at = nowUs();
        if (e.session_id !== sid) return;
        if (e.type === 'generation_progress') got[i].set(e.event_id, (at - e.t_us + 2 ** 32) % 2 ** 32);
        if (e.type === 'generation_complete' || e.type === 'generation_error') resolve();
      });
    })));
    await Promise.all(socks.map((s) => s.timeout(10000).emitWithAck('job:subscribe', { session_id: sid, timing: true })));
    if (blocker) await socks[0].timeout(10000).emitWithAck('job:cancel', { session_id: blocker });
    await done;
    for (const id of got[0].keys()) {
      const ds = got.map((m) => m.get(id)).filter((d) => d !== undefined);
      raw.push(...ds);
      skews.push(Math.max(...ds) - Math.min(...ds));
    }
    socks.forEach((s) => s.disconnect());
    // The device keeps a closed connection's slot until the peer's FIN (CONN_LINGER_MS):
    // give them back before the next job needs MAX_CONNS of them.
    await sleep(kind === 'device' ? 2500 : 300);
  }
  const offset = kind === 'device' ? Math.min(...raw) - rtt / 2 : 0;
  const lat = raw.map((d) => d - offset);
  return { mode, kind, n: N, samples: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), skew50: pct(skews, 50), skew99: pct(skews, 99), rtt };
}

async function poll() {
  const [s] = await sockets(1, ['polling']);
  const t0 = Date.now();
  let n = 0;
  while (Date.now() - t0 < 3000) {
    await s.timeout(5000).emitWithAck('job:cancel', { session_id: 'x' });
    n++;
  }
  const rate = n / ((Date.now() - t0) / 1000);
  s.disconnect();
  return { mode, kind, round_trips_per_s: Math.round(rate) };
}

async function rss() {
  // Warm the peer up with 33 clients first, so that the baseline holds the heap growth of
  // its first connections too; then 1 client, then 33 again, RSS after a collection.
  const warm = await sockets(33, ['websocket']);
  warm.slice(1).forEach((s) => s.disconnect());
  await sleep(1500);
  const h1 = await request('GET', '/api/health');
  const more = await sockets(32, ['websocket']);
  await sleep(1500);
  const h33 = await request('GET', '/api/health');
  [warm[0], ...more].forEach((s) => s.disconnect());
  const r = { mode, kind, rss1_kb: h1.rss_kb, rss33_kb: h33.rss_kb, per_client_bytes: Math.round(((h33.rss_kb - h1.rss_kb) * 1024) / 32) };
  // V8 may give back more to the system than 32 clients take, so node also reports its heap.
  if (h1.heap_kb !== undefined) Object.assign(r, { heap1_kb: h1.heap_kb, heap33_kb: h33.heap_kb, heap_per_client_bytes: Math.round(((h33.heap_kb - h1.heap_kb) * 1024) / 32) });
  return r;
}

const r = mode === 'latency' ? await latency() : mode === 'poll' ? await poll() : await rss();
console.log(JSON.stringify(r));
process.exit(0);
