// The "AI Artist" guide's client code against the device (seeds/002): fetch POST
// /api/generate, a WebSocket to /ws with the browser-style API (onopen/onmessage, which
// node `ws` implements), {"type":"ping"}, {"type":"subscribe","session_id":…}; progress for
// every step and a generation_complete whose image_paths download as valid PNGs.
// Run: EDGE_TARGET=http://192.168.7.2:80 node --test jobs_ai_artist.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { TARGET, WS_TARGET, SLOW, assertPng } from './lib/jobs.mjs';

const STEPS = 8;

// The guide's code, with its host replaced by the target and its logging collected.
function guideClient() {
  const received = [];
  const ws = new WebSocket(`${WS_TARGET}/ws`);
  const opened = new Promise((resolve, reject) => {
    ws.onopen = () => {
      // Send ping to keep alive
      ws.send(JSON.stringify({ type: 'ping' }));
      resolve();
    };
    ws.onerror = (e) => reject(e.error || new Error('websocket error'));
  });
  let onDone;
  const done = new Promise((r) => (onDone = r));
  ws.onmessage = (event) => {
    const data = JSON.parse(event.data);
    received.push(data);
    if (data.type === 'generation_complete' || data.type === 'generation_error') onDone(data);
  };
  return { ws, opened, done, received };
}

test('the AI Artist guide: fetch + /ws subscribe, every step, PNGs', async () => {
  const { ws, opened, done, received } = guideClient();
  await opened;

  // POST to /api/generate
  const response = await fetch(`${TARGET}/api/generate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      prompt: 'A serene mountain landscape at sunset',
      negative_prompt: 'blurry, low quality',
      num_inference_steps: STEPS,
      guidance_scale: 7.5,
      num_images: 1,
    }),
  });
  assert.equal(response.status, 202);
  const { session_id } = await response.json();
  assert.match(session_id, /^[0-9a-f]{32}$/);

  // Subscribe to updates for this session
  ws.send(JSON.stringify({ type: 'subscribe', session_id: session_id }));

  const timer = setTimeout(() => ws.terminate(), 20000 * SLOW);
  const final = await done;
  clearTimeout(timer);
  ws.close();

  assert.ok(received.some((m) => m.type === 'pong'), 'the ping got a pong');
  const progress = received.filter((m) => m.type === 'generation_progress');
  assert.deepEqual(progress.map((m) => m.step), Array.from({ length: STEPS }, (_, i) => i + 1));
  for (const m of progress) {
    assert.equal(m.session_id, session_id);
    assert.equal(m.total_steps, STEPS);
    assert.equal(m.message, `Generating... ${Math.floor((m.step * 100) / STEPS)}%`);
  }
  assert.equal(final.type, 'generation_complete', JSON.stringify(final).slice(0, 200));
  assert.equal(final.session_id, session_id);
  assert.equal(final.image_paths.length, 1);
  assert.equal(final.metadata.prompt, 'A serene mountain landscape at sunset');
  assert.match(final.metadata.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);

  const dir = mkdtempSync(join(tmpdir(), 'edge-png-'));
  try {
    for (const p of final.image_paths) {
      const r = await fetch(TARGET + p);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-type'), 'image/png');
      const png = Buffer.from(await r.arrayBuffer());
      assertPng(png);
      // The data URL in the event is the same image.
      const inline = Buffer.from(final.images[0].replace(/^data:image\/png;base64,/, ''), 'base64');
      assert.ok(inline.equals(png), 'images[0] and image_paths[0] differ');
      if (existsSync('/usr/bin/pngcheck')) {
        const f = join(dir, 'img.png');
        writeFileSync(f, png);
        const out = execFileSync('/usr/bin/pngcheck', [f]).toString();
        assert.match(out, /^OK: .*\(32x32,/m, out);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the guide with a 2-image job: steps 1..2N, both PNGs', async () => {
  // num_images > 1: step counts run 1..2N and both paths download.
  const { ws, opened, done, received } = guideClient();
  await opened;
  const r = await fetch(`${TARGET}/api/generate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt: 'a green star', num_inference_steps: 3, num_images: 2, preview: false }),
  });
  const { session_id } = await r.json();
  ws.send(JSON.stringify({ type: 'subscribe', session_id }));
  const timer = setTimeout(() => ws.terminate(), 20000 * SLOW);
  const final = await done;
  clearTimeout(timer);
  ws.close();
  const steps = received.filter((m) => m.type === 'generation_progress').map((m) => m.step);
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6]);
  assert.equal(final.image_paths.length, 2);
  const bufs = [];
  for (const p of final.image_paths) {
    const res = await fetch(TARGET + p);
    assert.equal(res.status, 200);
    const b = Buffer.from(await res.arrayBuffer());
    assertPng(b);
    bufs.push(b);
  }
  assert.ok(!bufs[0].equals(bufs[1]), 'image n uses seed + n: the two differ');
});
