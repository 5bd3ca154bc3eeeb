// docs/openapi.json against the code and the device: every route of app/api/router.c and
// every file of the Makefile's WEB_ASSETS is described, the device serves the same document,
// and its real answers (successes and errors) validate against the schemas it declares.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TARGET } from './target.mjs';
import { validate } from './lib/schema.mjs';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = JSON.parse(fs.readFileSync(path.join(top, 'docs/openapi.json'), 'utf8'));

// {HTTP_M_GET, 0, "/api/health", api_health}: method, prefix flag, path
function routerRoutes() {
  const src = fs.readFileSync(path.join(top, 'app/api/router.c'), 'utf8');
  const table = src.slice(src.indexOf('routes[] = {'), src.indexOf('};', src.indexOf('routes[] = {')));
  return [...table.matchAll(/\{HTTP_M_(\w+),\s*(\d),\s*"([^"]+)"/g)].map((m) => ({ method: m[1].toLowerCase(), prefix: m[2] === '1', path: m[3] }));
}

function assetPaths() {
  const mk = fs.readFileSync(path.join(top, 'Makefile'), 'utf8').replace(/\\\n/g, ' ');
  const lines = mk.split('\n').filter((l) => /^WEB_ASSETS\s*[:+]?=/.test(l));
  return lines.flatMap((l) => l.replace(/^WEB_ASSETS\s*[:+]?=/, '').trim().split(/\s+/)).map((a) => a.split('=')[0]);
}

// The doc's template paths as regular expressions: /api/jobs/{id} -> ^/api/jobs/[^/]+$
const templates = Object.keys(doc.paths).map((p) => ({ p, re: new RegExp('^' + p.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+') + '$') }));
function operation(method, url) {
  const u = new URL(url, 'http://x').pathname;
  const t = templates.find((x) => x.re.test(u));
  return t && doc.paths[t.p][method];
}

// Validate one real answer against the doc: its status is declared and its body fits.
async function check(method, url, init = {}) {
  const r = await fetch(TARGET + url, { method: method.toUpperCase(), ...init });
  const op = operation(method, url);
  assert.ok(op, `${method} ${url} is in the document`);
  const resp = op.responses[String(r.status)];
  assert.ok(resp, `${method} ${url}: status ${r.status} is declared (${Object.keys(op.responses)})`);
  const ct = (r.headers.get('content-type') || '').split(';')[0];
  const text = await r.text();
  if (!resp.content) {
    assert.equal(text, '', `${r.status} has no body`);
    return { status: r.status };
  }
  assert.ok(resp.content[ct], `${method} ${url} ${r.status}: content type ${ct} declared`);
  if (ct === 'application/json') {
    const body = JSON.parse(text);
    const errs = validate(resp.content[ct].schema, body, doc);
    assert.deepEqual(errs, [], `${method} ${url} ${r.status}: ${text.slice(0, 300)}`);
    return { status: r.status, body };
  }
  return { status: r.status, text };
}

const post = (body, ct = 'application/json') => ({ headers: { 'Content-Type': ct }, body: typeof body === 'string' ? body : JSON.stringify(body) });

test('every route of the router and every embedded file is in docs/openapi.json', () => {
  const routes = routerRoutes();
  assert.ok(routes.length >= 8, `found the route table (${routes.length} routes)`);
  for (const r of routes) {
    const hits = Object.keys(doc.paths).filter((p) => (r.prefix ? p.startsWith(r.path) : p === r.path) && doc.paths[p][r.method]);
    assert.ok(hits.length, `${r.method.toUpperCase()} ${r.path}${r.prefix ? '*' : ''} is described`);
  }
  const assets = assetPaths();
  assert.ok(assets.includes('/'), 'found WEB_ASSETS');
  for (const a of assets) assert.ok(doc.paths[a] && doc.paths[a].get, `asset ${a} is described`);
  assert.equal(doc.openapi, '3.1.0');
});

test('the device serves the same document at /api/openapi.json', async () => {
  const r = await fetch(TARGET + '/api/openapi.json');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), doc);
});

test('real answers validate against the document', async () => {
  await check('get', '/api/health');
  await check('get', '/api/vocabulary');
  const q = await check('post', '/api/generate', post({ prompt: 'a red star, black background', num_inference_steps: 3, seed: 5 }));
  assert.equal(q.status, 202);
  const id = q.body.session_id;
  let j;
  for (let i = 0; i < 200; i++) {
    j = await check('get', `/api/jobs/${id}`);
    if (j.body.status === 'complete') break;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.equal(j.body.status, 'complete');
  await check('get', '/api/jobs');
  assert.equal((await check('delete', `/api/jobs/${id}`)).status, 409);
  const img = await fetch(`${TARGET}/api/images/${id}/0.png`);
  assert.equal(img.status, 200);
  assert.equal(img.headers.get('content-type'), 'image/png');
  assert.ok(operation('get', `/api/images/${id}/0.png`).responses['200'].content['image/png']);
  await check('get', `/api/images/${id}/3.png`); // 404
  // a running job cancelled: 200
  const big = await check('post', '/api/generate', post({ prompt: 'a blue ring', num_inference_steps: 100 }));
  assert.equal((await check('delete', `/api/jobs/${big.body.session_id}`)).status, 200);
  await check('post', '/api/warmup');
  // errors: one shape, declared statuses
  assert.equal((await check('post', '/api/generate', post({ prompt: 'x', num_inference_steps: 500 }))).body.error.field, 'num_inference_steps');
  assert.equal((await check('post', '/api/generate', post('{'))).status, 400);
  assert.equal((await check('post', '/api/generate', post('{}', 'text/plain'))).status, 415);
  assert.equal((await check('get', '/api/jobs/00000000000000000000000000000000')).status, 404);
  // the events of a job, each SSE data line an Event
  const ev = await fetch(`${TARGET}/api/jobs/${id}/events`);
  assert.equal(ev.headers.get('content-type'), 'text/event-stream');
  const schema = operation('get', `/api/jobs/${id}/events`).responses['200'].content['text/event-stream']['x-event-schema'];
  const events = (await ev.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
  assert.ok(events.length >= 6, `${events.length} events`);
  for (const e of events) assert.deepEqual(validate(schema, e, doc), [], JSON.stringify(e).slice(0, 200));
  assert.equal((await check('get', `/api/jobs/${id}/events?after=${events.length}`)).status, 204);
  // a page: the declared content type
  const page = await fetch(TARGET + '/');
  assert.ok(operation('get', '/').responses['200'].content[page.headers.get('content-type').split(';')[0]]);
});

test('the validator refuses what the schemas do not allow', () => {
  const S = doc.components.schemas;
  assert.notDeepEqual(validate(S.Error, { error: { code: 1, message: 'm' } }, doc), []);
  assert.notDeepEqual(validate(S.Error, { error: { code: 'c' } }, doc), []);
  assert.notDeepEqual(validate(S.Queued, { session_id: 'XYZ', status: 'queued', position: 0, events: '' }, doc), []);
  assert.notDeepEqual(validate(S.Job, { session_id: 'a'.repeat(32), status: 'done', step: 0, total_steps: 1, last_event_id: 0, metadata: {} }, doc), []);
  assert.deepEqual(validate(S.Error, { error: { code: 'c', message: 'm' } }, doc), []);
  assert.throws(() => validate({ format: 'uri' }, 'x', doc), /not supported/);
});
