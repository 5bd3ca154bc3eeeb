// Delivery guarantees (docs/design.md): a reader that stops reading for 5 s and resumes gets every
// event in order; 32 subscribers on one job get identical sequences; clients that go away
// mid-job disturb neither the job nor the others; progress carries previews when asked.
// Run: EDGE_TARGET=http://192.168.7.2:80 node --test jobs_delivery.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  SLOW, submit, openWs, collect, closeWs, assertFullSequence, canon, openSse, health,
  waitConnections, waitIdle, assertDataUrlPng, smallRcvbuf, sleep, previewsShown,
} from './lib/jobs.mjs';
import { PROXIED } from './target.mjs';

// Every client a test opens is closed when it ends, also when it fails.
function track(t) {
  const open = [];
  t.after(() => Promise.all(open.map((c) => (c.sock ? c.sock.destroy() : closeWs(c)))));
  return (c) => (open.push(c), c);
}

const progressOf = (events) => events.filter((m) => m.type === 'generation_progress');

test('a reader that stops for 5 s during a 50-step job with previews gets every event', async (t) => {
  await waitIdle();
  const keep = track(t);
  const steps = 50;
  const fast = keep(await openWs());
  const small = smallRcvbuf();
  t.after(() => small?.());
  const slow = keep(await openWs());
  const sid = await submit({ num_inference_steps: steps, preview: true });
  slow.json({ type: 'subscribe', session_id: sid });
  fast.json({ type: 'subscribe', session_id: sid });
  // Stop reading at once: the kernel's buffer fills, then the device's TCP window closes.
  slow._socket.pause();
  const fastDone = collect(fast, sid);
  await sleep(5000);
  const h = await health();
  assert.equal(h.jobs.running, 0, 'the job ran to the end while the reader slept');
  // Behind a proxy, the proxy's buffers take what the paused reader does not.
  if (small && !PROXIED) assert.ok(h.subscribers.active >= 1, 'the paused subscription waits for its window');
  else t.diagnostic('receive buffer not reduced: the kernel may have absorbed the whole job');
  slow._socket.resume();
  small?.();
  const s = await collect(slow, sid);
  const f = await fastDone;
  assertFullSequence(s.events, steps);
  assertFullSequence(f.events, steps);
  assert.deepEqual(s.events.map(canon), f.events.map(canon));
  // The reader that kept up saw previews although the slow one was stuck mid-event: previews
  // are best effort by design (a step whose window cannot take the whole event goes without
  // one), so on a loaded machine a few may be missing, but never most of them, and every one
  // that came is a valid PNG. Half, not 80 %: the stuck reader's event holds the shared
  // send heap while it waits, and behind a proxy (the fleet tier) the steps come faster than
  // the proxy relays them (38 of 50 seen on a loaded CI machine).
  for (const m of previewsShown(progressOf(f.events), 0.5)) assertDataUrlPng(m.preview);
});

test('a paused SSE reader resumes with every event too', async (t) => {
  await waitIdle();
  const keep = track(t);
  const steps = 50;
  const sid = await submit({ num_inference_steps: steps, preview: true });
  const small = smallRcvbuf();
  t.after(() => small?.());
  const st = keep(openSse(`/api/jobs/${sid}/events`));
  st.sock.pause();
  await sleep(3000);
  if (small && !PROXIED) assert.ok((await health()).subscribers.active >= 1, 'the paused stream waits');
  small?.();
  st.sock.resume();
  await st.done();
  assertFullSequence(st.events, steps);
});

test('32 subscribers on one job all get identical sequences', async (t) => {
  await waitIdle();
  const keep = track(t);
  const h0 = await waitConnections(0);
  const n = Math.min(32, h0.connections.max);
  const clients = [];
  for (let i = 0; i < n; i++) clients.push(keep(await openWs()));
  const steps = 20;
  // The first creates the job over /ws (so no HTTP connection is needed), the rest follow it.
  clients[0].json({ type: 'generate', prompt: 'a white ring on a black background', num_inference_steps: steps, preview: true });
  const first = await clients[0].next();
  assert.equal(first.type, 'generation_queued');
  const sid = first.session_id;
  for (const c of clients.slice(1)) c.json({ type: 'subscribe', session_id: sid });
  const all = await Promise.all(clients.map((c, i) => collect(c, sid).then((r) => (i ? r.events : [first, ...r.events]))));
  for (const evs of all) assertFullSequence(evs, steps);
  const ref = all[0].map(canon);
  all.forEach((evs, i) => assert.deepEqual(evs.map(canon), ref, `subscriber ${i}`));
  // Previews are a view, not part of the log: 32 readers share lwIP's 24 KB send heap, so a
  // reader whose window cannot take a whole 4 KB preview event before the next step gets
  // that step without it. Those that come are valid PNGs; how many came is reported.
  const counts = all.map((evs) => progressOf(evs).filter((m) => m.preview).length);
  for (const evs of all) for (const m of progressOf(evs)) if (m.preview) assertDataUrlPng(m.preview);
  t.diagnostic(`previews per subscriber (of ${steps}): ${counts.join(' ')}`);
  assert.ok(counts.reduce((a, b) => a + b) > 0);
  assert.equal(n, 32, `only ${n} connections allowed (connections.max)`);
});

test('clients leaving mid-job disturb neither the job nor the others', async (t) => {
  await waitIdle();
  const keep = track(t);
  await waitConnections(0);
  const steps = 50;
  const stay = [];
  for (let i = 0; i < 6; i++) stay.push(keep(await openWs()));
  const leave = [];
  for (let i = 0; i < 3; i++) leave.push(keep(await openWs()));
  const small = smallRcvbuf();
  t.after(() => small?.());
  leave.push(keep(await openWs()));
  const sid = await submit({ num_inference_steps: steps, preview: true });
  for (const c of [...stay, ...leave]) c.json({ type: 'subscribe', session_id: sid });
  const sseStay = keep(openSse(`/api/jobs/${sid}/events`));
  const sseLeave = keep(openSse(`/api/jobs/${sid}/events`));
  sseLeave.sock.pause();
  leave[3]._socket.pause(); // stuck in the middle of an event when it goes
  const results = stay.map((c) => collect(c, sid));
  // Wait until the job is a few steps in, then: an abrupt reset, a polite close, a close
  // without the closing handshake, a reset while stuck mid-event, and an SSE reader gone.
  for (;;) {
    const m = await leave[0].next();
    if (m.type === 'generation_progress' && m.step >= 10) break;
  }
  leave[0]._socket.resetAndDestroy();
  leave[1].close(1000);
  leave[2]._socket.destroy();
  leave[3]._socket.resetAndDestroy();
  sseLeave.sock.resetAndDestroy();
  small?.();
  const got = await Promise.all(results);
  await sseStay.done();
  for (const r of got) assertFullSequence(r.events, steps);
  assertFullSequence(sseStay.events, steps);
  for (const r of got) assert.deepEqual(r.events.map(canon), got[0].events.map(canon));
  const counts = got.map((r) => progressOf(r.events).filter((m) => m.preview).length);
  for (const r of got) for (const m of progressOf(r.events)) if (m.preview) assertDataUrlPng(m.preview);
  t.diagnostic(`previews per staying subscriber (of ${steps}): ${counts.join(' ')}`);
  await Promise.all(stay.map(closeWs));
  await sleep(100);
  // Nothing is left behind: subscriptions and connections are released, and the preview
  // buffers the leavers held are free (the next job has previews again: best effort, so
  // on most steps, as in the first test).
  await waitConnections(0);
  const h = await health();
  assert.equal(h.subscribers.active, 0);
  const ws = keep(await openWs());
  ws.json({ type: 'generate', prompt: 'a red cross', num_inference_steps: 10, preview: true });
  const { events } = await collect(ws, (await ws.next()).session_id);
  for (const m of previewsShown(progressOf(events))) assertDataUrlPng(m.preview);
});

test('previews: on (nearly) every progress event when preview is true, on none when false', async (t) => {
  await waitIdle();
  const keep = track(t);
  for (const preview of [true, false]) {
    const ws = keep(await openWs());
    ws.json({ type: 'generate', prompt: 'a yellow triangle', num_inference_steps: 12, num_images: 2, preview });
    const first = await ws.next();
    const { events } = await collect(ws, first.session_id);
    assertFullSequence([first, ...events], 12, { images: 2 });
    // Best effort by design: a step whose window cannot take the whole event goes without
    // its preview, so a loaded machine may miss a few; none may appear when not asked for.
    const progress = progressOf(events);
    if (preview) for (const m of previewsShown(progress)) assertDataUrlPng(m.preview);
    else assert.equal(progress.filter((m) => m.preview !== undefined).length, 0);
    // The result carries its images either way.
    for (const img of events.at(-1).images) assertDataUrlPng(img);
  }
  await sleep(10 * SLOW);
});
