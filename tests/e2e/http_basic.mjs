// The foundation over the wire: ICMP, /api/health, the page, the connection table's limit.
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TARGET, HOST, PORT, getJSON, SLOW, PROXIED } from './target.mjs';
import { waitConnections, sleep } from './lib/jobs.mjs';

const run = promisify(execFile);

test('ICMP echo answers', { skip: process.env.EDGE_NO_ICMP === '1' }, async () => {
  const { stdout } = await run('ping', ['-c', '3', '-i', '0.2', '-W', '2', HOST]);
  assert.match(stdout, /3 received/);
});

test('/api/health is JSON with status, uptime, connections and pools', async () => {
  const { status, headers, body } = await getJSON('/api/health');
  assert.equal(status, 200);
  assert.match(headers.get('content-type'), /application\/json/);
  assert.equal(body.status, 'ok');
  assert.ok(Number.isInteger(body.uptime_ms) && body.uptime_ms >= 0);
  assert.ok(body.connections.active >= 1, 'this request is a connection');
  assert.ok(body.connections.max >= 1);
  for (const pool of ['lwip_heap', 'tcp_pcb', 'pbuf_pool']) {
    const p = body.memory[pool];
    assert.ok(p, `pool ${pool} reported`);
    assert.ok(p.peak >= p.used && p.size >= p.peak, `${pool}: used <= peak <= size`);
  }
});

test('uptime advances', async () => {
  const a = (await getJSON('/api/health')).body.uptime_ms;
  await new Promise((r) => setTimeout(r, 300));
  const b = (await getJSON('/api/health')).body.uptime_ms;
  // An emulated board's tick can fall behind the host's clock (QEMU under load): EDGE_SLOW
  // relaxes the bound there; on real time it is 250 of the 300 ms.
  assert.ok(b - a >= 250 / SLOW, `uptime went from ${a} to ${b}`);
});

test('GET / serves the page naming the device', async () => {
  const r = await fetch(TARGET + '/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.match(await r.text(), /edgeartist/);
});

test('HEAD /api/health sends the head only', async () => {
  const r = await fetch(TARGET + '/api/health', { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.equal(await r.text(), '');
});

// Open a raw connection and collect everything the server sends until it closes or
// the time runs out.
function openRaw() {
  return new Promise((resolve, reject) => {
    const s = net.connect(PORT, HOST);
    const c = { sock: s, data: '', closed: false };
    s.on('data', (d) => (c.data += d.toString()));
    s.on('close', () => (c.closed = true));
    s.on('error', () => {});
    s.once('connect', () => resolve(c));
    s.once('error', reject);
    s.setTimeout(20000 * SLOW, () => s.destroy());
  });
}

// A table full of WebSocket sessions: those are never given up for a newcomer (only
// connections that wait for their peer are, see the next test), so a connection past the
// limit gets the 503 and a close.
// Behind a proxy the client meets the proxy's connection table, not the device's.
test('connections past a table of live sessions are refused cleanly, and served again after', { skip: PROXIED && 'behind a proxy' }, async () => {
  // Start from an empty table: fetch() keeps its connection open for a while after the
  // earlier tests, and that would take a slot.
  const { connections } = await waitConnections(0, 10000 * SLOW);
  assert.equal(connections.active, 1, 'other connections left on the device');
  const max = connections.max;
  const sessions = [];
  for (let i = 0; i < max; i++) {
    const ws = new WebSocket(`${TARGET.replace(/^http/, 'ws')}/ws/test`);
    await new Promise((res, rej) => { ws.once('open', res); ws.once('error', () => rej(new Error(`session ${i} did not open`))); });
    sessions.push(ws);
  }
  try {
    // Three more: which of them the device refuses is the order in which their handshakes
    // complete there; each gets a 503 JSON and a close.
    const extra = [];
    for (let i = 0; i < 3; i++) extra.push(await openRaw());
    for (let waited = 0; waited < 10000 * SLOW && extra.some((c) => !c.closed); waited += 100) await sleep(100);
    for (const c of extra) {
      assert.ok(c.closed, 'an extra connection is closed by the device');
      assert.match(c.data, /^HTTP\/1\.1 503 /, 'refused with 503');
      assert.match(c.data, /Retry-After: \d+/i);
      assert.match(c.data, /"code":"unavailable"/);
    }
    // The sessions still work: the first and the last echo a message.
    for (const ws of [sessions[0], sessions.at(-1)]) {
      const echoed = new Promise((res) => ws.on('message', (m) => { if (JSON.parse(m.toString()).type === 'echo') res(); }));
      ws.send('{"still":"here"}');
      await echoed;
    }
  } finally {
    for (const ws of sessions) ws.close();
  }
  // Served again once they closed (their slots linger until the close handshakes end).
  let status = 0;
  for (let waited = 0; waited < 10000 * SLOW && status !== 200; waited += 200) {
    status = (await getJSON('/api/health')).status;
    if (status !== 200) await sleep(200);
  }
  assert.equal(status, 200, 'served again once they closed');
  await waitConnections(0, 10000 * SLOW);
});

// A table full of connections that only wait (connected and silent): a newcomer takes the
// slot of the one that has waited longest, so a new client is still served (issue 18).
test('with the table full of silent connections, a new client is served and the oldest is given up', { skip: PROXIED && 'behind a proxy' }, async () => {
  const { connections } = await waitConnections(0, 10000 * SLOW);
  const max = connections.max;
  const before = connections.evicted;
  const idle = [];
  for (let i = 0; i < max; i++) {
    idle.push(await openRaw());
    await sleep(5); // distinct ages
  }
  await sleep(100);
  const c = await openRaw();
  c.sock.write('GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  for (let waited = 0; waited < 5000 * SLOW && !/"status":"ok"/.test(c.data); waited += 50) await sleep(50);
  assert.match(c.data, /^HTTP\/1\.1 200 /, 'the newcomer is served');
  const h = JSON.parse(c.data.slice(c.data.indexOf('\r\n\r\n') + 4));
  assert.ok(h.connections.evicted >= before + 1, 'counted as evicted');
  assert.ok(idle[0].closed, 'the oldest silent connection was given up');
  assert.ok(!idle.at(-1).closed, 'the newest silent one is kept');
  for (const x of idle) x.sock.destroy();
  await waitConnections(0, 10000 * SLOW);
});
