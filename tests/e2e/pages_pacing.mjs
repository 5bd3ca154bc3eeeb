// --pace-ms: on a paced device every step is at least the pace after the one before (by the
// device's own clock, the events' t_us), and the superloop keeps answering meanwhile.
// run_e2e.sh sets EDGE_PACE_MS for the paced device; elsewhere the pace is unknown: skipped.
import test from 'node:test';
import assert from 'node:assert/strict';
import { SLOW, submit, openWs, collect, closeWs, assertFullSequence, health, waitIdle } from './lib/jobs.mjs';

const PACE = Number(process.env.EDGE_PACE_MS || 0);

test('paced steps: at least the pace apart, and the device answers while a job waits', { skip: !PACE && 'EDGE_PACE_MS not set: not a paced device' }, async () => {
  await waitIdle();
  const steps = 20;
  const ws = await openWs();
  try {
    const sid = await submit({ num_inference_steps: steps, preview: false });
    ws.json({ type: 'subscribe', session_id: sid, timing: true });
    // health while the job runs: the loop is not asleep in a step
    const times = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const h = await health();
      times.push(performance.now() - t0);
      if (i === 5) assert.equal(h.jobs.running, 1, 'the job is still running after 5 requests');
    }
    const { events } = await collect(ws, sid);
    assertFullSequence(events, steps);
    const t = events.filter((e) => e.type === 'generation_progress').map((e) => e.t_us);
    const gaps = t.slice(1).map((x, i) => ((x - t[i]) >>> 0) / 1000);
    // the clock is the device's, in whole ms for the pace: allow 1 ms of rounding
    for (const g of gaps) assert.ok(g >= PACE - 1, `steps ${PACE} ms apart at least, got ${g.toFixed(1)} ms (${gaps.map((x) => x.toFixed(0))})`);
    const span = ((t[t.length - 1] - t[0]) >>> 0) / 1000;
    assert.ok(span < (steps - 1) * PACE * 1.5 + 500 * SLOW, `not much slower than paced: ${span.toFixed(0)} ms`);
    times.sort((a, b) => a - b);
    assert.ok(times[5] < PACE, `GET /api/health answers within a step (median ${times[5].toFixed(1)} ms)`);
  } finally {
    await closeWs(ws);
  }
});
