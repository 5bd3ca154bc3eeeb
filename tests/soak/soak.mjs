// The soak (make soak, outside CI): JOBS jobs, created over HTTP and over /ws, while CLIENTS
// clients keep connecting, subscribing over WebSocket or SSE, dropping at random and
// reconnecting with the last event id they saw. Checks: every client that stayed inside the
// replay window got every event of its job exactly once, in order; no pool ever failed an
// allocation; each pool's high-water mark over the second half is that of the first
// (stable: none climbs by more than a tenth of its pool); and everything is back at baseline at the end.
// Prints one JSON summary line (for the README) and exits non-zero on a failure.
import assert from 'node:assert/strict';
import {
  SLOW, generate, openWs, closeWs, openSse, sleep, waitIdle, isFinal,
} from '../e2e/lib/jobs.mjs';
import { health, baseline, backToBaseline, peaks } from '../faults/lib/faults.mjs';

const JOBS = Number(process.env.SOAK_JOBS || 500);
const CLIENTS = Number(process.env.SOAK_CLIENTS || 12);
const rnd = (n) => Math.floor(Math.random() * n);
const recent = []; // ids of the latest jobs, newest last
let created = 0, producing = true;
const stats = {
  sessions: 0, complete: 0, drops: 0, reconnects: 0, outOfWindow: 0, events: 0,
  connectErrors: 0, byTransport: { ws: 0, sse: 0 },
};
const failures = [];

async function producer() {
  const ws = await openWs();
  while (created < JOBS) {
    const steps = 1 + rnd(40); // at most 43 events: the ring (64) holds a whole job
    const fields = { num_inference_steps: steps, preview: Math.random() < 0.3, seed: rnd(1e6) };
    let sid;
    if (Math.random() < 0.2) {
      ws.json({ type: 'generate', prompt: 'a green star at the top', ...fields });
      for (;;) {
        const m = await ws.next(20000 * SLOW);
        if (m.type === 'generation_queued') { sid = m.session_id; break; }
        if (m.type === 'error') break; // queue full: wait below
      }
    } else {
      // A connection reset while connecting is what a client on a busy network retries
      // (a port reused within the device's TIME_WAIT gets a RST, as TCP says).
      const r = await generate(fields).catch((e) => (stats.connectErrors++, { status: 0, e }));
      if (r.status === 202) sid = r.body.session_id;
      else if (r.status !== 503 && r.status !== 0) failures.push(`POST /api/generate: ${r.status} ${JSON.stringify(r.body)}`);
    }
    if (sid) {
      created++;
      recent.push(sid);
      if (recent.length > 4) recent.shift();
    } else await sleep(20);
  }
  producing = false;
  await closeWs(ws);
}

// One subscription of one job over WebSocket until its final event or a random drop. Returns
// { events, final, gone } (gone: the device no longer knows the job).
async function viaWs(sid, after, dropAfter) {
  const ws = await openWs();
  const events = [];
  try {
    ws.json({ type: 'subscribe', session_id: sid, ...(after ? { last_event_id: after } : {}) });
    for (;;) {
      const m = await ws.next(30000 * SLOW);
      if (m.type === 'error') return { events, gone: true };
      if (m.session_id !== sid || m.event_id === undefined) continue;
      events.push(m);
      if (isFinal(m)) return { events, final: true };
      if (events.length >= dropAfter) return { events };
    }
  } finally {
    if (Math.random() < 0.5) ws.terminate(); else await closeWs(ws);
  }
}

async function viaSse(sid, after, dropAfter) {
  const st = openSse(`/api/jobs/${sid}/events`, after ? { 'Last-Event-ID': String(after) } : {});
  const end = Date.now() + 30000 * SLOW;
  try {
    for (;;) {
      if (st.status === 404) return { events: st.events, gone: true };
      if (st.status === 204) return { events: st.events, final: true, nothingNew: true };
      if (st.events.length && isFinal(st.events.at(-1))) return { events: st.events, final: true };
      if (st.events.length >= dropAfter) return { events: st.events };
      if (st.ended) return { events: st.events, ended: true };
      if (Date.now() > end) throw new Error(`SSE ${sid}: stalled after ${st.events.length} events`);
      await sleep(5);
    }
  } finally {
    st.close();
  }
}

async function client(k) {
  while (producing || recent.length) {
    if (!recent.length) { await sleep(20); continue; }
    const sid = recent[rnd(recent.length)];
    stats.sessions++;
    const seen = [];
    let last = 0, final = false;
    for (let attempt = 0; attempt < 20 && !final; attempt++) {
      if (attempt) stats.reconnects++;
      const transport = Math.random() < 0.5 ? 'ws' : 'sse';
      stats.byTransport[transport]++;
      const dropAfter = Math.random() < 0.4 ? 1 + rnd(30) : Infinity;
      let r;
      try {
        r = await (transport === 'ws' ? viaWs : viaSse)(sid, last, dropAfter);
      } catch (e) {
        if (!/ECONNRESET|ECONNREFUSED|socket hang up|closed before/.test(String(e))) throw e;
        stats.connectErrors++; // counted, and the client tries again
        continue;
      }
      if (r.gone) { stats.outOfWindow++; break; }
      for (const e of r.events) {
        if (e.type === 'events_dropped') { failures.push(`${sid}: events_dropped ${e.from}..${e.to} for a job the ring holds`); continue; }
        seen.push(e.event_id);
        last = e.event_id;
      }
      if (r.final) final = true; else stats.drops++;
      if (r.nothingNew) final = true;
    }
    stats.events += seen.length;
    if (!final) continue; // 20 drops in a row: nothing to judge
    stats.complete++;
    for (let i = 0; i < seen.length; i++) {
      if (seen[i] !== i + 1) {
        failures.push(`client ${k}, job ${sid}: ids ${seen.slice(Math.max(0, i - 3), i + 3)} at ${i}: want ${i + 1}`);
        break;
      }
    }
    if (!producing && Math.random() < 0.3) break;
  }
}

await waitIdle();
const base = await baseline();
const t0 = performance.now();
const marks = [];
const sampler = (async () => {
  let next = JOBS / 2;
  while (producing) {
    if (created >= next) { marks.push({ at: created, ...peaks(await health()) }); next = Infinity; }
    await sleep(200);
  }
})();
await Promise.all([producer(), sampler, ...Array.from({ length: CLIENTS }, (_, k) => client(k))]);
await waitIdle(120000);
const end = await health();
marks.push({ at: created, ...peaks(end) });
const rec = await backToBaseline(base, 60000);
const failedPools = Object.entries(end.memory).filter(([, v]) => v.failed > 0).map(([k, v]) => `${k} failed ${v.failed}`);
// A leak climbs steadily: over the second half no mark may rise by more than a tenth of its
// pool (random load still reaches a new peak now and then). tcp_pcb counts TIME_WAIT PCBs
// (taken back on demand), so its mark follows the churn and is left out.
const size = { connections: end.connections.max, subscribers: end.subscribers.max };
for (const [k, v] of Object.entries(end.memory)) size[k] = v.size;
const crept = Object.keys(marks[0]).filter((k) => !['at', 'tcp_pcb'].includes(k) && marks[1][k] - marks[0][k] > size[k] / 10);
const summary = {
  jobs: created, clients: CLIENTS, seconds: Math.round((performance.now() - t0) / 1000), ...stats,
  jobs_completed: end.jobs.completed, failures: failures.length, failed_pools: failedPools,
  peaks_half: marks[0], peaks_end: marks[1], crept, recovery_ms: rec.recoveryMs,
};
console.log(JSON.stringify(summary));
for (const f of failures.slice(0, 20)) console.log('FAIL', f);
assert.equal(failures.length, 0, 'every client within the replay window got every event once, in order');
assert.deepEqual(failedPools, [], 'no pool ever failed an allocation');
assert.deepEqual(crept, [], 'high-water marks stable over the second half');
console.log('soak: ok');
