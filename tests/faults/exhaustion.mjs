// Availability under exhaustion: while the connection table is flooded (10x MAX_CONNS idle
// connections, a SYN flood, 200 slowloris connections, 1 MiB of garbage to every endpoint), a
// new client's GET /api/health is answered within 1 s in at least 19 of 20 tries, and after
// each fault every pool is back at its baseline.
// pace-ms: 20 (the job that keeps an SSE stream waiting lasts 8 s)
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  TARGET, HOST, PORT, SLOW, sleep, waitIdle, waitConnections, probe, baseline, backToBaseline, report,
  holdConnections, health, openWs, closeWs, openSse, submit, waitDone,
} from './lib/faults.mjs';

// holdMs: the fault lasts at least this long (the probes take ~3 s).
async function scenario(t, { fault, load, start, stop, holdMs = 0 }) {
  await waitIdle();
  await waitConnections(0);
  const base = await baseline();
  const t0 = performance.now();
  const f = await start();
  t.after(() => stop(f));
  await sleep(1000); // the fault in place
  const during = await probe(20);
  const h = await health().catch(() => null);
  while (performance.now() - t0 < holdMs) await sleep(50);
  stop(f);
  const duration = Math.round(performance.now() - t0);
  const rec = await backToBaseline(base);
  report({ fault, load, duration_ms: duration, probe: during, ...rec, during: h && { connections: h.connections } });
  assert.ok(during.ok >= 19, `${fault}: new clients answered within 1 s in ${during.ok} of 20 (p50 ${Math.round(during.p50)} ms)`);
}

test('10x MAX_CONNS idle connections: new clients are still answered', async (t) => {
  const max = (await health()).connections.max;
  await scenario(t, {
    fault: `${10 * max} idle connections (10x MAX_CONNS)`, load: 'connect, send nothing',
    start: () => holdConnections(10 * max),
    stop: (f) => f.close(),
  });
});

test('200 slowloris connections: new clients are still answered', async (t) => {
  await scenario(t, {
    fault: '200 slowloris connections', load: 'headers trickled 1 byte per 500 ms, each reopened 1 s after it is closed',
    start: () => {
      const st = { stopped: false, socks: new Set(), timers: new Set() };
      const open = () => {
        if (st.stopped) return;
        const s = net.connect(PORT, HOST);
        st.socks.add(s);
        const head = `GET /api/health HTTP/1.1\r\nHost: ${HOST}\r\nX-Slow: ` + 'a'.repeat(1000);
        let i = 0;
        const tick = setInterval(() => { if (s.writable) s.write(head[i++ % head.length]); }, 500);
        st.timers.add(tick);
        s.on('error', () => {});
        s.on('close', () => { clearInterval(tick); st.timers.delete(tick); st.socks.delete(s); setTimeout(open, 1000); });
      };
      for (let i = 0; i < 200; i++) open();
      return st;
    },
    stop: (st) => {
      st.stopped = true;
      for (const x of st.timers) clearInterval(x);
      for (const s of st.socks) s.destroy();
    },
  });
});

// 5000 forged SYNs/s: what the emulated wire carries (wirefilter passes ~10 k frames/s; with
// --flood the wire itself drops most frames, real clients' SYNs among them, whatever the
// device does). Before the SYN guard lwIP kept 32 half-open connections for 20 s each and
// dropped every other SYN: 2 of 20 new clients were answered.
const SYN_RATE = 5000;
test('a SYN flood (hping3, 5 s, random sources): new clients are still answered', async (t) => {
  await scenario(t, {
    fault: `SYN flood (hping3, ${SYN_RATE}/s, random sources, 5 s)`, load: 'forged SYNs to port 80', holdMs: 5000,
    start: () => {
      const gap = `u${Math.round(1e6 / SYN_RATE)}`;
      const p = spawn('hping3', ['-q', '-S', '-p', '80', '-i', gap, '--rand-source', HOST], { stdio: 'ignore' });
      return new Promise((res, rej) => {
        p.once('error', (e) => rej(new Error(`hping3 cannot run (make deps installs it): ${e.message}`)));
        p.once('spawn', () => res({ p, timer: setTimeout(() => p.kill('SIGINT'), 5000) }));
      });
    },
    stop: (f) => { clearTimeout(f.timer); if (f.p.exitCode === null) f.p.kill('SIGINT'); },
  });
});

test('1 MiB of garbage to every endpoint: new clients are still answered', async (t) => {
  const paths = ['/', '/api/health', '/api/generate', '/api/jobs/0123/events', '/api/jobs/0123',
    '/api/images/0123/0.png', '/api/warmup', '/ws', '/ws/test', '/test/websocket'];
  const heads = paths.flatMap((p) => [
    `POST ${p} HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n`,
    `GET ${p} HTTP/1.1\r\nHost: ${HOST}\r\nX-Junk: `,
  ]);
  // The WebSocket endpoints also get garbage after a real handshake, as frames.
  const ws = (p) => `GET ${p} HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  heads.push(ws('/ws'), ws('/ws/test'), ''); // '' : garbage from the first byte
  await scenario(t, {
    fault: '1 MiB of garbage to every endpoint', load: `${heads.length} connections, each a request head then 1 MiB random`,
    start: () => {
      const socks = heads.map((h) => {
        const s = net.connect(PORT, HOST);
        s.on('error', () => {});
        s.on('connect', () => { s.write(h); s.write(randomBytes(1 << 20)); });
        s.resume();
        return s;
      });
      return { socks };
    },
    stop: (f) => f.socks.forEach((s) => s.destroy()),
  });
});

test('streams and WebSocket sessions are never evicted for newcomers', async (t) => {
  await waitIdle();
  await waitConnections(0);
  const base = await baseline();
  const ws = await openWs(); // answers the device's pings (the ws library does)
  t.after(() => closeWs(ws));
  const sid = await submit({ num_inference_steps: 2, preview: false });
  await waitDone(sid);
  // An SSE stream that stays open: a job that is still queued behind a long one.
  const long = await submit({ num_inference_steps: 100, num_images: 4, preview: false });
  const queued = await submit({ num_inference_steps: 1, preview: false });
  const sse = openSse(`/api/jobs/${queued}/events`);
  t.after(() => sse.close());
  let wsClosed = false;
  ws.on('close', () => { wsClosed = true; });
  const max = (await health()).connections.max;
  const flood = holdConnections(10 * max);
  t.after(() => flood.close());
  await sleep(1000);
  const during = await probe(10);
  const h = await health();
  assert.equal(h.connections.peak, max, 'the table was full');
  assert.equal(wsClosed, false, 'the WebSocket session is still open');
  ws.json({ type: 'ping' });
  const pong = await ws.next(5000 * SLOW);
  assert.equal(pong.type, 'pong');
  assert.equal(sse.ended, false, 'the SSE stream is still open');
  flood.close();
  const done = await sse.done(120000 * SLOW);
  assert.equal(done.events.at(-1).type, 'generation_complete', 'the stream got its job to the end');
  await fetch(`${TARGET}/api/jobs/${long}`, { method: 'DELETE' }).catch(() => {});
  await closeWs(ws);
  await backToBaseline(base);
  assert.ok(during.ok >= 9, `new clients answered meanwhile: ${during.ok} of 10`);
});
