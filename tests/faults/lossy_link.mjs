// 10 % loss and 100 +- 50 ms delay with reordering, both ways, during a 50-step job with 10
// subscribers (4 WebSocket, 4 SSE, 2 Socket.IO: one polling then upgraded, one websocket
// only, following the job with job:subscribe): every client gets every event exactly once, in
// order, and new clients are still answered. Then a wire taken away for 3 s mid-job: every client
// resumes on its own TCP connection, nothing missing.
// pace-ms: 80 (a 50-step job lasts 4 s, so that the faults meet it running)
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  SLOW, submit, openWs, collect, closeWs, openSse, assertFullSequence, canon, sleep, waitIdle,
  waitConnections, link, probe, baseline, backToBaseline, report, countDelivery,
  TARGET, isFinal,
} from './lib/faults.mjs';
import { io } from '../e2e/lib/sio.mjs';

const STEPS = 50;
const EVENTS = STEPS + 3;

// Opens 4 /ws and 4 SSE subscribers of job sid; returns their event lists when all are done.
async function subscribers(t, sid) {
  const ws = [];
  for (let i = 0; i < 4; i++) {
    const c = await openWs();
    t.after(() => closeWs(c));
    c.json({ type: 'subscribe', session_id: sid });
    ws.push(c);
  }
  const sse = [];
  for (let i = 0; i < 4; i++) {
    const s = openSse(`/api/jobs/${sid}/events`);
    t.after(() => s.close());
    sse.push(s);
  }
  const sio = [];
  for (const opts of [{}, { transports: ['websocket'] }]) sio.push(await sioSubscriber(t, sid, opts));
  return { ws, sse, sio };
}

// A Socket.IO client following job sid (job:event carries the /ws events); its list of
// events resolves when the final one has come. No reconnection: the session must hold.
async function sioSubscriber(t, sid, opts) {
  const s = io(TARGET, { reconnection: false, ...opts });
  t.after(() => s.disconnect());
  const events = [];
  const done = new Promise((resolve, reject) => {
    s.on('job:event', (e) => {
      if (e.session_id !== sid) return;
      events.push(e);
      if (isFinal(e)) resolve(events);
    });
    // Which transport and how far it got: a dead session has been seen here (ci11, ci14).
    s.on('disconnect', (why) => reject(new Error(`socket.io session lost: ${why} (${JSON.stringify(opts)}, transport ` +
      `${s.io.engine?.transport?.name}, ${events.length} events, last ${events.at(-1)?.type} ${events.at(-1)?.event_id})`)));
  });
  done.catch(() => {}); // awaited in finish(); a loss before then must not go unhandled
  await new Promise((res, rej) => { s.once('connected', res); s.once('connect_error', rej); });
  const ack = await s.timeout(60000 * SLOW).emitWithAck('job:subscribe', { session_id: sid });
  assert.equal(ack.ok, true, `job:subscribe: ${JSON.stringify(ack)}`);
  return { s, done };
}

async function finish({ ws, sse, sio = [] }, sid) {
  const lists = [];
  for (const c of ws) {
    lists.push((await collect(c, sid, 120000 * SLOW)).events);
    await closeWs(c);
  }
  for (const s of sse) {
    await s.done(120000 * SLOW);
    for (const e of s.events) assert.equal(e._sse_id, e.event_id, 'SSE id: is the event_id');
    lists.push(s.events);
  }
  for (const c of sio) {
    lists.push(await c.done);
    c.s.disconnect();
  }
  return lists;
}

function assertAll(lists) {
  for (const events of lists) assertFullSequence(events, STEPS);
  const ref = lists[0].map(canon);
  for (const events of lists) assert.deepEqual(events.map(canon), ref);
}

test('10 % loss, 100 +- 50 ms delay, reordering, both ways: 10 subscribers get every event once', async (t) => {
  await waitIdle();
  await waitConnections(0);
  const base = await baseline();
  link('set', 'loss', '10');
  link('set', 'delay', '100+50');
  link('set', 'fifo', '0');
  t.after(() => link('clear'));
  const t0 = performance.now();
  const sid = await submit({ num_inference_steps: STEPS, preview: false });
  const subs = await subscribers(t, sid);
  // New clients while the job runs and the link is bad, measured for the table of faults: an
  // exchange of ~6 segments loses one in about half the tries at 10 % loss each way, and
  // TCP's first retransmission is 1 s (the client's SYN) to 3 s (lwIP's SYN-ACK) later, so
  // the limit is 3 s and the pass mark that the device keeps serving (half of them).
  const during = await probe(10, { limitMs: 3000, gapMs: 50 });
  const lists = await finish(subs, sid);
  const duration = Math.round(performance.now() - t0);
  link('clear');
  assertAll(lists);
  const rec = await backToBaseline(base);
  report({
    fault: '10 % loss, 100 +- 50 ms delay, reordering (both ways)',
    load: '50-step job, 4 WS + 4 SSE + 2 Socket.IO subscribers', duration_ms: duration,
    events: countDelivery(lists, EVENTS), probe: { ...during, limit_ms: 3000 }, ...rec,
  });
  assert.ok(during.ok >= 5, `new clients answered within 3 s: ${during.ok} of ${during.tries}`);
});

test('the wire taken away for 3 s mid-job: every client resumes, nothing missing', async (t) => {
  await waitIdle();
  await waitConnections(0);
  const base = await baseline();
  const t0 = performance.now();
  const sid = await submit({ num_inference_steps: STEPS, preview: false });
  const subs = await subscribers(t, sid);
  // Cut once the first subscriber has seen a few steps live.
  const early = [];
  for (;;) {
    const m = await subs.ws[0].next(20000 * SLOW);
    if (m.session_id !== sid || m.event_id === undefined) continue;
    early.push(m);
    if (m.type === 'generation_progress' && m.step >= 3) break;
  }
  link('cut');
  await sleep(3000);
  link('restore');
  const rest = await collect(subs.ws[0], sid, 120000 * SLOW);
  await closeWs(subs.ws[0]);
  const first = [...early, ...rest.events];
  const others = await finish({ ws: subs.ws.slice(1), sse: subs.sse, sio: subs.sio }, sid);
  const lists = [first, ...others];
  const duration = Math.round(performance.now() - t0);
  assertAll(lists);
  const after = await probe(20);
  const rec = await backToBaseline(base);
  report({
    fault: 'wire taken away 3 s mid-job', load: '50-step job, 4 WS + 4 SSE + 2 Socket.IO subscribers',
    duration_ms: duration, events: countDelivery(lists, EVENTS), probe: { ...after, when: 'after' }, ...rec,
  });
  assert.ok(after.ok >= 19, `after the cut, new clients answered within 1 s: ${after.ok} of 20`);
});
