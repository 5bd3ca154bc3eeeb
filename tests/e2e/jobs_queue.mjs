// The queue: four jobs at once run in order with positions 0..3 (jobs ahead); a fifth gets
// 503 queue_full with Retry-After; cancel of queued and running jobs (DELETE and /ws
// cancel) reaches subscribers as generation_error cancelled; 409 / 404; POST /api/warmup.
// Run: EDGE_TARGET=http://192.168.7.2:80 node --test jobs_queue.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { TARGET, SLOW, generate, submit, openWs, collect, closeWs, assertFullSequence, waitIdle, waitDone } from './lib/jobs.mjs';

const del = (sid) => fetch(`${TARGET}/api/jobs/${sid}`, { method: 'DELETE' }).then(async (r) => ({ status: r.status, body: await r.json() }));

test('four jobs at once run in order with positions 0..3; the fifth gets 503', async (t) => {
  await waitIdle();
  const ws = await openWs();
  t.after(() => closeWs(ws));
  // The longest job the API allows: job 0 must still be running when job 3 is queued, and
  // at 25 steps (~70 ms on the host build) a stalled POST let it finish first (position 2).
  const steps = 100;
  const ids = [];
  for (let i = 0; i < 4; i++) {
    const r = await generate({ num_inference_steps: steps, preview: false, seed: i });
    assert.equal(r.status, 202);
    assert.equal(r.body.status, 'queued');
    assert.equal(r.body.position, i, `job ${i}: position ${r.body.position}`);
    assert.equal(r.body.events, `/api/jobs/${r.body.session_id}/events`);
    ids.push(r.body.session_id);
  }
  const full = await generate({ num_inference_steps: steps });
  assert.equal(full.status, 503);
  assert.equal(full.body.error.code, 'queue_full');
  assert.ok(Number(full.headers.get('retry-after')) > 0, 'Retry-After');
  // The same over /ws.
  ws.json({ type: 'generate', prompt: 'a red circle', num_inference_steps: 2 });
  const e = await ws.next();
  assert.equal(e.type, 'error');
  assert.equal(e.code, 'queue_full');
  // A waiting job reports its place.
  const q3 = await (await fetch(`${TARGET}/api/jobs/${ids[3]}`)).json();
  assert.equal(q3.status, 'queued');
  assert.ok(q3.position >= 1 && q3.position <= 3);

  for (const sid of ids) ws.json({ type: 'subscribe', session_id: sid });
  const seqs = new Map(ids.map((id) => [id, []]));
  let finals = 0;
  const order = []; // (session, type) in arrival order over one connection
  while (finals < 4) {
    const m = await ws.next(30000 * SLOW);
    if (!seqs.has(m.session_id)) continue;
    seqs.get(m.session_id).push(m);
    order.push([ids.indexOf(m.session_id), m.type]);
    if (m.type === 'generation_complete' || m.type === 'generation_error') finals++;
  }
  ids.forEach((id, i) => {
    const evs = seqs.get(id);
    assertFullSequence(evs, steps);
    assert.equal(evs[0].position, i);
  });
  // Job k+1 starts only after job k completed.
  const started = order.filter(([, ty]) => ty === 'generation_started').map(([k]) => k);
  const completed = order.filter(([, ty]) => ty === 'generation_complete').map(([k]) => k);
  assert.deepEqual(completed, [0, 1, 2, 3]);
  for (let k = 1; k < 4; k++) {
    const s = order.findIndex(([j, ty]) => j === k && ty === 'generation_started');
    const c = order.findIndex(([j, ty]) => j === k - 1 && ty === 'generation_complete');
    assert.ok(s > c, `job ${k} started before job ${k - 1} completed`);
  }
  assert.equal(started.length, 4);
});

test('cancel: queued (DELETE), running (/ws cancel), finished 409, unknown 404', async (t) => {
  await waitIdle();
  const ws = await openWs();
  const watcher = await openWs();
  t.after(() => Promise.all([closeWs(ws), closeWs(watcher)]));
  const running = await submit({ num_inference_steps: 100, num_images: 4, preview: false });
  const queued = await submit({ num_inference_steps: 5, preview: false });
  const after = await submit({ num_inference_steps: 3, preview: false });
  for (const sid of [running, queued, after]) watcher.json({ type: 'subscribe', session_id: sid });

  // The queued one, by REST: its subscribers hear of it at once.
  const d = await del(queued);
  assert.equal(d.status, 200);
  assert.equal(d.body.status, 'cancelled');
  // The running one, over /ws, once it has made progress.
  const got = { [running]: [], [queued]: [], [after]: [] };
  let finals = 0;
  let cancelled = false;
  while (finals < 3) {
    const m = await watcher.next(30000 * SLOW);
    if (!cancelled && m.session_id === running && m.type === 'generation_progress' && m.step >= 3) {
      ws.json({ type: 'cancel', session_id: running });
      cancelled = true;
    }
    if (!got[m.session_id]) continue;
    got[m.session_id].push(m);
    if (m.type === 'generation_complete' || m.type === 'generation_error') finals++;
  }
  const last = (sid) => got[sid].at(-1);
  assert.equal(last(queued).type, 'generation_error');
  assert.equal(last(queued).code, 'cancelled');
  assert.ok(!got[queued].some((m) => m.type === 'generation_started'), 'the cancelled queued job never started');
  assert.equal(last(running).type, 'generation_error');
  assert.equal(last(running).code, 'cancelled');
  assert.equal(typeof last(running).error, 'string');
  const steps = got[running].filter((m) => m.type === 'generation_progress').map((m) => m.step);
  assert.ok(steps.at(-1) < 400, 'the running job stopped early');
  // The queue moved on: the next job ran to the end.
  assert.equal(last(after).type, 'generation_complete');

  const st = await (await fetch(`${TARGET}/api/jobs/${running}`)).json();
  assert.equal(st.status, 'cancelled');
  assert.equal(st.error.code, 'cancelled');
  // Cancelling again / a finished job: 409; over /ws an error naming session_id.
  assert.equal((await del(running)).status, 409);
  await waitDone(after);
  const fin = await del(after);
  assert.equal(fin.status, 409);
  assert.equal(fin.body.error.code, 'conflict');
  ws.json({ type: 'cancel', session_id: after });
  const e = await ws.next();
  assert.equal(e.type, 'error');
  // Unknown ids: 404 with the error shape; the same for GET, images and SSE.
  const unknown = '0123456789abcdef0123456789abcdef';
  const r404 = await del(unknown);
  assert.equal(r404.status, 404);
  assert.equal(r404.body.error.code, 'not_found');
  for (const p of [`/api/jobs/${unknown}`, `/api/images/${unknown}/0.png`, '/api/jobs/nothex', `/api/images/${after}/3.png`]) {
    const r = await fetch(TARGET + p);
    assert.equal(r.status, 404, p);
    assert.equal((await r.json()).error.code, 'not_found');
  }
  ws.json({ type: 'cancel', session_id: unknown });
  const e2 = await ws.next();
  assert.equal(e2.type, 'error');
  assert.equal(e2.code, 'not_found');
});

test('POST /api/warmup answers with the generator status and times', async () => {
  await waitIdle();
  const r = await fetch(`${TARGET}/api/warmup`, { method: 'POST' });
  assert.equal(r.status, 200);
  const b = await r.json();
  assert.equal(b.status, 'ok');
  assert.equal(b.services.generator.status, 'ready');
  assert.equal(typeof b.services.generator.time_ms, 'number');
  assert.equal(typeof b.total_time_ms, 'number');
  assert.ok(b.total_time_ms >= b.services.generator.time_ms);
  assert.deepEqual(Object.keys(b).sort(), ['services', 'status', 'total_time_ms']);
  // The warmup job is not a visible job: the health counters of jobs are unchanged by it.
  const h = await (await fetch(`${TARGET}/api/health`)).json();
  assert.equal(h.jobs.queued + h.jobs.running, 0);
});

test('warmup while the queue is full gets 503 queue_full', async () => {
  await waitIdle();
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(await submit({ num_inference_steps: 100, preview: false }));
  const r = await fetch(`${TARGET}/api/warmup`, { method: 'POST' });
  assert.equal(r.status, 503);
  assert.equal((await r.json()).error.code, 'queue_full');
  for (const id of ids) await del(id); // leave the device idle
  await waitIdle();
});
