// Event delivery latency client for bench/events_bench.sh. One run: N subscribers over ws or
// sse follow JOBS jobs of STEPS steps each, created behind a blocker so that every
// subscriber is following before the first measured step. Prints one JSON line.
// Latency of an event at a subscriber = arrival (CLOCK_MONOTONIC, process.hrtime) - t_us
// (the producer's clock when it made the event). The peer's t_us is the same clock; the
// device's counts from its own start, so its offset is estimated: offset = min over all
// samples of (arrival - t_us) - RTTmin/2, RTTmin the smallest /ws ping round trip. That
// bounds the device's absolute figures to +-RTTmin/2; spreads (p99 - p50, fan-out skew)
// do not depend on the offset.
// Usage: node events_bench.mjs http://host:port ws|sse N STEPS JOBS device|peer
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';

// ws comes from the e2e tier's node_modules.
const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const WebSocket = require('ws');

const [target, transport, nStr, stepsStr, jobsStr, kind] = process.argv.slice(2);
const N = Number(nStr), STEPS = Number(stepsStr), JOBS = Number(jobsStr);
const u = new URL(target);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function post(path, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(target + path, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': data.length } }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(JSON.parse(b)));
    });
    req.on('error', reject);
    req.end(data);
  });
}
function get(path) {
  return new Promise((resolve, reject) => {
    http.get(target + path, { agent: false }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(JSON.parse(b)));
    }).on('error', reject);
  });
}

async function openWs() {
  const ws = new WebSocket(target.replace(/^http/, 'ws') + '/ws', { perMessageDeflate: false });
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  return ws;
}

async function rttMin(ws, n = 50) {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = nowUs();
    ws.send('{"type":"ping"}');
    await new Promise((r) => ws.once('message', r));
    best = Math.min(best, nowUs() - t0);
  }
  return best;
}

// Follows one job on every subscriber; resolves with per-subscriber [event_id, t_us, arrival].
function followWs(conns, sid) {
  return Promise.all(conns.map((ws) => new Promise((resolve) => {
    const got = [];
    const on = (d) => {
      const at = nowUs();
      const m = JSON.parse(d.toString());
      if (m.session_id !== sid) return;
      got.push([m.event_id, m.t_us, at, m.type]);
      if (m.type === 'generation_complete' || m.type === 'generation_error') { ws.off('message', on); resolve(got); }
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ type: 'subscribe', session_id: sid, timing: true }));
  })));
}

function followSse(sid) {
  return Promise.all(Array.from({ length: N }, () => new Promise((resolve, reject) => {
    const got = [];
    const sock = net.connect(Number(u.port || 80), u.hostname);
    let buf = '';
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(`GET /api/jobs/${sid}/events?timing=1 HTTP/1.1\r\nHost: x\r\n\r\n`));
    sock.on('data', (d) => {
      const at = nowUs();
      buf += d.toString('latin1');
      let k;
      while ((k = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, k);
        buf = buf.slice(k + 2);
        const line = block.split('\n').find((l) => l.startsWith('data: '));
        if (!line) continue;
        const m = JSON.parse(line.slice(6));
        got.push([m.event_id, m.t_us, at, m.type]);
        if (m.type === 'generation_complete') { sock.destroy(); resolve(got); }
      }
    });
    sock.on('error', reject);
  })));
}

const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };

const probe = await openWs();
const rtt = await rttMin(probe);
probe.close();
await sleep(200);
const raw = []; // arrival - t_us of progress events, per (job, event, subscriber)
const skews = [];
let late = 0;
let rss_kb = null;
for (let j = 0; j < JOBS; j++) {
  let sid;
  if (kind === 'device') {
    // The blocker holds the generator while the subscribers join; its events go nowhere.
    // The POSTs come first and close, so that 32 subscribers fit MAX_CONNS.
    await post('/api/generate', { prompt: 'a red circle', num_inference_steps: 100, num_images: 2, preview: false });
    sid = (await post('/api/generate', { prompt: 'a blue square', num_inference_steps: STEPS, preview: false })).session_id;
    await sleep(30);
  } else {
    sid = (await post('/api/generate', { num_inference_steps: STEPS, start_after_ms: 600 })).session_id;
  }
  const conns = transport === 'ws' ? await Promise.all(Array.from({ length: N }, openWs)) : [];
  const per = transport === 'ws' ? await followWs(conns, sid) : await followSse(sid);
  if (kind === 'peer' && transport === 'ws' && j === JOBS - 1) {
    // The peer's resident memory with these subscribers still connected (the script
    // compares 1 and 32 of them).
    const pid = (await get('/api/health')).pid;
    const { readFileSync } = await import('node:fs');
    rss_kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  }
  for (const ws of conns) ws.close();
  const byEvent = new Map();
  for (const got of per) {
    const started = got.find((g) => g[3] === 'generation_started');
    if (!started) { late++; continue; } // joined after the start: replayed, not live
    for (const [id, t, at, type] of got) {
      if (type !== 'generation_progress') continue;
      raw.push(at - t);
      if (!byEvent.has(id)) byEvent.set(id, []);
      byEvent.get(id).push(at);
    }
  }
  for (const ats of byEvent.values()) skews.push(Math.max(...ats) - Math.min(...ats));
  await sleep(kind === 'device' ? 300 : 50); // the device frees the closed connections
}
const minRaw = Math.min(...raw);
const offset = kind === 'device' ? minRaw - rtt / 2 : 0; // the peer shares the clock
const lat = raw.map((r) => r - offset);
console.log(JSON.stringify({
  kind, transport, n: N, samples: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat),
  skew_p50: pct(skews, 50), skew_p99: pct(skews, 99), rtt_min: rtt, err_us: kind === 'device' ? rtt / 2 : 0,
  min_lat_peer_check: kind === 'peer' ? minRaw : undefined, late, rss_kb,
}));
process.exit(0);
