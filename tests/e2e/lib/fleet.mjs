// Clients of a fleet behind nginx (tests/run_fleet.sh): each leaves from a client address of
// its own (FLEET_NET.101 ...), so that nginx's hash sends it to one device; and follow(), the
// reference follower of a job that turns a lost device into generation_error device_lost.
//
// Why the client: a device that dies says nothing (no FIN, no RST), so neither it nor nginx
// can tell a follower in time; nginx keeps idle streams open for an hour. The follower
// watches its stream (an application ping over /ws every PING_MS, the events themselves
// over SSE) and after SILENT_MS without a byte asks nginx for the job by its id
// (GET /api/jobs/<id>, routed to the job's device): a device that does not answer a connect
// within nginx's proxy_connect_timeout (1 s) gets 502 {"error":{"code":"device_lost"}}, and
// the follower reports generation_error device_lost. A device that answers was only slow:
// the follower resubscribes after the last event it has, and nothing is lost.
import fs from 'node:fs';
import http from 'node:http';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { TARGET, WS_TARGET } from '../target.mjs';

export const NET = process.env.FLEET_NET || '192.168.77';
export const N = Number(process.env.FLEET_N || 3);
export const CLIENTS = Number(process.env.FLEET_CLIENTS || 6);
export const RUN = process.env.FLEET_RUN || '';
export const HUB = process.env.FLEET_HUB_IP || `${NET}.1`;
export const clientAddr = (k) => `${NET}.${100 + k}`; // k = 1 .. CLIENTS
export const deviceOf = (id) => parseInt(id.slice(0, 2), 16); // the fleet index in an id
export const PING_MS = 500;
export const SILENT_MS = 1500;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// One HTTP request from a client address: { status, headers, body (parsed JSON or Buffer) }.
export function request(from, method, path, body, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const u = new URL(TARGET + path);
    const req = http.request(
      {
        host: u.hostname, port: u.port || 80, path: u.pathname + u.search, method,
        localAddress: from, agent: false,
        headers: data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {},
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          let parsed = buf;
          if (/json/.test(res.headers['content-type'] || '')) {
            try { parsed = JSON.parse(buf.toString()); } catch { /* left as bytes */ }
          }
          resolve({ status: res.statusCode, headers: res.headers, body: parsed });
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

// POST /api/generate from an address, retrying while the device's queue is full (503).
export async function submitFrom(from, fields, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const r = await request(from, 'POST', '/api/generate', { prompt: 'a small red circle on a blue background', ...fields });
    if (r.status === 202) return r.body.session_id;
    if (r.status !== 503 || Date.now() > end) throw new Error(`POST /api/generate from ${from}: ${r.status} ${JSON.stringify(r.body)}`);
    await sleep(100);
  }
}

// Which device an address is sent to (the fleet index of a job it creates).
export async function stickyDevice(from) {
  const id = await submitFrom(from, { num_inference_steps: 1, preview: false });
  return deviceOf(id);
}

// nginx takes a device out of the hash for fail_timeout (10 s) after one failed connect or
// reset (sim/fleet_lib.sh), and a file before this one may have overloaded a device on
// purpose. Which device each address reaches, once every device is in the hash again or ms
// have passed (the caller asserts the coverage).
export async function wholeFleet(addrs, ms = 30000) {
  const end = Date.now() + ms;
  for (;;) {
    const seen = new Map();
    for (const a of addrs) seen.set(a, await stickyDevice(a));
    if (new Set(seen.values()).size === N || Date.now() > end) return seen;
    await sleep(1000);
  }
}

// nginx's last words on its upstreams (a device taken out, a failed connect), for a failure
// message: why a device was not reached.
export function nginxUpstreamLog(n = 12) {
  if (!RUN) return '(FLEET_RUN not set)';
  let text = '';
  try { text = fs.readFileSync(`${RUN}/nginx/error.log`, 'utf8'); } catch (e) { return `(no nginx log: ${e.message})`; }
  const lines = text.split('\n').filter((l) => /upstream|disabled|failed/.test(l));
  return lines.length ? lines.slice(-n).join('\n') : '(nginx logged nothing on its upstreams)';
}

// A WebSocket from an address; path defaults to /ws.
export function wsFrom(from, path = '/ws') {
  const ws = new WebSocket(WS_TARGET + path, { localAddress: from, perMessageDeflate: false, maxPayload: 1 << 20 });
  ws.on('error', () => {});
  return ws;
}

// Follow job sid from an address over 'ws' (/ws?sid=<id>: nginx routes it to the job's
// device) or 'sse' (/api/jobs/<id>/events). Resolves with { events, lost_ms } once the
// job's final event arrives: generation_complete, generation_error from the device, or the
// generation_error device_lost this follower makes when the device is gone. onEvent sees
// every event as it comes.
export function follow(from, sid, transport = 'ws', { onEvent = () => {}, timeoutMs = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const events = [];
    let last = 0; // highest event_id received
    let heard = Date.now();
    let finished = false;
    let probing = false;
    let conn = null; // the open stream: { close() }
    const timer = setInterval(tick, PING_MS / 2);
    const deadline = setTimeout(() => done(new Error(`${sid}: no final event in ${timeoutMs} ms`)), timeoutMs);

    function done(err) {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      clearTimeout(deadline);
      conn?.close();
      if (err) reject(err);
      else resolve({ events });
    }
    function take(m) {
      heard = Date.now();
      if (m.session_id !== sid || m.event_id === undefined && m.type !== 'generation_error') return;
      if (m.event_id !== undefined) {
        if (m.event_id <= last) return; // a replay overlapping what we have
        last = m.event_id;
      }
      m._t = Date.now();
      events.push(m);
      onEvent(m);
      if (m.type === 'generation_complete' || m.type === 'generation_error') done();
    }
    function lost(why) {
      take({ type: 'generation_error', session_id: sid, code: 'device_lost', error: why, _made_by: 'client' });
    }
    // Silence or a closed stream: is the device there?
    async function probe() {
      if (probing || finished) return;
      probing = true;
      try {
        const r = await request(from, 'GET', `/api/jobs/${sid}`, undefined, 5000);
        if (finished) return;
        if (r.status === 502 || r.status === 504) return lost(r.body?.error?.message || `HTTP ${r.status}`);
        if (r.status === 404) return lost('the job is not known to any device');
        heard = Date.now(); // alive: reopen after the last event we have
        conn?.close();
        conn = open();
      } catch (e) {
        if (!finished) lost(String(e.message || e));
      } finally {
        probing = false;
      }
    }
    function tick() {
      if (finished) return;
      if (transport === 'ws' && conn?.ws?.readyState === WebSocket.OPEN) conn.ws.send('{"type":"ping"}');
      if (Date.now() - heard > SILENT_MS || conn?.closed) probe();
    }
    function open() {
      return transport === 'ws' ? openWs() : openSse();
    }
    function openWs() {
      const ws = wsFrom(from, `/ws?sid=${sid}`);
      const c = { ws, closed: false, close: () => { c.closed = true; ws.terminate(); } };
      ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', session_id: sid, ...(last ? { last_event_id: last } : {}) })));
      ws.on('message', (d) => { try { take(JSON.parse(d.toString())); } catch { /* not ours */ } });
      ws.on('close', () => { c.closed = true; });
      return c;
    }
    function openSse() {
      const u = new URL(`${TARGET}/api/jobs/${sid}/events`);
      const c = { closed: false, close: () => { c.closed = true; req.destroy(); } };
      const req = http.get(
        { host: u.hostname, port: u.port || 80, path: u.pathname, localAddress: from, agent: false,
          headers: { Accept: 'text/event-stream', ...(last ? { 'Last-Event-ID': String(last) } : {}) } },
        (res) => {
          if (res.statusCode === 204) { c.closed = true; return; }
          let buf = '';
          res.on('data', (d) => {
            heard = Date.now();
            buf += d.toString();
            let i;
            while ((i = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
              if (data) { try { take(JSON.parse(data)); } catch { /* not ours */ } }
            }
          });
          res.on('end', () => { c.closed = true; });
          res.on('error', () => { c.closed = true; });
        },
      );
      req.on('error', () => { c.closed = true; });
      return c;
    }
    conn = open();
  });
}

// mosquitto_sub on the hub's broker: messages { topic, payload (parsed JSON or text), t }.
export function mqttSubscribe(topics) {
  const args = ['-h', HUB, '-v', '-q', '1'];
  for (const t of topics) args.push('-t', t);
  const p = spawn('mosquitto_sub', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages = [];
  let buf = '';
  const waiters = [];
  p.stdout.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const sp = line.indexOf(' ');
      const topic = sp < 0 ? line : line.slice(0, sp);
      const text = sp < 0 ? '' : line.slice(sp + 1);
      let payload = text;
      try { payload = JSON.parse(text); } catch { /* text */ }
      const m = { topic, payload, t: Date.now() };
      messages.push(m);
      for (const w of [...waiters]) if (w.pred(m)) { waiters.splice(waiters.indexOf(w), 1); clearTimeout(w.timer); w.resolve(m); }
    }
  });
  return {
    messages,
    // The first message (already received or to come) that pred accepts.
    wait(pred, ms = 10000) {
      const m = messages.find(pred);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve, timer: setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); reject(new Error(`no MQTT message in ${ms} ms`)); }, ms) };
        waiters.push(w);
      });
    },
    close() { p.kill(); },
  };
}
