// Peer for bench/sio_bench.sh: node's socket.io 4.8 server (the reference implementation,
// from tests/e2e/node_modules) emitting the device's events on the device's schedule.
// POST /api/generate {"num_inference_steps":N,"start_after_ms":W} -> {"session_id"}: a job
// that starts after W ms and emits job:event generation_started, N generation_progress 4 ms
// apart, then generation_complete, to every socket that sent job:subscribe {session_id}
// (joined to a room per job, as socket.io applications do). Each event carries t_us =
// CLOCK_MONOTONIC in us at production (process.hrtime), the clock the bench client reads.
// job:cancel answers {ok:false,error} through its ack (the polling round-trip probe).
// Usage: node sio_peer_node.mjs PORT
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const { Server } = require('socket.io');

const STEP_MS = 4;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const jobs = new Map();
let nextId = 1;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/api/health') {
    if (global.gc) global.gc(); // RSS after a collection: what the clients really hold
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const m = process.memoryUsage();
    res.end(JSON.stringify({ status: 'ok', rss_kb: Math.round(m.rss / 1024), heap_kb: Math.round((m.heapUsed + m.external) / 1024) }));
    return;
  }
  if (req.method === 'POST' && req.url === '/api/generate') {
    let b = '';
    req.on('data', (d) => (b += d));
    req.on('end', () => {
      const body = JSON.parse(b || '{}');
      const sid = (nextId++).toString(16).padStart(32, '0');
      jobs.set(sid, { events: 0 });
      run(sid, body.num_inference_steps || 20, body.start_after_ms || 0);
      res.writeHead(202, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ session_id: sid, status: 'queued' }));
    });
    return;
  }
  if (!req.url.startsWith('/socket.io/')) { res.writeHead(404); res.end(); }
});
const io = new Server(server, { cors: { origin: true, credentials: true } });

function emit(sid, ev) {
  const job = jobs.get(sid);
  ev.session_id = sid;
  ev.event_id = ++job.events;
  ev.t_us = nowUs();
  io.to(sid).emit('job:event', ev);
}

async function run(sid, steps, waitMs) {
  await new Promise((r) => setTimeout(r, waitMs));
  emit(sid, { type: 'generation_started', total_steps: steps });
  let t = performance.now();
  for (let k = 1; k <= steps; k++) {
    t += STEP_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));
    emit(sid, { type: 'generation_progress', step: k, total_steps: steps, message: `Generating... ${Math.floor((k * 100) / steps)}%` });
  }
  emit(sid, { type: 'generation_complete', image_paths: [] });
}

io.on('connection', (socket) => {
  socket.emit('connected', { user_id: socket.id });
  socket.on('job:subscribe', (d, ack) => {
    socket.join(d.session_id);
    if (typeof ack === 'function') ack({ ok: true, session_id: d.session_id });
  });
  socket.on('job:cancel', (d, ack) => { if (typeof ack === 'function') ack({ ok: false, error: 'no such session' }); });
});
server.listen(Number(process.argv[2]), '127.0.0.1');
