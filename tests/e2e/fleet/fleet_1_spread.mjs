// A fleet behind nginx (tests/run_fleet.sh, N devices): clients are sticky by address, jobs
// spread over every device, any job can be followed from any address by its id, and every
// device's telemetry reaches the broker.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { TARGET } from '../target.mjs';
import { assertFullSequence, assertPng } from '../lib/jobs.mjs';
import {
  N, CLIENTS, clientAddr, deviceOf, request, submitFrom, stickyDevice, follow, wsFrom, mqttSubscribe, sleep,
  wholeFleet, nginxUpstreamLog,
} from '../lib/fleet.mjs';

const addrs = Array.from({ length: CLIENTS }, (_, i) => clientAddr(i + 1));

test('sticky by client: each address reaches one device, and the addresses cover the fleet', async () => {
  const seen = await wholeFleet(addrs);
  const devices = new Set(seen.values());
  assert.equal(devices.size, N,
    `devices reached: ${[...seen].map(([a, d]) => `${a}->${d}`).join(' ')}\nnginx:\n${nginxUpstreamLog()}`);
  // The map's own probe is the first of three from each address.
  for (const [a, first] of seen)
    for (let i = 0; i < 2; i++) assert.equal(await stickyDevice(a), first, `${a} moved between devices`);
});

test('30 jobs from 6 addresses over /ws and SSE: spread over every device, every event to its client', async () => {
  assert.ok(CLIENTS >= 6, 'six client addresses');
  const steps = 20;
  const perClient = 5;
  const results = await Promise.all(
    addrs.slice(0, 6).map(async (a, ci) => {
      const out = [];
      for (let k = 0; k < perClient; k++) {
        const sid = await submitFrom(a, { num_inference_steps: steps, seed: ci * 100 + k, preview: k % 2 === 0 });
        // Half the clients follow over WebSocket, half over SSE.
        const { events } = await follow(a, sid, ci % 2 ? 'sse' : 'ws');
        out.push({ sid, events });
      }
      return out;
    }),
  );
  const perDevice = new Array(N).fill(0);
  for (const jobs of results) {
    for (const { sid, events } of jobs) {
      assertFullSequence(events, steps);
      perDevice[deviceOf(sid)]++;
    }
  }
  assert.equal(results.flat().length, 30);
  for (let d = 0; d < N; d++) assert.ok(perDevice[d] > 0, `device ${d} ran no job: ${perDevice}\nnginx:\n${nginxUpstreamLog()}`);
});

test('a job created through one address is followed, read and fetched from another', async () => {
  // Two addresses that nginx sends to different devices.
  const dev = new Map();
  for (const a of addrs) dev.set(a, await stickyDevice(a));
  const a = addrs[0];
  const b = addrs.find((x) => dev.get(x) !== dev.get(a));
  assert.ok(b, 'an address on another device');
  const sid = await submitFrom(a, { num_inference_steps: 30, num_images: 2 });
  assert.equal(deviceOf(sid), dev.get(a));
  // From b: over /ws (?sid= routes to the job's device) and over SSE, at the same time.
  const [ws, sse] = await Promise.all([follow(b, sid, 'ws'), follow(b, sid, 'sse')]);
  assertFullSequence(ws.events, 30, { images: 2 });
  assertFullSequence(sse.events, 30, { images: 2 });
  const st = await request(b, 'GET', `/api/jobs/${sid}`);
  assert.equal(st.status, 200);
  assert.equal(st.body.status, 'complete');
  for (const p of st.body.image_paths) {
    const img = await request(b, 'GET', p);
    assert.equal(img.status, 200, p);
    assertPng(img.body);
  }
  // Without the id, b's own /ws is its own device's: the job is not known there.
  const own = wsFrom(b);
  await new Promise((r) => own.once('open', r));
  own.send(JSON.stringify({ type: 'subscribe', session_id: sid }));
  const m = await new Promise((r) => own.once('message', (d) => r(JSON.parse(d.toString()))));
  own.terminate();
  assert.equal(m.type, 'error', JSON.stringify(m));
});

test('an id naming no device of the fleet is an ordinary 404, never a proxy error', async () => {
  const r = await request(addrs[1], 'GET', `/api/jobs/ff${'0'.repeat(30)}`);
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'not_found');
});

test('telemetry: every device online, its health, and a job\'s lifecycle under edgeartist/<device>/', async () => {
  const sub = mqttSubscribe(['edgeartist/#']);
  try {
    for (let d = 0; d < N; d++) {
      const on = await sub.wait((m) => m.topic === `edgeartist/edge${d}/status`, 5000);
      assert.equal(on.payload.status, 'online');
      assert.equal(on.payload.fleet_index, d);
      const h = await sub.wait((m) => m.topic === `edgeartist/edge${d}/health`, 5000);
      assert.equal(h.payload.fleet_index, d);
      assert.equal(typeof h.payload.jobs.completed, 'number');
    }
    await sleep(200); // the subscription is in place before the job
    const sid = await submitFrom(addrs[2], { num_inference_steps: 10 });
    const topic = `edgeartist/edge${deviceOf(sid)}/jobs/${sid}`;
    await sub.wait((m) => m.topic === topic && m.payload.type === 'generation_complete', 10000);
    const types = sub.messages.filter((m) => m.topic === topic).map((m) => m.payload.type);
    assert.deepEqual(types, ['generation_queued', 'generation_started', 'generation_complete']);
  } finally {
    sub.close();
  }
});

test('Engine.IO: the sid names its device, and ?sid= reaches it from any address (never "Session ID unknown")', async () => {
  const dev = new Map();
  for (const a of addrs) dev.set(a, await stickyDevice(a));
  const a = addrs[0];
  const b = addrs.find((x) => dev.get(x) !== dev.get(a));
  assert.ok(b, 'an address on another device');
  const poll = (from, method, q, body) =>
    new Promise((resolve, reject) => {
      const u = new URL(`${TARGET}/socket.io/?EIO=4&transport=polling${q}`);
      const req = http.request({ host: u.hostname, port: u.port || 80, path: u.pathname + u.search, method, localAddress: from, agent: false,
        headers: body ? { 'Content-Type': 'text/plain;charset=UTF-8', 'Content-Length': Buffer.byteLength(body) } : {} }, (res) => {
        let t = '';
        res.on('data', (d) => (t += d));
        res.on('end', () => resolve({ status: res.statusCode, text: t }));
      });
      req.setTimeout(10000, () => req.destroy(new Error('no answer')));
      req.on('error', reject);
      req.end(body);
    });
  // The handshake from a: the open packet's sid begins with a's device as two hex digits.
  const open = await poll(a, 'GET', '');
  assert.equal(open.status, 200, open.text);
  const sid = JSON.parse(open.text.slice(1)).sid;
  assert.equal(deviceOf(sid), dev.get(a), sid);
  // b, whose own requests go to another device, joins the session by its sid alone.
  const connect = await poll(b, 'POST', `&sid=${sid}`, '40');
  assert.equal(connect.status, 200, connect.text);
  assert.equal(connect.text, 'ok');
  const ack = await poll(b, 'GET', `&sid=${sid}`);
  assert.equal(ack.status, 200, ack.text);
  assert.match(ack.text, /^40\{"sid":/);
  // And a sid of a device that is not in the fleet falls to the client's own device: 400.
  const bad = await poll(b, 'GET', '&sid=ffAAAAAAAAAAAAAAAAAA');
  assert.equal(bad.status, 400);
  await poll(a, 'POST', `&sid=${sid}`, '1'); // close the session
});
