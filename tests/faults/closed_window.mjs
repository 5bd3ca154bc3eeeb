// A subscriber whose receive window stays closed: the others get every event as it happens;
// the stuck one keeps its place until the job's ring (EVENTS_PER_JOB) overwrites it, and when
// it reads again it gets what it had, then events_dropped {from, to}, then the rest up to the
// final state, which GET /api/jobs/<id> also has.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  SLOW, submit, openWs, collect, closeWs, openSse, assertFullSequence, assertIds, sleep, waitIdle,
  waitConnections, baseline, backToBaseline, report, smallRcvbuf, getJSONSafe,
} from './lib/faults.mjs';

const STEPS = 100;
const IMAGES = 2; // 203 events: far more than the ring's 64, and more than the buffers hold
const TOTAL = STEPS * IMAGES + 3;

test('a subscriber with a closed window: others unaffected, then events_dropped and the final state', async (t) => {
  await waitIdle();
  await waitConnections(0);
  const base = await baseline();
  const small = smallRcvbuf();
  t.after(() => small?.());
  if (!small) t.diagnostic('receive buffer not reduced: the kernel may absorb more of the job');
  const stuck = await openWs();
  t.after(() => closeWs(stuck));
  const fast = await openWs();
  t.after(() => closeWs(fast));
  const t0 = performance.now();
  const sid = await submit({ num_inference_steps: STEPS, num_images: IMAGES, preview: true });
  stuck.json({ type: 'subscribe', session_id: sid });
  fast.json({ type: 'subscribe', session_id: sid });
  stuck._socket.pause(); // the window closes once the kernel's small buffer is full
  const sse = openSse(`/api/jobs/${sid}/events`);
  t.after(() => sse.close());
  const f = await collect(fast, sid);
  await sse.done();
  const othersMs = Math.round(performance.now() - t0);
  assertFullSequence(f.events, STEPS, { images: IMAGES });
  assertFullSequence(sse.events, STEPS, { images: IMAGES });
  const job = await getJSONSafe(`/api/jobs/${sid}`);
  assert.equal(job.status, 'complete');
  await sleep(2000); // the stuck reader stays stuck after the job is over
  small?.();
  stuck._socket.resume();
  const s = await collect(stuck, sid, 30000 * SLOW);
  const ev = s.events;
  const k = ev.findIndex((e) => e.type === 'events_dropped');
  // 203 events cannot all wait in the buffers on the way: the ring must have overtaken it.
  assert.ok(k >= 0, `no events_dropped: ${ev.length} events, ids ${ev[0]?.event_id}..${ev.at(-1)?.event_id}`);
  assertIds(ev.slice(0, k), 1);
  const d = ev[k];
  assert.equal(d.from, k + 1, 'events_dropped starts right after the last event delivered');
  assert.ok(d.to >= d.from && d.to <= TOTAL - 64, `dropped ${d.from}..${d.to}`);
  assertIds(ev.slice(k + 1), d.to + 1);
  const dropped = d.to - d.from + 1;
  const last = ev.at(-1);
  assert.equal(last.type, 'generation_complete');
  assert.deepEqual(last.image_paths, job.image_paths);
  await closeWs(stuck);
  await closeWs(fast);
  sse.close();
  const rec = await backToBaseline(base);
  report({
    fault: 'one subscriber with its receive window closed', load: `${STEPS} steps x ${IMAGES} images with previews, 1 stuck + 1 WS + 1 SSE`,
    duration_ms: othersMs, events: { expected: 3 * TOTAL, delivered: f.events.length + sse.events.length + ev.length - 1, duplicated: 0, dropped_for_stuck: dropped },
    ...rec,
  });
});
