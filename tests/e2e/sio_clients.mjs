// Real clients against /socket.io/: node socket.io-client 4.8 with its default options
// (polling, then the upgrade), websocket only and polling only; the guide's example client
// (../shared/seeds/000) run as written with its DOM lines replaced by recording; every
// validation case of the guide; connection-state recovery with the drop in the middle of a
// job and before any event; malformed packets over the wire close only their own session.
// Run: EDGE_TARGET=http://127.0.0.1:8080 node --test sio_clients.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { TARGET, HOST, PORT, SLOW, getJSON } from './target.mjs';

const T = 30000 * SLOW;
const PROMPT = 'a large red circle on the left, blue background';

function once(sock, ev, ms = T) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${ev} within ${ms} ms`)), ms);
    sock.once(ev, (...a) => { clearTimeout(t); resolve(a); });
  });
}

// Connects and waits for the device's `connected` event; returns [socket, user_id].
async function connect(opts = {}) {
  const s = io(TARGET, { reconnection: false, ...opts });
  const [data] = await once(s, 'connected');
  assert.match(data.user_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  return [s, data.user_id];
}

// Records one job's device events until image_ready (or an error).
function record(s) {
  const got = { started: [], progress: [], ready: null, errors: [] };
  const done = new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      // What arrived and where the client stands: the events themselves are too long to show.
      const last = got.progress.at(-1);
      const e = s.io.engine;
      reject(new Error(`job not done in ${T} ms: started ${got.started.length}, progress ` +
        `${got.progress.length} (last step ${last?.step}, event ${last?.event_id}), ` +
        `errors ${JSON.stringify(got.errors).slice(0, 200)}; client connected ${s.connected}, ` +
        `transport ${e?.transport?.name} ${e?.readyState}`));
    }, T);
    s.on('generation_started', (d) => got.started.push(d));
    s.on('generation_progress', (d) => got.progress.push(d));
    s.on('image_ready', (d) => { got.ready = d; clearTimeout(t); resolve(got); });
    s.on('generation_error', (d) => { got.errors.push(d); clearTimeout(t); resolve(got); });
  });
  return done;
}

function checkJob(got, steps, session_id) {
  assert.deepEqual(got.errors, []);
  assert.equal(got.started.length, 1);
  assert.equal(got.started[0].session_id, session_id);
  assert.equal(got.started[0].total_steps, steps);
  assert.deepEqual(got.progress.map((p) => p.step), Array.from({ length: steps }, (_, i) => i + 1));
  for (const p of got.progress) {
    assert.equal(p.total_steps, steps);
    assert.match(p.message, /^Generating\.\.\. \d+%$/);
  }
  assert.ok(got.progress.some((p) => typeof p.preview === 'string' && p.preview.startsWith('data:image/png;base64,')));
  assert.equal(got.ready.session_id, session_id);
  assert.match(got.ready.image_data, /^data:image\/png;base64,iVBORw0KGgo/);
  assert.equal(typeof got.ready.generation_time, 'number');
  assert.deepEqual(got.ready.image_paths, [`/api/images/${session_id}/0.png`]);
}

for (const [name, opts] of [
  ['default options (polling, then upgrade)', {}],
  ['websocket only', { transports: ['websocket'] }],
  ['polling only', { transports: ['polling'] }],
]) {
  test(`socket.io-client 4.8, ${name}: connect, generate with and without an ack, every event`, { timeout: 3 * T }, async () => {
    const [s, uid] = await connect(opts);
    try {
      if (!opts.transports) {
        // The upgrade happens on its own once the first poll has returned.
        const deadline = Date.now() + 5000 * SLOW;
        while (s.io.engine.transport.name !== 'websocket' && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        assert.equal(s.io.engine.transport.name, 'websocket');
      } else {
        assert.equal(s.io.engine.transport.name, opts.transports[0]);
      }
      let rec = record(s);
      const ack = await s.timeout(T).emitWithAck('generate_image', { user_id: uid, prompt: PROMPT, num_inference_steps: 8, seed: 3 });
      assert.equal(ack.ok, true);
      assert.match(ack.session_id, /^[0-9a-f]{32}$/);
      checkJob(await rec, 8, ack.session_id);
      s.removeAllListeners();
      rec = record(s);
      s.emit('generate_image', { user_id: uid, prompt: 'a blue square', num_inference_steps: 5 });
      const got = await rec;
      checkJob(got, 5, got.started[0].session_id);
      const png = await fetch(TARGET + got.ready.image_paths[0]);
      assert.equal(png.status, 200);
    } finally {
      s.disconnect();
    }
  });
}

test("the guide's example client, as written", { timeout: 2 * T }, async () => {
  const lines = [];
  const console = { log: (...a) => lines.push(a.join(' ')), error: (...a) => lines.push('ERR ' + a.join(' ')) };
  const images = [];
  const document = { createElement: () => ({}), body: { appendChild: (img) => images.push(img.src) } };
  let socketRef;
  await new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error(`guide client did not finish: ${lines.join(' | ')}`)), T);
    // ---- from seeds/000, "Example Client Code"; the URL is the device ----
    const socket = io(TARGET);
    socketRef = socket;
    let userId = null;
    socket.on('connected', (data) => {
      userId = data.user_id;
      console.log('✅ Connected! User ID:', userId);
      generateImage('a beautiful sunset over mountains'); // "Use it:" once connected
    });
    socket.on('generation_started', (data) => { console.log('🎨 Generation started:', data.message); });
    socket.on('generation_progress', (data) => { console.log('⏳ Progress:', data.message); });
    socket.on('image_ready', (data) => {
      console.log('✅ Image ready!');
      const img = document.createElement('img');
      img.src = data.image_data;
      document.body.appendChild(img);
      resolve();
    });
    socket.on('generation_error', (data) => { console.error('❌ Error:', data.message); reject(new Error(data.message)); });
    function generateImage(prompt) {
      if (!userId) { console.error('❌ Not connected yet!'); return; }
      socket.emit('generate_image', { user_id: userId, prompt: prompt });
    }
  });
  socketRef.disconnect();
  assert.match(lines[0], /^✅ Connected! User ID: [0-9a-f-]{36}$/);
  assert.ok(lines.includes('🎨 Generation started: Generation started'), lines.join('\n'));
  assert.ok(lines.includes('⏳ Progress: Generating... 100%'), lines.join('\n'));
  assert.equal(lines.at(-1), '✅ Image ready!');
  assert.equal(images.length, 1);
  assert.match(images[0], /^data:image\/png;base64,/);
});

test("every validation case of the guide, with its message, as an event and as an ack", { timeout: 2 * T }, async () => {
  const [s, uid] = await connect({ transports: ['websocket'] });
  try {
    const cases = [
      [[], 'No data received in generate_image event'],
      [[null], 'No data received in generate_image event'],
      [['a beautiful sunset'], 'Invalid data format: expected an object with user_id and prompt'],
      [[{ user_id: uid }], 'Missing prompt'],
      [[{ prompt: 'a beautiful sunset' }], 'Missing user_id'],
      [[{ user_id: 'abb58184-0000-4000-8000-000000000000', prompt: 'a beautiful sunset' }],
        "User session ID: NOT FOUND (user_id is not this connection's)"],
    ];
    for (const [args, message] of cases) {
      const ev = once(s, 'generation_error');
      const ack = await s.timeout(T).emitWithAck('generate_image', ...args);
      const [err] = await ev;
      assert.equal(err.message, message);
      assert.equal(err.code, 'invalid_argument');
      assert.deepEqual(ack, { ok: false, error: message });
    }
    // A message larger than one WebSocket receive buffer (512 B) is put together whole.
    const long = await s.timeout(T).emitWithAck('generate_image', {
      user_id: uid, prompt: 'a large red circle on the left, blue background '.repeat(5).slice(0, 250),
      negative_prompt: 'a small green square on the right '.repeat(8).slice(0, 250), num_inference_steps: 2,
    });
    assert.equal(long.ok, true, JSON.stringify(long));
    const ev = once(s, 'generation_error');
    const ack = await s.timeout(T).emitWithAck('generate_image', { user_id: uid, prompt: 'x', num_inference_steps: 500 });
    assert.equal(ack.ok, false);
    assert.equal((await ev)[0].field, 'num_inference_steps');
  } finally {
    s.disconnect();
  }
});

test('job:subscribe, job:event and job:cancel (colon-named events)', { timeout: 2 * T }, async () => {
  const r = await getJSON('/api/generate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: PROMPT, num_inference_steps: 6 }) });
  assert.equal(r.status, 202);
  const id = r.body.session_id;
  const [s] = await connect({ transports: ['polling'] });
  try {
    const evs = [];
    const first = (e) => { evs.push(e); };
    const done = new Promise((resolve) => s.on('job:event', (e) => { first(e); if (e.type === 'generation_complete') resolve(); }));
    const ack = await s.timeout(T).emitWithAck('job:subscribe', { session_id: id });
    assert.deepEqual(ack, { ok: true, session_id: id });
    await done;
    assert.deepEqual(evs.map((e) => e.event_id), Array.from({ length: evs.length }, (_, i) => i + 1));
    assert.equal(evs[0].type, 'generation_queued');
    // Replay after a given event id.
    s.removeAllListeners('job:event');
    const again = [];
    const done2 = new Promise((resolve) => s.on('job:event', (e) => { again.push(e.event_id); if (e.type === 'generation_complete') resolve(); }));
    await s.timeout(T).emitWithAck('job:subscribe', { session_id: id, last_event_id: 3 });
    await done2;
    assert.deepEqual(again, evs.slice(3).map((e) => e.event_id));
    const c = await s.timeout(T).emitWithAck('job:cancel', { session_id: id });
    assert.equal(c.ok, false);
    assert.match(c.error, /finished/);
  } finally {
    s.disconnect();
  }
});

// Drops the TCP connection under a websocket socket.io-client, as a network failure would.
function dropTransport(s) {
  s.io.engine.transport.ws._socket.destroy();
}

for (const when of ['in the middle of the job', 'before any event was sent']) {
  test(`recovery: drop ${when}; socket.recovered and every progress event once`, { timeout: 3 * T }, async () => {
    const s = io(TARGET, { transports: ['websocket'], reconnectionDelay: 200, reconnectionDelayMax: 500 });
    const [{ user_id: uid }] = await once(s, 'connected');
    const sid = s.id;
    const progress = [];
    let dropped = false;
    const finished = new Promise((resolve, reject) => {
      s.on('image_ready', resolve);
      s.on('generation_error', (e) => reject(new Error(e.message)));
    });
    s.on('generation_progress', (p) => {
      progress.push(p.step);
      if (when.startsWith('in') && p.step === 7 && !dropped) { dropped = true; dropTransport(s); }
    });
    const reconnected = new Promise((resolve) => s.io.on('reconnect', resolve));
    s.emit('generate_image', { user_id: uid, prompt: PROMPT, num_inference_steps: 20 });
    if (when.startsWith('before')) {
      // The emit is on its way; the connection goes before anything comes back.
      await new Promise((r) => setImmediate(r));
      dropped = true;
      dropTransport(s);
    }
    await reconnected;
    await finished;
    try {
      assert.ok(dropped);
      assert.equal(s.recovered, true);
      assert.equal(s.id, sid);
      assert.deepEqual(progress, Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      s.disconnect();
    }
  });
}

// A raw Engine.IO polling session, for the malformed cases.
async function handshake() {
  const r = await fetch(`${TARGET}/socket.io/?EIO=4&transport=polling`);
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.equal(text[0], '0');
  return JSON.parse(text.slice(1)).sid;
}
const post = (sid, body) => fetch(`${TARGET}/socket.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body });
const get = (sid) => fetch(`${TARGET}/socket.io/?EIO=4&transport=polling&sid=${sid}`);

test('Engine.IO handshake, errors as the reference server sends them, CORS', { timeout: T }, async () => {
  const r = await fetch(`${TARGET}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'null' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), 'null');
  assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
  const open = JSON.parse((await r.text()).slice(1));
  assert.deepEqual(Object.keys(open).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
  assert.deepEqual(open.upgrades, ['websocket']);
  const pre = await fetch(`${TARGET}/socket.io/?EIO=4&transport=polling`, { method: 'OPTIONS', headers: { origin: 'http://example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://example.test');
  assert.match(pre.headers.get('access-control-allow-methods') || '', /POST/);
  for (const [q, method, code, message] of [
    ['EIO=4&transport=flash', 'GET', 0, 'Transport unknown'],
    ['EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA', 'GET', 1, 'Session ID unknown'],
    ['EIO=4&transport=polling', 'POST', 2, 'Bad handshake method'],
    ['EIO=3&transport=polling', 'GET', 5, 'Unsupported protocol version'],
  ]) {
    const e = await fetch(`${TARGET}/socket.io/?${q}`, { method, body: method === 'POST' ? '40' : undefined });
    assert.equal(e.status, 400, q);
    assert.deepEqual(await e.json(), { code, message });
  }
});

test('malformed packets over the wire close only their own session', { timeout: 2 * T }, async () => {
  const [good, uid] = await connect({ transports: ['polling'] });
  try {
    const cases = ['9', '', '40\x1e42{', '40\x1e42[1]', '4' + 'x'.repeat(3000), 'b' + 'AQID', '40\x1e451-["x"]\x1ebAQ\x1ebAQ'];
    for (const body of cases) {
      const sid = await handshake();
      const r = await post(sid, body);
      assert.equal(r.status, 400, JSON.stringify(body.slice(0, 20)));
      const g = await get(sid);
      assert.equal(g.status, 400);
      assert.deepEqual(await g.json(), { code: 1, message: 'Session ID unknown' });
    }
    // A huge body is refused by HTTP itself; the session is unharmed by it.
    const sid = await handshake();
    const big = await post(sid, '4' + 'y'.repeat(70000)).catch((e) => e);
    assert.ok(big instanceof Error || big.status === 413 || big.status === 400);
    // Interleaved transports: a second concurrent GET closes the session.
    const s2 = await handshake();
    await post(s2, '40');
    const first = get(s2); // answered with 40{...}
    await first;
    // Each answer carries the CORS of its own request, also the parked one answered later.
    const parked = fetch(`${TARGET}/socket.io/?EIO=4&transport=polling&sid=${s2}`, { headers: { origin: 'http://a.example' } });
    await new Promise((r) => setTimeout(r, 100));
    const second = await fetch(`${TARGET}/socket.io/?EIO=4&transport=polling&sid=${s2}`, { headers: { origin: 'http://b.example' } });
    assert.equal(second.status, 400);
    assert.equal(second.headers.get('access-control-allow-origin'), 'http://b.example');
    const p = await parked;
    assert.equal(p.headers.get('access-control-allow-origin'), 'http://a.example');
    assert.equal(await p.text(), '1');
    // Over websocket: a message over maxPayload, a binary frame, bad packets, a wrong sid.
    for (const bad of ['4' + 'z'.repeat(5000), Buffer.from([1, 2, 3]), '7', '42["a",{"b"', '42["x"]x']) {
      const ws = new WebSocket(`${TARGET.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
      const first = await new Promise((resolve, reject) => { ws.once('message', (m) => resolve(String(m))); ws.once('error', reject); });
      assert.equal(first[0], '0');
      ws.send('40');
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.send(bad);
      await closed;
    }
    // Interleaved transports: polling requests on a session that runs on websocket.
    {
      const ws = new WebSocket(`${TARGET.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
      const open = JSON.parse(String(await new Promise((resolve) => ws.once('message', resolve))).slice(1));
      for (const r of [await get(open.sid), await post(open.sid, '40')]) {
        assert.equal(r.status, 400);
        assert.deepEqual(await r.json(), { code: 3, message: 'Bad request' });
      }
      ws.send('40');
      const reply = String(await new Promise((resolve) => ws.once('message', resolve)));
      assert.match(reply, /^40\{"sid":/); // the session itself is unharmed
      ws.close();
    }
    const wrong = await new Promise((resolve) => {
      const ws = new WebSocket(`${TARGET.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA`);
      ws.once('unexpected-response', (req, res) => resolve(res.statusCode));
      ws.once('open', () => resolve(101));
      ws.once('error', () => {});
    });
    assert.equal(wrong, 400);
    // The good client still works.
    const rec = record(good);
    good.emit('generate_image', { user_id: uid, prompt: 'a green ring', num_inference_steps: 3 });
    const got = await rec;
    assert.deepEqual(got.progress.map((p) => p.step), [1, 2, 3]);
    const h = await getJSON('/api/health');
    assert.equal(h.status, 200);
    assert.ok(h.body.socketio.malformed >= cases.length, JSON.stringify(h.body.socketio));
  } finally {
    good.disconnect();
  }
});

test('the client library from the device: gzip and ETag', { timeout: T }, async () => {
  const r = await fetch(`${TARGET}/socket.io/socket.io.min.js`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-encoding'), 'gzip');
  assert.match(r.headers.get('content-type'), /javascript/);
  const etag = r.headers.get('etag');
  assert.ok(etag);
  const js = await r.text(); // fetch inflates
  assert.match(js, /Socket\.IO v4\.8/);
  const again = await fetch(`${TARGET}/socket.io/socket.io.min.js`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
});

test('a page opened from a file loads /socket.io/socket.io.min.js from the device in Chromium and connects', { timeout: 2 * T }, async () => {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const logs = [];
    page.on('console', (m) => logs.push(m.text()));
    // about:blank: the page's origin is opaque, so its requests carry Origin: null, as a
    // page opened from a file does.
    await page.setContent(`<script src="${TARGET}/socket.io/socket.io.min.js"></script>
      <script>
        window.result = new Promise((resolve) => {
          const socket = io(${JSON.stringify(TARGET)}, { transports: ['polling'] });
          socket.on('connected', (d) => {
            socket.emit('generate_image', { user_id: d.user_id, prompt: 'a yellow star', num_inference_steps: 3 }, (ack) => {
              socket.on('image_ready', (r) => resolve({ ack, img: r.image_data.slice(0, 22) }));
            });
          });
          socket.on('connect_error', (e) => resolve({ error: String(e) }));
        });
      </script>`);
    const r = await page.evaluate(() => window.result);
    assert.equal(r.error, undefined, JSON.stringify(logs));
    assert.equal(r.ack.ok, true);
    assert.equal(r.img, 'data:image/png;base64,');
  } finally {
    await browser.close();
  }
});
