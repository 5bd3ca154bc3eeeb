// Shared helpers for the jobs tests (tests/e2e/jobs_*.mjs): submitting a job, a /ws client
// with a message queue, reading an SSE stream on a raw socket, and the checks every test
// applies to a job's event sequence. Lives in lib/ so run_e2e.sh does not run it as a test.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { TARGET, WS_TARGET, HOST, PORT, SLOW } from '../target.mjs';

export { TARGET, WS_TARGET, HOST, PORT, SLOW };
export const PROMPT = 'a small red circle on a blue background';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// POST /api/generate; returns { status, headers, body }.
export async function generate(fields, init = {}) {
  const r = await fetch(TARGET + '/api/generate', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof fields === 'string' ? fields : JSON.stringify({ prompt: PROMPT, ...fields }),
    ...init,
  });
  const text = await r.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: r.status, headers: r.headers, body };
}

export async function submit(fields) {
  const r = await generate(fields);
  assert.equal(r.status, 202, JSON.stringify(r.body));
  return r.body.session_id;
}

// Waits until the job has finished (polls GET /api/jobs/<id>).
export async function waitDone(sid, ms = 20000 * SLOW) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await fetch(`${TARGET}/api/jobs/${sid}`);
    const b = await r.json();
    if (b.status !== 'queued' && b.status !== 'running') return b;
    if (Date.now() > end) throw new Error(`job ${sid} not done after ${ms} ms`);
    await sleep(20);
  }
}

// A /ws client whose messages queue up; next() takes them in order with a time limit.
export async function openWs(path = '/ws', opts = {}) {
  const ws = new WebSocket(WS_TARGET + path, { perMessageDeflate: false, maxPayload: 1 << 20, ...opts });
  const queue = [];
  let waiter = null;
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    m._t = performance.now();
    if (waiter) { const w = waiter; waiter = null; w(m); } else queue.push(m);
  });
  ws.on('error', () => {});
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  ws.next = (ms = 10000 * SLOW) => {
    if (queue.length) return Promise.resolve(queue.shift());
    return new Promise((res, rej) => {
      const t = setTimeout(() => { waiter = null; rej(new Error(`no message in ${ms} ms`)); }, ms);
      waiter = (m) => { clearTimeout(t); res(m); };
    });
  };
  ws.pending = () => queue.length;
  ws.json = (o) => ws.send(JSON.stringify(o));
  return ws;
}

export const isFinal = (m) => m.type === 'generation_complete' || m.type === 'generation_error';

// Reads messages of one session until its final event; other messages are returned apart.
export async function collect(ws, sid, ms = 20000 * SLOW) {
  const events = [], other = [];
  const end = Date.now() + ms;
  for (;;) {
    const m = await ws.next(Math.max(1, end - Date.now()));
    if (m.session_id === sid && m.event_id !== undefined) {
      events.push(m);
      if (isFinal(m)) return { events, other };
    } else other.push(m);
  }
}

export function closeWs(ws) {
  return new Promise((res) => {
    if (ws.readyState === WebSocket.CLOSED) return res();
    const t = setTimeout(() => { ws.terminate(); res(); }, 2000);
    ws.once('close', () => { clearTimeout(t); res(); });
    ws.close(1000);
  });
}

// Event ids from..to, consecutive.
export function assertIds(events, from) {
  events.forEach((e, i) => assert.equal(e.event_id, from + i, `event ${i}: id ${e.event_id}, want ${from + i}`));
}

// The whole life of a job that ran to the end: queued, started, progress 1..N, complete.
export function assertFullSequence(events, steps, { images = 1 } = {}) {
  const total = steps * images;
  assert.equal(events.length, total + 3, `events: ${events.map((e) => e.type).join(',')}`);
  assertIds(events, 1);
  assert.equal(events[0].type, 'generation_queued');
  assert.equal(events[1].type, 'generation_started');
  assert.equal(events[1].total_steps, total);
  for (let k = 1; k <= total; k++) {
    const e = events[k + 1];
    assert.equal(e.type, 'generation_progress');
    assert.equal(e.step, k);
    assert.equal(e.total_steps, total);
  }
  const last = events[events.length - 1];
  assert.equal(last.type, 'generation_complete', JSON.stringify(last).slice(0, 300));
  assert.equal(last.image_paths.length, images);
}

// The parts of an event that every subscriber must see identically (no previews: whether a
// replayed event carries one depends on when the subscriber caught up).
export function canon(e) {
  const { _t, _sse_id, preview, ...rest } = e;
  return JSON.stringify(rest);
}

// Server-Sent Events over a raw socket: the status line and headers, then events as they
// arrive. pause()/resume() stop and restart reading (the TCP window closes).
export function openSse(path, headers = {}) {
  const sock = net.connect(PORT, HOST);
  const st = { status: 0, headers: {}, events: [], comments: 0, ended: false, buf: '', sock };
  let waiter = null;
  const wake = () => { if (waiter) { const w = waiter; waiter = null; w(); } };
  let head = true;
  sock.setEncoding('utf8');
  sock.on('connect', () => {
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    sock.write(`GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\nAccept: text/event-stream\r\n${extra}\r\n`);
  });
  sock.on('data', (d) => {
    st.buf += d;
    if (head) {
      const k = st.buf.indexOf('\r\n\r\n');
      if (k < 0) return;
      const lines = st.buf.slice(0, k).split('\r\n');
      st.status = Number(lines[0].split(' ')[1]);
      for (const l of lines.slice(1)) {
        const c = l.indexOf(':');
        st.headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
      }
      st.buf = st.buf.slice(k + 4);
      head = false;
    }
    let k;
    while ((k = st.buf.indexOf('\n\n')) >= 0) {
      const block = st.buf.slice(0, k);
      st.buf = st.buf.slice(k + 2);
      let id, data = [];
      for (const l of block.split('\n')) {
        if (l.startsWith(':')) st.comments++;
        else if (l.startsWith('id: ')) id = Number(l.slice(4));
        else if (l.startsWith('data: ')) data.push(l.slice(6));
      }
      if (data.length) {
        const m = JSON.parse(data.join('\n'));
        m._sse_id = id;
        m._t = performance.now();
        st.events.push(m);
      }
    }
    wake();
  });
  const end = () => { st.ended = true; wake(); };
  sock.on('end', end);
  sock.on('close', end);
  sock.on('error', end);
  // Resolves when the stream has ended (the server closed it) or ms passed (rejects).
  st.done = (ms = 20000 * SLOW) => new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`SSE stream not ended after ${ms} ms`)), ms);
    const check = () => {
      if (st.ended) { clearTimeout(t); res(st); } else waiter = check;
    };
    check();
  });
  st.close = () => sock.destroy();
  return st;
}

// PNG checks: signature, IHDR first with 32x32, IEND last.
export function assertPng(buf, w = 32, h = 32) {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(buf.subarray(0, 8).equals(sig), 'PNG signature');
  assert.equal(buf.readUInt32BE(8), 13);
  assert.equal(buf.toString('latin1', 12, 16), 'IHDR');
  assert.equal(buf.readUInt32BE(16), w);
  assert.equal(buf.readUInt32BE(20), h);
  assert.equal(buf.toString('latin1', buf.length - 8, buf.length - 4), 'IEND');
}

// GET /api/health on a connection of its own that closes after the answer (fetch would keep
// it open, and the tests that fill the connection table count them).
export function health() {
  return new Promise((resolve, reject) => {
    const req = http.get(TARGET + '/api/health', { agent: false }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (b += d));
      res.on('end', () => { try { resolve(JSON.parse(b)); } catch (e) { reject(e); } });
    });
    req.on('error', reject);
    req.setTimeout(5000 * SLOW, () => req.destroy(new Error('health: timeout')));
  });
}

// Waits until the device has at most n connections besides the one asking.
export async function waitConnections(n = 0, ms = 8000 * SLOW) {
  const end = Date.now() + ms;
  for (;;) {
    const h = await health();
    const c = h.connections;
    if (c.active - 1 <= n) return h;
    if (Date.now() > end) throw new Error(`connections still busy: ${JSON.stringify(c)}`);
    await sleep(100);
  }
}

// Waits until no job is queued or running.
export async function waitIdle(ms = 30000 * SLOW) {
  const end = Date.now() + ms;
  for (;;) {
    const h = await health();
    if (h.jobs.queued + h.jobs.running === 0) return h;
    if (Date.now() > end) throw new Error(`jobs still busy: ${JSON.stringify(h.jobs)}`);
    await sleep(20);
  }
}

// A preview or image data URL decodes to a 32x32 PNG.
// Previews are best effort by design: a step whose send window cannot take the whole event
// goes without one (never a torn or stale one), so a loaded machine may miss a few, never
// most. Asserts that at least `share` of these progress events carry one (80 % unless the
// test says otherwise); returns those.
export function previewsShown(progress, share = 0.8) {
  const shown = progress.filter((m) => m.preview);
  assert.ok(shown.length >= progress.length * share, `${shown.length} of ${progress.length} steps had a preview`);
  return shown;
}

export function assertDataUrlPng(s) {
  assert.match(s, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  assertPng(Buffer.from(s.slice(s.indexOf(',') + 1), 'base64'));
}

// Sets the kernel's TCP receive buffer to its smallest, so that a reader that stops reading
// closes the device's window within a few KB instead of after the ~128 KB the kernel would
// otherwise absorb. The setting is per network namespace (the test's own); it must stay
// while the reader is paused (autotuning reads it as data arrives), so the caller restores
// it with the function returned (also from t.after). Returns null where it is not
// permitted (not root, another OS): the tests still run, without the guarantee.
export function smallRcvbuf() {
  const f = '/proc/sys/net/ipv4/tcp_rmem';
  let old;
  try {
    old = readFileSync(f, 'utf8');
    writeFileSync(f, '4096 4096 4096');
  } catch {
    return null;
  }
  let done = false;
  return () => {
    if (!done) writeFileSync(f, old);
    done = true;
  };
}
