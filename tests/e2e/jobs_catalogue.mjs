// The event catalogue as a client written for generic progress streams reads it (the SSE
// progress guide's StreamingProgressEvent: status, stage, progress, timestamp on every
// event), over SSE with node `eventsource` and over /ws: each event says where the job is,
// progress never goes back and ends at 1.0, timestamps never go back and are seconds.
// Run: EDGE_TARGET=http://192.168.7.2:80 node --test jobs_catalogue.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { TARGET, SLOW, submit, openWs, collect, closeWs, assertFullSequence } from './lib/jobs.mjs';

const STATUS = { generation_queued: 'queued', generation_started: 'running', generation_progress: 'running', generation_complete: 'complete' };
const STAGE = { generation_queued: 'queued', generation_started: 'starting', generation_progress: 'denoising', generation_complete: 'complete' };

function assertCatalogue(events, steps) {
  assertFullSequence(events, steps);
  let lastProgress = 0, lastTime = 0;
  for (const e of events) {
    assert.equal(e.status, STATUS[e.type], `${e.type} ${e.event_id}: status`);
    assert.equal(e.stage, STAGE[e.type], `${e.type} ${e.event_id}: stage`);
    assert.equal(typeof e.progress, 'number');
    assert.ok(e.progress >= lastProgress && e.progress <= 1, `${e.type} ${e.event_id}: progress ${e.progress} after ${lastProgress}`);
    if (e.type === 'generation_progress') assert.ok(Math.abs(e.progress - e.step / e.total_steps) < 0.001);
    lastProgress = e.progress;
    assert.equal(typeof e.timestamp, 'number');
    assert.ok(e.timestamp >= lastTime, 'timestamps never go back');
    lastTime = e.timestamp;
  }
  assert.equal(events.at(-1).progress, 1);
  // Seconds, not milliseconds: either Unix time (the board knows the wall clock) or uptime.
  const now = Date.now() / 1000;
  assert.ok(Math.abs(lastTime - now) < 3600 || lastTime < 10 * 86400, `timestamp ${lastTime} is seconds`);
}

test('every SSE event carries status, stage, progress and timestamp', async () => {
  const steps = 8;
  const sid = await submit({ num_inference_steps: steps, preview: false });
  const events = await new Promise((resolve, reject) => {
    const got = [];
    const es = new EventSource(`${TARGET}/api/jobs/${sid}/events`);
    const timer = setTimeout(() => (es.close(), reject(new Error(`only ${got.length} events`))), 20000 * SLOW);
    es.onmessage = (m) => {
      const e = JSON.parse(m.data);
      got.push(e);
      if (e.type === 'generation_complete' || e.type === 'generation_error') {
        clearTimeout(timer);
        es.close();
        resolve(got);
      }
    };
  });
  assertCatalogue(events, steps);
});

test('a cancelled job ends with status cancelled and the progress it had reached', async () => {
  const ws = await openWs();
  try {
    // 4 images of 100 steps: long enough (~0.6 s on the host) for the cancel to land mid-job.
    ws.json({ type: 'generate', prompt: 'a large green star on a white background', num_inference_steps: 100, num_images: 4, preview: false });
    let sid = null, sawProgress = false, err = null;
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no cancellation seen')), 20000 * SLOW);
      ws.on('message', (d) => {
        const e = JSON.parse(d);
        if (!sid && e.session_id) sid = e.session_id;
        if (e.type === 'generation_progress' && !sawProgress) {
          sawProgress = true;
          ws.json({ type: 'cancel', session_id: sid });
        }
        if (e.type === 'generation_error') {
          err = e;
          clearTimeout(t);
          resolve();
        }
      });
    });
    assert.equal(err.code, 'cancelled');
    assert.equal(err.status, 'cancelled');
    assert.equal(err.stage, 'error');
    assert.ok(err.progress > 0 && err.progress < 1, `progress at cancel ${err.progress}`);
  } finally {
    await closeWs(ws);
  }
});

test('the same fields over /ws', async () => {
  const steps = 5;
  const ws = await openWs();
  try {
    const sid = await submit({ num_inference_steps: steps, preview: false });
    ws.json({ type: 'subscribe', session_id: sid });
    const { events } = await collect(ws, sid);
    assertCatalogue(events, steps);
  } finally {
    await closeWs(ws);
  }
});
