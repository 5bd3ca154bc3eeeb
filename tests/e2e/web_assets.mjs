// Static files from flash: gzip when the client accepts it, the same bytes plain when it
// does not, ETag revalidation with 304; and the two small APIs the pages read
// (GET /api/jobs newest first, GET /api/vocabulary).
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import { TARGET, HOST, PORT, getJSON } from './target.mjs';

// node:http leaves the body as sent (fetch would decompress it behind our back).
function get(path, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port: PORT, path, method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PAGES = ['/', '/test/websocket', '/test/socketio', '/app.js', '/app.css', '/socketio.js', '/api/openapi.json'];

test('every asset: gzip when accepted, identical plain bytes otherwise, both with an ETag', async () => {
  for (const path of PAGES) {
    const gz = await get(path, { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(gz.status, 200, path);
    assert.equal(gz.headers['content-encoding'], 'gzip', `${path} compressed`);
    assert.equal(Number(gz.headers['content-length']), gz.body.length);
    assert.match(gz.headers.vary, /Accept-Encoding/i);
    assert.match(gz.headers['cache-control'], /no-cache/);
    assert.doesNotMatch(gz.headers['cache-control'], /no-store/);
    const plain = await get(path, {});
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined, `${path} plain without Accept-Encoding`);
    assert.ok(zlib.gunzipSync(gz.body).equals(plain.body), `${path}: gzip inflates to the plain bytes`);
    assert.equal(plain.headers['content-type'], gz.headers['content-type']);
    assert.match(gz.headers.etag, /^"[0-9a-f]+-gz"$/);
    assert.match(plain.headers.etag, /^"[0-9a-f]+"$/);
    assert.notEqual(gz.headers.etag, plain.headers.etag, 'one tag per representation');
    // gzip;q=0 is a refusal
    const refused = await get(path, { 'Accept-Encoding': 'gzip;q=0, *' });
    assert.equal(refused.headers['content-encoding'], undefined);
  }
  const page = await get('/', {});
  assert.match(page.headers['content-type'], /^text\/html; charset=utf-8/);
  assert.match(page.body.toString(), /<html lang="en">/);
  assert.match((await get('/app.js')).headers['content-type'], /javascript/);
});

test('If-None-Match with the current tag gets 304 with no body; another tag gets 200', async () => {
  const first = await get('/', { 'Accept-Encoding': 'gzip' });
  const tag = first.headers.etag;
  const again = await get('/', { 'Accept-Encoding': 'gzip', 'If-None-Match': tag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.etag, tag);
  assert.equal(again.headers['content-length'], undefined);
  // weak form, lists, and *
  assert.equal((await get('/', { 'Accept-Encoding': 'gzip', 'If-None-Match': `"x", W/${tag}` })).status, 304);
  assert.equal((await get('/', { 'Accept-Encoding': 'gzip', 'If-None-Match': '*' })).status, 304);
  // the gzip tag does not validate the plain representation
  assert.equal((await get('/', { 'If-None-Match': tag })).status, 200);
  assert.equal((await get('/', { 'Accept-Encoding': 'gzip', 'If-None-Match': '"0000"' })).status, 200);
});

test('HEAD of an asset is the head only; POST is 405 with Allow', async () => {
  const h = await get('/app.js', { 'Accept-Encoding': 'gzip' }, 'HEAD');
  assert.equal(h.status, 200);
  assert.equal(h.body.length, 0);
  assert.ok(Number(h.headers['content-length']) > 0);
  const p = await get('/', {}, 'POST');
  assert.equal(p.status, 405);
  assert.match(p.headers.allow, /GET/);
  assert.equal(JSON.parse(p.body).error.code, 'method_not_allowed');
});

test('GET /api/vocabulary lists the parser words by slot', async () => {
  const { status, body } = await getJSON('/api/vocabulary');
  assert.equal(status, 200);
  for (const w of ['red', 'navy']) assert.ok(body.colour.includes(w));
  for (const w of ['circle', 'star', 'ring']) assert.ok(body.shape.includes(w));
  assert.ok(body.size.includes('large') && body.position.includes('left'));
  assert.ok(body.background.includes('background'));
  assert.ok(!Object.values(body).flat().includes('the'), 'fillers are not offered');
});

test('GET /api/jobs lists the jobs the device holds, newest first', async () => {
  const ids = [];
  for (const prompt of ['a red circle', 'a blue square on the left']) {
    const r = await getJSON('/api/generate', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt, num_inference_steps: 2, preview: false }),
    });
    assert.equal(r.status, 202);
    ids.push(r.body.session_id);
  }
  let list;
  for (let i = 0; i < 100; i++) {
    list = (await getJSON('/api/jobs')).body;
    const mine = list.jobs.filter((j) => ids.includes(j.session_id));
    if (mine.length === 2 && mine.every((j) => j.status === 'complete')) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(typeof list.truncated, 'boolean');
  const order = list.jobs.map((j) => j.session_id);
  assert.ok(order.indexOf(ids[1]) >= 0 && order.indexOf(ids[1]) < order.indexOf(ids[0]), 'newest first');
  const j = list.jobs[order.indexOf(ids[1])];
  assert.equal(j.status, 'complete');
  assert.deepEqual(j.image_paths, [`/api/images/${ids[1]}/0.png`]);
  assert.equal(j.metadata.prompt, 'a blue square on the left');
  assert.equal(j.metadata.steps, 2);
  const stamps = list.jobs.map((x) => Date.parse(x.metadata.created_at));
  for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i - 1] >= stamps[i], 'created_at descends');
});

test('each page, HTML with its CSS and script, is under 24 KiB as stored (gzip)', async () => {
  const pages = { '/': ['/', '/app.css', '/app.js'], '/test/socketio': ['/test/socketio', '/app.css', '/socketio.js'] };
  for (const [page, files] of Object.entries(pages)) {
    let total = 0;
    for (const f of files) total += Number((await get(f, { 'Accept-Encoding': 'gzip' }, 'HEAD')).headers['content-length']);
    assert.ok(total > 1000 && total < 24 * 1024, `${page}: ${total} B stored`);
  }
});
