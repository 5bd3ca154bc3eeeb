// A device of the fleet killed mid-job (SIGKILL: no FIN, no RST, as a power cut): the
// followers of its jobs get generation_error device_lost within 5 s, REST answers 502 for
// them, new jobs from its clients succeed on the others, its MQTT last will arrives, and the
// fleet serves on with N-1. Runs last in the fleet tier: the device stays dead.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { EventSource } from 'eventsource';
import { TARGET } from '../target.mjs';
import { assertFullSequence } from '../lib/jobs.mjs';
import {
  N, CLIENTS, RUN, clientAddr, deviceOf, request, submitFrom, stickyDevice, follow, mqttSubscribe,
} from '../lib/fleet.mjs';

const addrs = Array.from({ length: CLIENTS }, (_, i) => clientAddr(i + 1));

test('a device killed mid-job: device_lost within 5 s, 502 over REST, new jobs elsewhere, last will, N-1 serve on', async (t) => {
  assert.ok(RUN, 'FLEET_RUN names the fleet (tests/run_fleet.sh)');
  assert.ok(N >= 2, 'a fleet of two devices at least');
  const a = addrs[0];
  const victim = await stickyDevice(a);
  const mqtt = mqttSubscribe(['edgeartist/+/status']);
  t.after(() => mqtt.close());
  const online = await mqtt.wait((m) => m.topic === `edgeartist/edge${victim}/status`, 5000);
  assert.equal(online.payload.status, 'online');

  // Four long jobs (100 steps x 4 images each) fill the victim's queue.
  const ids = [];
  for (let k = 0; k < 4; k++) ids.push(await submitFrom(a, { num_inference_steps: 100, num_images: 4, seed: k }));
  for (const id of ids) assert.equal(deviceOf(id), victim);

  let killedAt = 0;
  let kill;
  const killed = new Promise((r) => (kill = r));
  const onEvent = (m) => {
    if (!killedAt && m.session_id === ids[0] && m.type === 'generation_progress' && m.step >= 5) {
      const pid = Number(readFileSync(`${RUN}/edge${victim}.pid`, 'utf8'));
      writeFileSync(`${RUN}/edge${victim}.killed`, `${Date.now()}\n`); // run_fleet.sh expects it dead
      process.kill(pid, 'SIGKILL');
      killedAt = Date.now();
      kill();
    }
  };
  // An unmodified EventSource streaming a job when the device dies: nginx ends the silent
  // stream after its 20 s read timeout, EventSource reconnects, and nginx answers the event.
  const plain = new EventSource(`${TARGET}/api/jobs/${ids[3]}/events`);
  let plainHeard;
  const plainStreaming = new Promise((r) => (plainHeard = r));
  const plainLost = new Promise((resolve) => {
    plain.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'generation_queued') plainHeard(); // streaming from the device itself
      if (m.type === 'generation_error') { plain.close(); resolve({ m, t: Date.now() }); }
    };
  });
  t.after(() => plain.close());
  await Promise.race([plainStreaming, new Promise((_, rej) => setTimeout(() => rej(new Error('EventSource: no event in 5 s')), 5000))]);
  // Followers from the job's own address and from others, over both transports.
  const followers = [
    follow(a, ids[0], 'ws', { onEvent }),
    follow(addrs[1], ids[0], 'sse'),
    follow(a, ids[1], 'ws'),
    follow(addrs[2], ids[2], 'ws'),
    follow(a, ids[3], 'sse'),
  ];
  await killed;
  const outcomes = await Promise.all(followers);
  for (const [i, { events }] of outcomes.entries()) {
    const last = events[events.length - 1];
    assert.equal(last.type, 'generation_error', `follower ${i}: ${JSON.stringify(last).slice(0, 200)}`);
    assert.equal(last.code, 'device_lost', `follower ${i}`);
    const after = last._t - killedAt;
    assert.ok(after < 5000, `follower ${i}: device_lost ${after} ms after the kill`);
    t.diagnostic(`follower ${i}: device_lost ${after} ms after the kill`);
  }

  // REST for a lost job: a 502 in the API's error shape, at once (the device is marked down).
  const t0 = Date.now();
  const st = await request(addrs[3], 'GET', `/api/jobs/${ids[1]}`, undefined, 3000);
  assert.equal(st.status, 502);
  assert.equal(st.body.error.code, 'device_lost');
  const img = await request(addrs[3], 'GET', `/api/images/${ids[0]}/0.png`, undefined, 3000);
  assert.equal(img.status, 502);
  assert.ok(Date.now() - t0 < 2500, `REST answers took ${Date.now() - t0} ms`);

  // An unmodified EventSource on a lost job gets the same event, made by nginx.
  const es = new EventSource(`${TARGET}/api/jobs/${ids[2]}/events`);
  const esEvent = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('EventSource: nothing in 5 s')), 5000);
    es.onmessage = (e) => { clearTimeout(timer); resolve(JSON.parse(e.data)); };
  });
  es.close();
  assert.equal(esEvent.type, 'generation_error');
  assert.equal(esEvent.code, 'device_lost');
  assert.equal(esEvent.session_id, ids[2]);

  // New jobs from the victim's own client go to another device and complete.
  const t1 = Date.now();
  const fresh = await submitFrom(a, { num_inference_steps: 20 });
  const failover = Date.now() - t1;
  assert.notEqual(deviceOf(fresh), victim);
  assert.ok(failover < 3000, `a new job took ${failover} ms to be accepted`);
  t.diagnostic(`first new job from the lost device's client accepted in ${failover} ms`);
  assertFullSequence((await follow(a, fresh, 'ws')).events, 20);

  // The broker publishes the victim's last will after 1.5 x its 2 s keep-alive of silence,
  // at its own keep-alive check (measured 3.8-8.2 s): within 12 s of the kill.
  const will = await mqtt.wait((m) => m.topic === `edgeartist/edge${victim}/status` && m.payload.status === 'offline',
    Math.max(1, killedAt + 12000 - Date.now()));
  assert.equal(will.payload.fleet_index, victim);
  t.diagnostic(`last will ${will.t - killedAt} ms after the kill`);

  // The plain EventSource: device_lost within nginx's 20 s read timeout and a reconnect.
  const p = await Promise.race([plainLost, new Promise((r) => setTimeout(() => r(null), 30000))]);
  assert.ok(p, 'the plain EventSource got no generation_error in 30 s');
  assert.equal(p.m.code, 'device_lost');
  t.diagnostic(`plain EventSource: device_lost ${p.t - killedAt} ms after the kill`);

  // N-1 serve on: every address gets a job done, none on the victim.
  await Promise.all(addrs.map(async (x) => {
    const id = await submitFrom(x, { num_inference_steps: 10 });
    assert.notEqual(deviceOf(id), victim, x);
    assertFullSequence((await follow(x, id, x === addrs[1] ? 'sse' : 'ws')).events, 10);
    const h = await request(x, 'GET', '/api/health');
    assert.equal(h.status, 200);
  }));
});
