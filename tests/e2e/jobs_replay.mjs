// Replay from the job's event log: a subscriber that comes after the job finished gets every
// event and the result; last_event_id / ?after= / Last-Event-ID give exactly the events after
// it; ids run 1, 2, 3 … without gaps; a reconnect past the final event gets 204; a subscriber
// asking for more than the ring holds gets events_dropped and then the rest.
// Run: EDGE_TARGET=http://192.168.7.2:80 node --test jobs_replay.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  TARGET, SLOW, submit, waitDone, openWs, collect, closeWs, assertIds, assertFullSequence,
  canon, openSse, health, sleep, previewsShown,
} from './lib/jobs.mjs';

const STEPS = 6;
let sid, reference; // a finished job and its events as a live subscriber saw them

test('a live subscriber sees the whole job (the reference)', async () => {
  const ws = await openWs();
  ws.json({ type: 'generate', prompt: 'a blue square on a yellow background', num_inference_steps: STEPS, seed: 7 });
  const first = await ws.next();
  sid = first.session_id;
  ws.unshift = null;
  const { events } = await collect(ws, sid);
  reference = [first, ...events];
  assertFullSequence(reference, STEPS);
  // Live progress carries the preview (preview defaults to true), best effort.
  const prog = reference.filter((m) => m.type === 'generation_progress');
  for (const e of previewsShown(prog)) assert.match(e.preview, /^data:image\/png;base64,/);
  await closeWs(ws);
});

test('a subscriber after the job finished gets every event and the result', async () => {
  await waitDone(sid);
  const ws = await openWs();
  ws.json({ type: 'subscribe', session_id: sid });
  const { events } = await collect(ws, sid);
  assertFullSequence(events, STEPS);
  assert.deepEqual(events.map(canon), reference.map(canon));
  const last = events.at(-1);
  assert.match(last.images[0], /^data:image\/png;base64,iVBORw0KGgo/);
  // Only the first progress event of a replay carries the (latest) preview, if the job
  // still has one; a finished job has none.
  await closeWs(ws);
});

test('subscribe with last_event_id: exactly the events after it', async () => {
  const ws = await openWs();
  for (const after of [1, 2, 5, reference.length - 1]) {
    ws.json({ type: 'subscribe', session_id: sid, last_event_id: after });
    const { events } = await collect(ws, sid);
    assertIds(events, after + 1);
    assert.deepEqual(events.map(canon), reference.slice(after).map(canon));
  }
  // Past the final event: nothing comes, and the connection still answers.
  ws.json({ type: 'subscribe', session_id: sid, last_event_id: reference.length });
  ws.json({ type: 'ping' });
  assert.deepEqual((await ws.next()).type, 'pong');
  await sleep(100);
  assert.equal(ws.pending(), 0);
  // last_event_id: 0 and null mean from the start.
  for (const v of [0, null]) {
    ws.json({ type: 'subscribe', session_id: sid, last_event_id: v });
    const { events } = await collect(ws, sid);
    assertIds(events, 1);
    assert.equal(events.length, reference.length);
  }
  await closeWs(ws);
});

test('repeated subscribes past the end hold at most one subscription', async () => {
  const before = (await health()).subscribers.active;
  const ws = await openWs();
  for (let i = 0; i < 80; i++)
    ws.json({ type: 'subscribe', session_id: sid, last_event_id: reference.length });
  ws.json({ type: 'ping' });
  assert.equal((await ws.next()).type, 'pong');
  const during = (await health()).subscribers.active;
  assert.ok(during <= before + 1, `subscribers.active ${before} -> ${during}`);
  await closeWs(ws);
});

test('SSE: every event from the start, ids without gaps, then the stream ends', async () => {
  const st = openSse(`/api/jobs/${sid}/events`);
  await st.done();
  assert.equal(st.status, 200);
  assert.match(st.headers['content-type'], /^text\/event-stream/);
  assert.deepEqual(st.events.map(canon), reference.map(canon));
  st.events.forEach((e) => assert.equal(e._sse_id, e.event_id));
});

test('SSE: ?after=N and Last-Event-ID give exactly the events after N', async () => {
  const n = reference.length;
  for (const after of [1, 3, n - 1]) {
    for (const how of ['query', 'header', 'both']) {
      const path = `/api/jobs/${sid}/events` + (how !== 'header' ? `?after=${how === 'both' ? 0 : after}` : '');
      const st = openSse(path, how !== 'query' ? { 'Last-Event-ID': String(after) } : {});
      await st.done();
      assert.equal(st.status, 200, `${how} ${after}`);
      assertIds(st.events, after + 1);
      assert.deepEqual(st.events.map(canon), reference.slice(after).map(canon));
    }
  }
});

test('SSE: a reconnect past the final event gets 204; bad ids 400; unknown job 404', async () => {
  const n = reference.length;
  for (const [path, hdr] of [
    [`/api/jobs/${sid}/events?after=${n}`, {}],
    [`/api/jobs/${sid}/events`, { 'Last-Event-ID': String(n) }],
    [`/api/jobs/${sid}/events`, { 'Last-Event-ID': String(n + 10) }],
  ]) {
    const r = await fetch(TARGET + path, { headers: hdr });
    assert.equal(r.status, 204, path);
    assert.equal(await r.text(), '');
  }
  const bad = await fetch(`${TARGET}/api/jobs/${sid}/events?after=x`);
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.field, 'after');
  const unknown = await fetch(`${TARGET}/api/jobs/${'0'.repeat(32)}/events`);
  assert.equal(unknown.status, 404);
  await unknown.text();
});

test('GET /api/jobs/<id> after the job: state, last_event_id, images', async () => {
  const r = await fetch(`${TARGET}/api/jobs/${sid}`);
  const b = await r.json();
  assert.equal(b.status, 'complete');
  assert.equal(b.step, STEPS);
  assert.equal(b.total_steps, STEPS);
  assert.equal(b.last_event_id, reference.length);
  assert.deepEqual(b.image_paths, reference.at(-1).image_paths);
  assert.equal(b.metadata.seed, 7);
});

test('more events than the ring holds: events_dropped, then the rest in order', async () => {
  // 70 steps -> 73 events; the ring keeps 64 (EVENTS_PER_JOB), so 1..9 are gone.
  const steps = 70;
  const id = await submit({ num_inference_steps: steps, preview: false });
  const done = await waitDone(id);
  const total = done.last_event_id;
  assert.equal(total, steps + 3);
  const ws = await openWs();
  ws.json({ type: 'subscribe', session_id: id });
  const { events } = await collect(ws, id);
  const kept = 64;
  assert.equal(events[0].type, 'events_dropped');
  assert.equal(events[0].from, 1);
  assert.equal(events[0].to, total - kept);
  assertIds(events.slice(1), total - kept + 1);
  assert.equal(events.at(-1).type, 'generation_complete');
  // Asking from inside the ring: no notice.
  ws.json({ type: 'subscribe', session_id: id, last_event_id: total - 5 });
  const again = await collect(ws, id);
  assertIds(again.events, total - 4);
  await closeWs(ws);
  // The same over SSE.
  const st = openSse(`/api/jobs/${id}/events?after=2`);
  await st.done();
  assert.equal(st.events[0].type, 'events_dropped');
  assert.equal(st.events[0].from, 3);
  assertIds(st.events.slice(1), total - kept + 1);
});

test('a subscriber that joins mid-job gets the past and then the live events', async () => {
  const steps = 40;
  const id = await submit({ num_inference_steps: steps, preview: true });
  // Join after a few steps have happened.
  for (let i = 0; i < 200; i++) {
    const b = await (await fetch(`${TARGET}/api/jobs/${id}`)).json();
    if (b.step >= 3) break;
    await sleep(2);
  }
  const ws = await openWs();
  ws.json({ type: 'subscribe', session_id: id });
  const { events } = await collect(ws, id, 20000 * SLOW);
  assertFullSequence(events, steps);
  await closeWs(ws);
});
