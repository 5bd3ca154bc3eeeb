// The foundation over the wire: ICMP, /api/health, the page, the connection table's limit.
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TARGET, HOST, PORT, getJSON, SLOW } from './target.mjs';
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

test('connections past the table size: the longest-waiting give way, and the table serves again after', async () => {
  // Start from an empty table: fetch() keeps its connection open for a while after the
  // earlier tests, and that would take a slot.
  const { connections } = await waitConnections(0, 10000 * SLOW);
  assert.equal(connections.active, 1, 'other connections left on the device');
  const max = connections.max;
  // Open three more than the table holds, all silent. A full table gives up the connection
  // that has waited longest for its peer (README, "How it holds up under load"), so the
  // three newcomers are served and three earlier silent ones are closed, with nothing sent.
  // Which ones is the order in which their handshakes complete on the device; behind a
  // forwarder (QEMU's user-mode network) that need not be the order they were opened in,
  // and a SYN lost in the burst is retried later.
  const all = [];
  for (let i = 0; i < max + 3; i++) all.push(await openRaw());
  const closed = () => all.filter((c) => c.closed);
  for (let waited = 0; waited < 10000 * SLOW && closed().length < 3; waited += 100) await sleep(100);
  await sleep(200); // a fourth closing would show by now
  assert.equal(closed().length, 3, `${closed().length} of ${max + 3} connections closed by the device`);
  for (const c of closed()) assert.equal(c.data, '', 'a connection given up has been sent nothing');
  const held = all.filter((c) => !c.closed);
  for (const c of held) assert.equal(c.data, '', 'a served connection has been sent nothing');
  // The held connections work, the newest included: the first and the last opened ask.
  const asking = [held[0], held.at(-1)];
  for (const c of asking) c.sock.write('GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await sleep(500 * SLOW);
  for (const c of asking) assert.match(c.data, /^HTTP\/1\.1 200 /);
  for (const c of held) c.sock.destroy();
  await sleep(500 * SLOW);
  const { status, body } = await getJSON('/api/health');
  assert.equal(status, 200, 'served again once they closed');
  assert.ok(body.connections.evicted >= 3, `evicted: ${body.connections.evicted}`);
});

test('with every slot streaming, the connection past the table is refused with 503', async () => {
  const { connections } = await waitConnections(0, 10000 * SLOW);
  const max = connections.max;
  // Streams are never given up for a newcomer: fill the table with WebSocket sessions.
  const ws = [];
  const upgrade = 'GET /ws/test HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  for (let i = 0; i < max; i++) {
    const c = await openRaw();
    c.sock.write(upgrade);
    ws.push(c);
  }
  for (let waited = 0; waited < 10000 * SLOW && ws.some((c) => !/^HTTP\/1\.1 101 /.test(c.data)); waited += 100) await sleep(100);
  for (const c of ws) assert.match(c.data, /^HTTP\/1\.1 101 /, 'every slot holds a WebSocket session');
  const extra = await openRaw();
  for (let waited = 0; waited < 10000 * SLOW && !extra.closed; waited += 100) await sleep(100);
  assert.match(extra.data, /^HTTP\/1\.1 503 /, 'refused with 503');
  assert.match(extra.data, /Retry-After: \d+/i);
  assert.match(extra.data, /"code":"unavailable"/);
  assert.equal(ws.filter((c) => c.closed).length, 0, 'no WebSocket session was given up');
  for (const c of ws) c.sock.destroy();
  await sleep(500 * SLOW);
  const { status } = await getJSON('/api/health');
  assert.equal(status, 200, 'served again once they closed');
});
