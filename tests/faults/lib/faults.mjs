// Shared by the fault scenarios (tests/faults/*.mjs, run by tests/run_faults.sh inside the
// fault lab's namespace): the emulated link, the probe of new clients, the pools' baseline,
// and one JSON line per scenario for the README's table of faults.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { TARGET, HOST, PORT, SLOW, health as healthOnce, sleep } from '../../e2e/lib/jobs.mjs';

export * from '../../e2e/lib/jobs.mjs'; // health is replaced below
const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// GET /api/health with a time limit of its own: under a fault the request may never be
// answered, and nothing else would keep the test's event loop alive.
export function health(ms = 5000 * SLOW) {
  let timer;
  const limit = new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`health: no answer in ${ms} ms`)), ms); });
  return Promise.race([healthOnce(), limit]).finally(() => clearTimeout(timer));
}

// GET path as JSON, with the same time limit.
export async function getJSONSafe(p, ms = 5000 * SLOW) {
  const r = await fetch(TARGET + p, { signal: AbortSignal.timeout(ms) });
  return r.json();
}

// The link of the lab: link('set', 'loss', '10'), link('cut'), link('restore'), link('clear').
export function link(...args) {
  if (!process.env.SIM_NS) throw new Error('SIM_NS is not set: run the scenarios with tests/run_faults.sh');
  execFileSync('bash', [path.join(top, 'sim/linkctl.sh'), ...args], { stdio: 'inherit' });
}

// One request as a new user makes it: a fresh TCP connection, GET /api/health, the whole
// answer. Resolves { ok, ms } (ok: a 200 within limitMs).
export function tryOnce(limitMs = 1000) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ok, ms: performance.now() - t0 });
    };
    const req = http.get({ host: HOST, port: PORT, path: '/api/health', agent: false }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode === 200 && performance.now() - t0 <= limitMs));
      res.on('error', () => finish(false));
    });
    req.on('error', () => finish(false));
    const timer = setTimeout(() => finish(false), limitMs);
  });
}

// `tries` new clients one after another, `gapMs` apart: how many were answered in time, and
// their latencies (a miss counts as limitMs).
export async function probe(tries = 20, { limitMs = 1000, gapMs = 100 } = {}) {
  const ms = [];
  let ok = 0;
  for (let i = 0; i < tries; i++) {
    const r = await tryOnce(limitMs);
    if (r.ok) ok++;
    ms.push(r.ok ? r.ms : limitMs);
    await sleep(gapMs);
  }
  ms.sort((a, b) => a - b);
  return { ok, tries, p50: ms[Math.floor(ms.length / 2)], max: ms.at(-1) };
}

// What "back at baseline" compares: every static pool's use, and the connection and
// subscription counts (the health request itself is in both). tcp_pcb is left out: it also
// counts PCBs in TIME_WAIT (2 min in lwIP), which lwIP takes back whenever it needs one; every
// PCB the firmware holds has an altcp_pcb, which is compared.
function usage(h) {
  const u = { connections: h.connections.active, subscribers: h.subscribers.active };
  for (const [k, v] of Object.entries(h.memory)) if (k !== 'tcp_pcb') u[k] = v.used;
  return u;
}

export async function baseline() {
  const h = await health();
  return { h, use: usage(h) };
}

// Waits until every pool is back at its baseline; returns the time it took (ms) and the
// high-water marks health reports (since boot). Fails with the pools that stayed up.
export async function backToBaseline(base, ms = 30000 * SLOW) {
  const t0 = performance.now();
  let last;
  for (;;) {
    try {
      const h = await health();
      const u = usage(h);
      const off = Object.keys(base.use).filter((k) => u[k] > base.use[k]);
      if (off.length === 0) return { recoveryMs: Math.round(performance.now() - t0), peaks: peaks(h) };
      last = off.map((k) => `${k} ${u[k]} (baseline ${base.use[k]})`).join(', ');
    } catch (e) {
      last = String(e);
    }
    if (performance.now() - t0 > ms) assert.fail(`not back at baseline after ${ms} ms: ${last}`);
    await sleep(200);
  }
}

export function peaks(h) {
  const p = { connections: h.connections.peak, subscribers: h.subscribers.peak };
  for (const [k, v] of Object.entries(h.memory)) p[k] = v.peak;
  return p;
}

// One row of the README's table of faults (build/faults/report.jsonl).
export function report(row) {
  const f = process.env.FAULTS_REPORT;
  if (f) appendFileSync(f, JSON.stringify(row) + '\n');
}

// Opens n TCP connections to the device and keeps them (each may or may not be accepted:
// past the device's table they wait in the client's SYN queue). onConnect(sock) runs on each.
export function holdConnections(n, onConnect = () => {}) {
  const socks = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(PORT, HOST);
    s.on('error', () => {});
    s.on('connect', () => onConnect(s));
    socks.push(s);
  }
  return { socks, close: () => socks.forEach((s) => s.destroy()) };
}

// Every event of every client once, in order: ids 1..N without gap or repeat.
export function countDelivery(all, expected) {
  let delivered = 0, duplicated = 0;
  for (const events of all) {
    const seen = new Set();
    for (const e of events) {
      if (seen.has(e.event_id)) duplicated++;
      else delivered++;
      seen.add(e.event_id);
    }
  }
  return { expected: expected * all.length, delivered, duplicated };
}
