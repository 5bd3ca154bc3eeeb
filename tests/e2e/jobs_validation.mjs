// Every validation error of POST /api/generate and of /ws generate, each naming its field
// with the error shape of docs/design.md; 415 / 400 / 413 for bodies; /ws protocol errors keep
// the connection open.
// Run: EDGE_TARGET=http://192.168.7.2:80 node --test jobs_validation.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { TARGET, HOST, PORT, PROMPT, generate, openWs, closeWs } from './lib/jobs.mjs';

const long = (n) => 'a'.repeat(n);
// [what, fields (merged over a valid request; undefined deletes), field named]
const CASES = [
  ['prompt missing', { prompt: undefined }, 'prompt'],
  ['prompt empty', { prompt: '' }, 'prompt'],
  ['prompt not a string', { prompt: 42 }, 'prompt'],
  ['prompt null', { prompt: null }, 'prompt'],
  ['prompt 256 bytes', { prompt: long(256) }, 'prompt'],
  ['prompt 255 bytes of 2-byte UTF-8 + 1', { prompt: 'é'.repeat(128) }, 'prompt'],
  ['num_inference_steps 0', { num_inference_steps: 0 }, 'num_inference_steps'],
  ['num_inference_steps 101', { num_inference_steps: 101 }, 'num_inference_steps'],
  ['num_inference_steps 2.5', { num_inference_steps: 2.5 }, 'num_inference_steps'],
  ['num_inference_steps "20"', { num_inference_steps: '20' }, 'num_inference_steps'],
  ['num_inference_steps -1', { num_inference_steps: -1 }, 'num_inference_steps'],
  ['guidance_scale 0.5', { guidance_scale: 0.5 }, 'guidance_scale'],
  ['guidance_scale 21', { guidance_scale: 21 }, 'guidance_scale'],
  ['guidance_scale "x"', { guidance_scale: 'x' }, 'guidance_scale'],
  ['seed -1', { seed: -1 }, 'seed'],
  ['seed 2^32', { seed: 2 ** 32 }, 'seed'],
  ['seed 1.5', { seed: 1.5 }, 'seed'],
  ['seed "1"', { seed: '1' }, 'seed'],
  ['num_images 0', { num_images: 0 }, 'num_images'],
  ['num_images 5', { num_images: 5 }, 'num_images'],
  ['negative_prompt 256 bytes', { negative_prompt: long(256) }, 'negative_prompt'],
  ['negative_prompt not a string', { negative_prompt: 3 }, 'negative_prompt'],
  ['preview "yes"', { preview: 'yes' }, 'preview'],
  ['preview 1', { preview: 1 }, 'preview'],
];
const VALID = { prompt: PROMPT, num_inference_steps: 1, preview: false };

function body(fields) {
  const o = { ...VALID, ...fields };
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

test('REST: each invalid field gets 400 invalid_argument naming it', async () => {
  for (const [what, fields, field] of CASES) {
    const r = await generate(JSON.stringify(body(fields)));
    assert.equal(r.status, 400, what);
    assert.equal(r.headers.get('content-type'), 'application/json', what);
    assert.equal(r.body.error.code, 'invalid_argument', what);
    assert.equal(r.body.error.field, field, what);
    assert.equal(typeof r.body.error.message, 'string', what);
    assert.ok(r.body.error.message.length > 0, what);
  }
});

test('REST: the limits themselves are accepted', async () => {
  for (const fields of [
    { prompt: long(255) },
    { prompt: 'é'.repeat(127) + 'a' }, // 255 bytes
    { num_inference_steps: 1 },
    { guidance_scale: 1 },
    { guidance_scale: 20 },
    { seed: 0 },
    { seed: 2 ** 32 - 1 },
    { seed: null },
    { num_images: 1 },
    { negative_prompt: long(255) },
    { negative_prompt: null },
    { preview: true },
  ]) {
    const r = await generate(JSON.stringify(body(fields)));
    if (r.status === 503) continue; // the queue is busy; the field was accepted to get here
    assert.equal(r.status, 202, JSON.stringify(fields).slice(0, 80) + ' ' + JSON.stringify(r.body));
    await fetch(`${TARGET}/api/jobs/${r.body.session_id}`, { method: 'DELETE' }).then((x) => x.text());
  }
});

test('REST: bodies: 415 not JSON, 400 invalid JSON or not an object, 413 too large', async () => {
  const post = (b, ct) =>
    fetch(`${TARGET}/api/generate`, { method: 'POST', headers: ct ? { 'Content-Type': ct } : {}, body: b }).then(
      async (r) => ({ status: r.status, body: await r.json() }),
    );
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', null]) {
    const r = await post(JSON.stringify(VALID), ct);
    assert.equal(r.status, 415, String(ct));
    assert.equal(typeof r.body.error.code, 'string');
  }
  assert.equal((await post(JSON.stringify(VALID), 'application/json; charset=utf-8')).status, 202);
  await fetch(`${TARGET}/api/health`).then((r) => r.text());
  for (const b of ['{', '{"prompt":}', '', 'null x', '{"prompt":"a"', `${JSON.stringify(VALID)} junk`, `${JSON.stringify(VALID)}{}`]) {
    const r = await post(b, 'application/json');
    assert.equal(r.status, 400, JSON.stringify(b));
    assert.equal(r.body.error.code, 'invalid_json', JSON.stringify(b) + ' ' + JSON.stringify(r.body));
  }
  for (const b of ['[]', '"x"', '42', 'null']) {
    const r = await post(b, 'application/json');
    assert.equal(r.status, 400, b);
    assert.ok(['bad_request', 'invalid_argument'].includes(r.body.error.code), b);
  }
  const big = JSON.stringify({ ...VALID, pad: long(4100) });
  const r = await post(big, 'application/json');
  assert.equal(r.status, 413);
});

test('REST: 413 is answered before the body is read', async () => {
  // A Content-Length over 4096 with no body following: the answer comes at once.
  const sock = net.connect(PORT, HOST);
  let got = '';
  sock.on('data', (d) => (got += d));
  await new Promise((r) => sock.once('connect', r));
  sock.write(`POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n`);
  for (let i = 0; i < 100 && !got.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 20));
  sock.destroy();
  assert.match(got, /^HTTP\/1\.1 413 /);
});

test('/ws generate: each invalid field gets an error naming it; the connection stays', async () => {
  const ws = await openWs();
  for (const [what, fields, field] of CASES) {
    ws.json({ type: 'generate', ...body(fields) });
    const m = await ws.next();
    assert.equal(m.type, 'error', what);
    assert.equal(m.code, 'invalid_argument', what);
    assert.equal(m.field, field, what);
    assert.equal(typeof m.message, 'string', what);
  }
  ws.json({ type: 'ping' });
  assert.equal((await ws.next()).type, 'pong');
  await closeWs(ws);
});

test('/ws protocol errors: answered by an error message, the connection stays open', async () => {
  const ws = await openWs();
  const cases = [
    ['malformed JSON', '{"type":', 'invalid_json', undefined],
    ['trailing garbage', '{"type":"ping"} x', 'invalid_json', undefined],
    ['not an object', '[1,2]', 'invalid_json', undefined],
    ['a string', '"ping"', 'invalid_json', undefined],
    ['missing type', '{}', 'invalid_message', 'type'],
    ['type not a string', '{"type":1}', 'invalid_message', 'type'],
    ['unknown type', '{"type":"dance"}', 'invalid_message', 'type'],
    ['subscribe without session_id', '{"type":"subscribe"}', 'invalid_argument', 'session_id'],
    ['subscribe, session_id a number', '{"type":"subscribe","session_id":5}', 'invalid_argument', 'session_id'],
    ['subscribe to an unknown session', `{"type":"subscribe","session_id":"${'f'.repeat(32)}"}`, 'not_found', 'session_id'],
    ['subscribe to a malformed session', '{"type":"subscribe","session_id":"xyz"}', 'not_found', 'session_id'],
    ['unsubscribe without session_id', '{"type":"unsubscribe"}', 'invalid_argument', 'session_id'],
    ['cancel without session_id', '{"type":"cancel"}', 'invalid_argument', 'session_id'],
    ['cancel an unknown session', `{"type":"cancel","session_id":"${'e'.repeat(32)}"}`, 'not_found', 'session_id'],
  ];
  for (const [what, text, code, field] of cases) {
    ws.send(text);
    const m = await ws.next();
    assert.equal(m.type, 'error', what);
    assert.equal(m.code, code, what);
    if (field) assert.equal(m.field, field, what);
    assert.equal(typeof m.message, 'string', what);
    ws.json({ type: 'ping' });
    assert.equal((await ws.next()).type, 'pong', `${what}: still answers`);
  }
  // A bad last_event_id names it.
  const r = await generate({ num_inference_steps: 1, preview: false });
  if (r.status === 202) {
    for (const v of [-1, 1.5, '"3"']) {
      ws.send(`{"type":"subscribe","session_id":"${r.body.session_id}","last_event_id":${v}}`);
      const m = await ws.next();
      assert.equal(m.type, 'error');
      assert.equal(m.field, 'last_event_id');
    }
  }
  // A binary message is not JSON text.
  ws.send(Buffer.from('{"type":"ping"}'), { binary: true });
  const b = await ws.next();
  assert.equal(b.type, 'error');
  ws.json({ type: 'ping' });
  assert.equal((await ws.next()).type, 'pong');
  await closeWs(ws);
});
