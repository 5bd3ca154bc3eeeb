// HTTPS and WSS on the device's TLS port, with real clients: curl --cacert, node fetch
// (NODE_EXTRA_CA_CERTS), node `ws` over wss, openssl s_client for what is refused, node's tls
// for resumption, and raw sockets for hostile or broken peers. After each abuse the device
// must serve plain and TLS clients, and its TLS heap must be back at its baseline.
// Run: EDGE_TARGET=http://192.168.7.2:80 EDGE_TLS_TARGET=https://192.168.7.2:443 \
//      EDGE_CA=build/certs/ca.crt NODE_EXTRA_CA_CERTS=build/certs/ca.crt node --test tls.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import { TARGET, SLOW, getJSON } from './target.mjs';

const TLS_TARGET = (process.env.EDGE_TLS_TARGET || TARGET.replace(/^http:/, 'https:').replace(/:\d+$/, ':443'))
  .replace(/\/$/, '');
const TU = new URL(TLS_TARGET);
const THOST = TU.hostname;
const TPORT = Number(TU.port || 443);
const CA_FILE = process.env.EDGE_CA || new URL('../../build/certs/ca.crt', import.meta.url).pathname;
const CA = readFileSync(CA_FILE);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function run(cmd, args, input, ms = 20000 * SLOW) {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { timeout: ms, maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }));
    p.stdin.on('error', () => {}); // the tool may exit before reading its input
    p.stdin.end(input ?? '');
  });
}

const health = async () => (await getJSON('/api/health')).body;

// Waits until no TLS session is left, then checks that the heap is where it started.
async function tlsSettled(what) {
  let h;
  for (let i = 0; i < 150 * SLOW; i++) {
    h = await health();
    if (h.tls.sessions === 0) break;
    await sleep(100);
  }
  assert.equal(h.tls.sessions, 0, `${what}: TLS sessions left over`);
  assert.equal(h.tls.heap.used, h.tls.heap.baseline, `${what}: TLS heap not back at its baseline`);
  return h;
}

// Both kinds of client are still served.
async function stillServing(what) {
  const plain = await getJSON('/api/health');
  assert.equal(plain.status, 200, `${what}: plain HTTP`);
  const r = await fetch(TLS_TARGET + '/api/health');
  assert.equal(r.status, 200, `${what}: HTTPS`);
  await r.json();
}

function tlsConnect(opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const s = tls.connect({ host: THOST, port: TPORT, ca: CA, servername: 'edgeartist', ...opts }, () => {
      resolve({ s, ms: Number(process.hrtime.bigint() - t0) / 1e6 });
    });
    s.once('error', reject);
  });
}

// One request on an open TLS socket, read to the end (Connection: close).
function request(s) {
  s.write('GET /api/health HTTP/1.1\r\nHost: edgeartist\r\nConnection: close\r\n\r\n');
  let text = '';
  return new Promise((r) => {
    s.on('data', (d) => (text += d));
    s.on('end', () => r(text));
    s.on('close', () => r(text));
  }).then((t) => {
    assert.match(t, /^HTTP\/1\.1 200/);
    return t;
  });
}

// A real ClientHello, as node's TLS client writes it: captured on a local listener.
function captureClientHello() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((sock) => {
      sock.once('data', (d) => {
        resolve(d);
        sock.destroy();
        srv.close();
      });
    });
    srv.listen(0, '127.0.0.1', () => {
      const c = tls.connect({ host: '127.0.0.1', port: srv.address().port, rejectUnauthorized: false });
      c.on('error', () => {});
    });
    srv.on('error', reject);
  });
}

// Opens a raw TCP connection to the TLS port; resolves with how it ended.
function rawSession(chunks, { endAfter = true, waitMs = 5000 * SLOW } = {}) {
  return new Promise((resolve) => {
    const s = net.connect(TPORT, THOST);
    let got = 0;
    let done = false;
    const finish = (how) => {
      if (done) return;
      done = true;
      s.destroy();
      resolve({ how, got });
    };
    s.on('data', (d) => (got += d.length));
    s.on('end', () => finish('closed'));
    s.on('error', () => finish('reset'));
    s.on('connect', async () => {
      for (const c of chunks) s.write(c);
      if (endAfter) s.end();
    });
    setTimeout(() => finish('open'), waitMs);
  });
}

test('curl --cacert: HTTPS GET /api/health, certificate verified', async () => {
  const r = await run('curl', ['-sS', '--max-time', '20', '--cacert', CA_FILE, '-w', '\\n%{http_code} %{ssl_verify_result}',
    `${TLS_TARGET}/api/health`]);
  assert.equal(r.code, 0, `curl failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.at(-1), '200 0');
  const body = JSON.parse(lines.slice(0, -1).join('\n'));
  assert.equal(body.status, 'ok');
  assert.equal(body.tls.enabled, true);
});

test('node fetch over HTTPS (NODE_EXTRA_CA_CERTS): the page, the API, and a JSON error', async () => {
  assert.ok(process.env.NODE_EXTRA_CA_CERTS, 'NODE_EXTRA_CA_CERTS must name the CA');
  const page = await fetch(TLS_TARGET + '/');
  assert.equal(page.status, 200);
  assert.match(await page.text(), /edgeartist/i);
  const missing = await fetch(TLS_TARGET + '/api/nothing-here');
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, 'not_found');
  const big = await fetch(TLS_TARGET + '/api/health', { headers: { 'x-pad': 'a'.repeat(1500) } });
  assert.equal(big.status, 200);
});

test('node ws over wss: echo of text and of binary up to 64 KiB', async () => {
  const ws = new WebSocket(`wss://${TU.host}/ws/test`, { ca: CA, perMessageDeflate: false, maxPayload: 1 << 24 });
  const msgs = [];
  let wake;
  ws.on('message', (d, bin) => { msgs.push({ d, bin }); wake?.(); });
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const next = async () => {
    for (let i = 0; i < 200 * SLOW && msgs.length === 0; i++) await new Promise((r) => { wake = r; setTimeout(r, 100); });
    assert.ok(msgs.length > 0, 'no message');
    return msgs.shift();
  };
  const hello = JSON.parse((await next()).d.toString());
  assert.equal(hello.type, 'connected');
  ws.send(JSON.stringify({ hello: 'over tls' }));
  const echo = JSON.parse((await next()).d.toString());
  assert.deepEqual(echo, { type: 'echo', data: { hello: 'over tls' } });
  for (const n of [0, 125, 126, 4096, 16384, 65536]) {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = (i * 7 + n) & 0xff;
    ws.send(b);
    const m = await next();
    assert.equal(m.bin, true);
    assert.equal(Buffer.compare(m.d, b), 0, `binary echo of ${n} B differs`);
  }
  ws.close(1000);
  await new Promise((r) => ws.once('close', r));
});

test('openssl s_client: TLS 1.0 and 1.1 refused; 1.2 and 1.3 with AEAD suites only', async () => {
  const sc = (args) => run('openssl', ['s_client', '-connect', `${THOST}:${TPORT}`, '-servername', 'edgeartist',
    '-CAfile', CA_FILE, ...args], 'Q\n');
  for (const v of ['-tls1', '-tls1_1']) {
    const r = await sc([v, '-cipher', 'ALL:@SECLEVEL=0']);
    assert.doesNotMatch(r.stdout, /Cipher is (?!\(NONE\))/, `${v} was accepted`);
  }
  const r12 = await sc(['-tls1_2']);
  assert.match(r12.stdout, /Protocol\s*: TLSv1\.2/);
  assert.match(r12.stdout, /Cipher is ECDHE-ECDSA-(AES128-GCM-SHA256|CHACHA20-POLY1305)/);
  assert.match(r12.stdout, /Verify return code: 0/);
  const r13 = await sc(['-tls1_3']);
  assert.match(r13.stdout, /TLSv1\.3/);
  assert.match(r13.stdout, /Cipher is TLS_(AES_128_GCM_SHA256|CHACHA20_POLY1305_SHA256)/);
  // Each CBC suite, and each suite with RSA key exchange, on its own: none may be chosen.
  const refused = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA256',
    'ECDHE-ECDSA-AES256-SHA384', 'AES128-SHA', 'AES256-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384',
    'AES128-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'DHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384'];
  for (const c of refused) {
    const r = await sc(['-tls1_2', '-cipher', c]);
    assert.doesNotMatch(r.stdout, /Cipher is (?!\(NONE\))/, `${c} was accepted`);
  }
  for (const c of ['TLS_AES_256_GCM_SHA384']) {
    const r = await sc(['-tls1_3', '-ciphersuites', c]);
    assert.doesNotMatch(r.stdout, /Cipher is (?!\(NONE\))/, `${c} was accepted`);
  }
  // Both key-exchange groups work on their own.
  for (const g of ['X25519', 'P-256']) {
    const r = await sc(['-tls1_3', '-groups', g]);
    assert.match(r.stdout, /Cipher is TLS_/, `group ${g} refused`);
  }
});

// n full handshakes, each followed by one resumed with its ticket, per version. Asserted: each
// resumption takes its ticket and the device counts them; reported: the device's own handshake
// work (the time its handshake steps took, from /api/health), less for a resumed session,
// which skips the certificate signature and, in 1.2, the key exchange, and what the client
// saw (median, connect to secure), which on a fast host is mostly network and scheduling noise.
for (const version of ['TLSv1.3', 'TLSv1.2']) {
  test(`${version}: a resumed session takes its ticket; device work reported`, async (t) => {
    const n = 8;
    const full = [];
    const resumed = [];
    const h0 = (await health()).tls;
    for (let i = 0; i < n; i++) {
      const a = await tlsConnect({ minVersion: version, maxVersion: version });
      let session = version === 'TLSv1.2' ? a.s.getSession() : undefined;
      a.s.on('session', (sess) => (session = sess));
      await request(a.s);
      assert.equal(a.s.isSessionReused(), false);
      full.push(a.ms);
      assert.ok(session, 'no session ticket received');
      const b = await tlsConnect({ minVersion: version, maxVersion: version, session });
      assert.equal(b.s.isSessionReused(), true, 'the ticket was not taken');
      resumed.push(b.ms);
      await request(b.s);
    }
    const h = (await tlsSettled('resumption')).tls;
    const nFull = h.completed - h.resumed - (h0.completed - h0.resumed);
    const nRes = h.resumed - h0.resumed;
    assert.equal(nRes, n, `device counted ${nRes} resumptions of ${n}`);
    assert.ok(nFull >= n, `device counted ${nFull} full handshakes`);
    const workFull = (h.full_work_us - h0.full_work_us) / nFull;
    const workRes = (h.resumed_work_us - h0.resumed_work_us) / nRes;
    const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    t.diagnostic(`${version}: device work per handshake, mean: full ${workFull.toFixed(0)} us, resumed ${workRes.toFixed(0)} us; ` +
      `least since boot: full ${h.full_work_min_us} us, resumed ${h.resumed_work_min_us} us; ` +
      `client median connect-to-secure: full ${med(full).toFixed(1)} ms, resumed ${med(resumed).toFixed(1)} ms`);
    // The times are reported, not asserted: a resumed TLS 1.3 handshake still does its ECDHE
    // and differs from a full one by the signature alone, which a shared machine's noise
    // can exceed (a clean-clone run saw least-since-boot 1693 us resumed, 1428 us full).
    // What is asserted is what a client relies on: every ticket was taken (above).
  });
}

test('50 TLS handshakes at once: each served or refused cleanly; heap back to its baseline', async (t) => {
  const before = await health();
  const tries = Array.from({ length: 50 }, () => fetch(TLS_TARGET + '/api/health', {
    signal: AbortSignal.timeout(30000 * SLOW),
  }).then(async (r) => (await r.json(), r.status)).catch((e) => `error: ${e.cause?.code || e.name}`));
  const results = await Promise.all(tries);
  const ok = results.filter((r) => r === 200).length;
  t.diagnostic(`50 at once: ${ok} served, the rest: ${[...new Set(results.filter((r) => r !== 200))].join(', ')}`);
  assert.ok(ok >= 4, `only ${ok} of 50 served`);
  const h = await tlsSettled('50 at once');
  assert.ok(h.tls.handshakes_peak <= h.tls.handshakes_max, 'more handshakes in flight than allowed');
  assert.ok(h.tls.sessions_peak <= h.tls.max);
  t.diagnostic(`TLS heap peak ${h.tls.heap.peak} of ${h.tls.heap.size} B; refused ${h.tls.refused - before.tls.refused}`);
  await stillServing('after 50 at once');
});

test('garbage after a ClientHello, and truncated records: closed, no crash', async () => {
  const hello = await captureClientHello();
  const junk = Buffer.alloc(3000);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 17) & 0xff;
  const a = await rawSession([hello, junk]);
  assert.notEqual(a.how, 'open', 'the device kept a connection that sent garbage');
  // A record header that promises 16 KB, then half of it, then FIN.
  const head = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00]);
  const b = await rawSession([head, junk]);
  assert.notEqual(b.how, 'open');
  // A ClientHello cut in the middle, then FIN.
  const c = await rawSession([hello.subarray(0, Math.floor(hello.length / 2))]);
  assert.notEqual(c.how, 'open');
  await tlsSettled('garbage and truncation');
  await stillServing('after garbage');
});

test('a client that stops mid-handshake is dropped after the handshake timeout', async () => {
  const before = await health();
  const hello = await captureClientHello();
  const r = await rawSession([hello], { endAfter: false, waitMs: 15000 * SLOW });
  assert.notEqual(r.how, 'open', 'still open 15 s after a ClientHello without an answer');
  const h = await tlsSettled('mid-handshake stop');
  assert.ok(h.tls.timeouts > before.tls.timeouts, 'no handshake timeout counted');
  await stillServing('after a stalled handshake');
});


test('every session held by a connection that never asks: a newcomer is served within seconds', async (t) => {
  // No session held by an earlier client (fetch keeps its connection alive for a while).
  const max = (await tlsSettled('before the unused connections')).tls.max;
  // max TLS connections that finish their handshake and then say nothing (a browser's
  // preconnect): each holds a session until HTTP_IDLE_TIMEOUT_TLS_MS (2 s) after its handshake.
  const idle = [];
  for (let i = 0; i < max; i++) idle.push((await tlsConnect()).s);
  const ended = idle.map((s) => new Promise((r) => { s.on('close', r); s.on('error', () => {}); }));
  const t0 = Date.now();
  const { s } = await tlsConnect(); // its ClientHello waits for a session
  await request(s);
  const ms = Date.now() - t0;
  t.diagnostic(`the newcomer was served after ${ms} ms`);
  // Without the rule it would wait for the 30 s idle timeout, and the 30 s wait limit drops it.
  assert.ok(ms < 6000 * SLOW, `the newcomer waited ${ms} ms for a session`);
  await Promise.race([Promise.all(ended), sleep(4000 * SLOW)]);
  for (const [i, x] of idle.entries())
    assert.ok(x.destroyed || x.readyState === 'closed', `the unused connection ${i} is still open`);
  await tlsSettled('unused connections');
  await stillServing('after unused connections');
});
