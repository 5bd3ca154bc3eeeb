// Server-Sent Events with node `eventsource` (the WHATWG EventSource): every event in order;
// the connection is cut in the middle of a job and the client's own reconnect, with
// Last-Event-ID, yields the rest with no gap and no duplicate; after the final event the
// stream ends and the reconnect gets 204, which makes EventSource stop (readyState CLOSED).
// The cut is made by a TCP relay in this process (on 127.0.0.1 inside the test's network
// namespace) that the test can sever, exactly like a dropped link.
// Run: EDGE_TARGET=http://192.168.7.2:80 node --test jobs_sse.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { EventSource } from 'eventsource';
import { TARGET, HOST, PORT, SLOW, submit, assertFullSequence, assertIds, canon, sleep, previewsShown } from './lib/jobs.mjs';

// A relay that records each request's head and can cut every connection it carries.
// With retryMs, it rewrites the server's `retry: 1000` so that the client comes back sooner
// (while the job still runs and the ring still holds the events it missed).
async function relay(retryMs) {
  const pairs = new Set();
  const heads = [];
  const server = net.createServer((down) => {
    const up = net.connect(PORT, HOST);
    const pair = { down, up };
    pairs.add(pair);
    let first = true;
    down.on('data', (d) => {
      if (first) heads.push(d.toString('latin1'));
      first = false;
      up.write(d);
    });
    up.on('data', (d) => {
      if (retryMs) d = Buffer.from(d.toString('latin1').replace(/^retry: \d+$/m, `retry: ${retryMs}`), 'latin1');
      down.write(d);
    });
    const end = () => { down.destroy(); up.destroy(); pairs.delete(pair); };
    down.on('close', end); up.on('close', end);
    down.on('error', end); up.on('error', end);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    heads,
    cut() { for (const p of pairs) { p.down.destroy(); p.up.destroy(); } },
    close() { this.cut(); server.close(); },
  };
}

// Follows one job with an EventSource until it closes by itself (after the 204).
function follow(url, onEvent) {
  const es = new EventSource(url);
  const events = [];
  let errors = 0, opens = 0;
  const closed = new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      // What the client was doing, so that a stall can be told from a lost event.
      const last = events.at(-1);
      const state = `readyState ${es.readyState}, ${opens} opens, ${errors} errors`;
      es.close();
      reject(new Error(`EventSource still open (${state}); ${events.length} events, last ${last?.type} id ${last?.event_id}`));
    }, 30000 * SLOW);
    es.onopen = () => opens++;
    es.onmessage = (e) => {
      const m = JSON.parse(e.data);
      assert.equal(e.lastEventId, String(m.event_id));
      events.push(m);
      onEvent?.(m, es);
    };
    es.onerror = () => {
      errors++;
      // CLOSED after the server said 204: EventSource will not reconnect any more.
      if (es.readyState === EventSource.CLOSED) { clearTimeout(t); resolve(); }
    };
  });
  return { es, events, closed, stats: () => ({ errors, opens }) };
}

test('EventSource: every event in order, then the stream ends and the client stops', async () => {
  const steps = 10;
  const sid = await submit({ num_inference_steps: steps, preview: false });
  const f = follow(`${TARGET}/api/jobs/${sid}/events`);
  await f.closed;
  assertFullSequence(f.events, steps);
  // The stream ended after the final event; the reconnect with Last-Event-ID got 204, so
  // there was one open only and the client is CLOSED.
  assert.equal(f.stats().opens, 1);
  assert.equal(f.es.readyState, EventSource.CLOSED);
});

test('the connection cut mid-job: the automatic reconnect resumes with no gap, no duplicate', async () => {
  // The server asks for retry: 1000, by which time this job has finished: the reconnect
  // replays the rest from the log.
  const steps = 50;
  const sid = await submit({ num_inference_steps: steps, preview: true });
  const r = await relay();
  let cutAt = 0;
  const f = follow(`${r.url}/api/jobs/${sid}/events`, (m) => {
    if (!cutAt && m.type === 'generation_progress' && m.step === 20) {
      cutAt = m.event_id;
      r.cut();
    }
  });
  try {
    await f.closed;
  } finally {
    r.close();
  }
  assert.ok(cutAt > 0, 'the cut happened');
  assertFullSequence(f.events, steps); // no gap, no duplicate
  // Requests: the first, the reconnect with Last-Event-ID (>= the cut), and the last one
  // after the final event (answered 204).
  const ids = r.heads.map((h) => (/^last-event-id: *(\d+)/im.exec(h) || [])[1]);
  assert.equal(ids[0], undefined, 'the first request has no Last-Event-ID');
  assert.ok(Number(ids[1]) >= cutAt, `reconnect Last-Event-ID ${ids[1]}, cut at ${cutAt}`);
  assert.equal(Number(ids.at(-1)), f.events.at(-1).event_id, 'the last reconnect names the final event');
});

test('cut mid-job and back while it still runs: replay, then live, no gap, no duplicate', async () => {
  const steps = 100;
  const sid = await submit({ num_inference_steps: steps, preview: true });
  const r = await relay(20);
  let cutAt = 0;
  const f = follow(`${r.url}/api/jobs/${sid}/events`, (m) => {
    if (!cutAt && m.type === 'generation_progress' && m.step === 20) {
      cutAt = m.event_id;
      r.cut();
    }
  });
  try {
    await f.closed;
  } finally {
    r.close();
  }
  assertFullSequence(f.events, steps);
  const ids = r.heads.map((h) => (/^last-event-id: *(\d+)/im.exec(h) || [])[1]);
  assert.ok(Number(ids[1]) >= cutAt);
  // The job was still running when the client came back: live progress (with previews)
  // arrived on the second connection.
  const later = f.events.filter((m) => m.event_id > Number(ids[1]) + 1 && m.type === 'generation_progress');
  const flags = later.map((m) => (m.preview ? 'P' : '.')).join('');
  // Replayed events carry no preview (the log keeps none) except the first; live ones do,
  // best effort (a step whose send window cannot take the whole event goes without one).
  assert.match(flags, /^\.*P/, flags);
  previewsShown(later.slice(later.findIndex((m) => m.preview)));
});

test('several cuts in a row, and a cut inside an event (a half-sent preview)', async () => {
  const steps = 30;
  const sid = await submit({ num_inference_steps: steps, num_images: 2, preview: true });
  const r = await relay(20);
  let cuts = 0;
  // Cut right after the head of an event arrives, so the next event is in flight.
  const f = follow(`${r.url}/api/jobs/${sid}/events`, (m) => {
    if (m.type === 'generation_progress' && m.step % 10 === 0 && cuts < 5) {
      cuts++;
      setImmediate(() => r.cut());
    }
  });
  try {
    await f.closed;
  } catch (e) {
    // The requests the relay saw, against the client's opens, tell a client that did not
    // come back from a device that did not answer.
    throw new Error(`${e.message}; ${cuts} cuts, the relay carried ${r.heads.length} requests`);
  } finally {
    r.close();
  }
  assert.ok(cuts >= 2, `cuts: ${cuts}`);
  assertFullSequence(f.events, steps, { images: 2 });
});

test('a second EventSource on the same finished job replays it all identically', async () => {
  const sid = await submit({ num_inference_steps: 4, preview: false });
  const a = follow(`${TARGET}/api/jobs/${sid}/events`);
  await a.closed;
  const b = follow(`${TARGET}/api/jobs/${sid}/events`);
  await b.closed;
  assert.deepEqual(b.events.map(canon), a.events.map(canon));
  await sleep(10);
});
