// HTTP/1.1 framing over the wire, spoken over raw TCP so that every byte is ours:
// each malformed request gets its status with a JSON error body; requests split into many
// TCP writes, pipelined, 100 on one keep-alive connection and 20 at once all work; unknown
// paths get a JSON 404, wrong methods a 405 with Allow; a request dribbled slower than the
// request timeout gets 408.
// Target: EDGE_TARGET=http://host:port (default http://127.0.0.1:8080), see target.mjs.
import test from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { HOST, PORT, SLOW } from './target.mjs';

// Limits from the firmware's own config, so that the tests follow it when it changes.
function configValue(name, fallback) {
  try {
    const text = readFileSync(new URL('../../app/config.h', import.meta.url), 'utf8');
    const m = text.match(new RegExp(`#define\\s+${name}\\s+(\\d+)`));
    return m ? Number(m[1]) : fallback;
  } catch {
    return fallback;
  }
}
const HEADER_MAX = configValue('HTTP_HEADER_MAX', 2048);
const TARGET_MAX = configValue('HTTP_TARGET_MAX', 256);
const BODY_MAX = configValue('HTTP_BODY_MAX', 4096);
const REQUEST_TIMEOUT_MS = configValue('HTTP_REQUEST_TIMEOUT_MS', 5000);

const HOSTHDR = `Host: ${HOST}:${PORT}\r\n`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A raw TCP connection that reads HTTP responses (always Content-Length framed here).
class Raw {
  static open() {
    return new Promise((resolve, reject) => {
      const sock = net.connect(PORT, HOST);
      const raw = new Raw(sock);
      sock.once('connect', () => resolve(raw));
      sock.once('error', reject);
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.error = null;
    this.wake = null;
    sock.setNoDelay(true); // one write, one segment: splits reach the device as written
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.poke();
    });
    sock.on('error', (e) => {
      this.error = e;
      this.poke();
    });
    sock.on('close', () => {
      this.closed = true;
      this.poke();
    });
  }

  poke() {
    const w = this.wake;
    this.wake = null;
    if (w) w();
  }

  // Resolves when more data arrives, the peer closes, or ms pass.
  wait(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  write(data) {
    if (this.closed || this.sock.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => this.sock.write(data, () => resolve(true)));
  }

  // The next complete response: { status, reason, headers (lower-case names), body }.
  async response(ms = 5000 * SLOW) {
    const deadline = Date.now() + ms;
    for (;;) {
      const r = this.take();
      if (r) return r;
      if (this.closed) {
        const got = this.buf.toString('latin1').slice(0, 200);
        throw new Error(`connection closed before a full response (got ${JSON.stringify(got)})` +
          (this.error ? `, ${this.error.code || this.error.message}` : ''));
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no response in time');
      await this.wait(left);
    }
  }

  take() {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const head = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(head[0]);
    assert.ok(m, `bad status line ${JSON.stringify(head[0])}`);
    const headers = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      assert.ok(i > 0, `bad header line ${JSON.stringify(line)}`);
      const name = line.slice(0, i).toLowerCase();
      assert.ok(!(name in headers), `header ${name} sent twice`);
      headers[name] = line.slice(i + 1).trim();
    }
    assert.match(headers['content-length'] ?? '', /^\d+$/, 'every response has Content-Length');
    const len = Number(headers['content-length']);
    if (this.buf.length < end + 4 + len) return null;
    const body = this.buf.subarray(end + 4, end + 4 + len).toString('utf8');
    this.buf = this.buf.subarray(end + 4 + len);
    return { status: Number(m[1]), reason: m[2], headers, body };
  }

  // True if the server closes the connection within ms.
  async closedWithin(ms) {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) await this.wait(deadline - Date.now());
    return this.closed;
  }

  destroy() {
    this.sock.destroy();
  }
}

function assertJSONError(res, status, code, what) {
  assert.equal(res.status, status, `${what}: status (body ${res.body})`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/, `${what}: Content-Type`);
  let j;
  assert.doesNotThrow(() => (j = JSON.parse(res.body)), `${what}: body is JSON: ${res.body}`);
  assert.equal(typeof j.error, 'object', `${what}: has "error"`);
  if (code) assert.equal(j.error.code, code, `${what}: error code`);
  assert.equal(typeof j.error.message, 'string', `${what}: has a message`);
  assert.ok(j.error.message.length > 0, `${what}: message is not empty`);
  return j;
}

function assertHealth(res, what) {
  assert.equal(res.status, 200, `${what}: status (body ${res.body})`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json\b/, `${what}: Content-Type`);
  const j = JSON.parse(res.body);
  assert.equal(j.status, 'ok', what);
  return j;
}

const health = (extra = '') => `GET /api/health HTTP/1.1\r\n${HOSTHDR}${extra}\r\n`;

// ---- malformed requests: [name, request bytes, status, code] ---------------------------

const bigHeader = `GET /api/health HTTP/1.1\r\n${HOSTHDR}Cookie: ${'c'.repeat(HEADER_MAX + 100)}\r\n\r\n`;
let manyHeaders = `GET /api/health HTTP/1.1\r\n${HOSTHDR}`;
for (let i = 0; manyHeaders.length <= HEADER_MAX + 50; i++) manyHeaders += `X-H${i}: v\r\n`;
manyHeaders += '\r\n';

const MALFORMED = [
  // request line
  ['request line with only a method', 'GET\r\n\r\n', 400, 'bad_request'],
  ['request line without a version', 'GET /api/health\r\n\r\n', 400, 'bad_request'],
  ['two spaces in the request line', `GET  /api/health HTTP/1.1\r\n${HOSTHDR}\r\n`, 400, 'bad_request'],
  ['target not starting with /', `GET api/health HTTP/1.1\r\n${HOSTHDR}\r\n`, 400, 'bad_request'],
  ['absolute-form target', `GET http://x/api/health HTTP/1.1\r\n${HOSTHDR}\r\n`, 400, 'bad_request'],
  ['* target for GET', `GET * HTTP/1.1\r\n${HOSTHDR}\r\n`, 400, 'bad_request'],
  ['control byte in the target', `GET /api/\x01 HTTP/1.1\r\n${HOSTHDR}\r\n`, 400, 'bad_request'],
  ['non-ASCII byte in the target', Buffer.concat([Buffer.from('GET /caf'), Buffer.from([0xc3, 0xa9]),
    Buffer.from(` HTTP/1.1\r\n${HOSTHDR}\r\n`)]), 400, 'bad_request'],
  ['lower-case protocol name', `GET /api/health http/1.1\r\n${HOSTHDR}\r\n`, 400, 'bad_request'],
  ['garbage version', `GET /api/health HTTP/1.1x\r\n${HOSTHDR}\r\n`, 400, 'bad_request'],
  ['bare CR in the request line', `GET /api/health HTTP/1.1\rHost: x\r\n\r\n`, 400, 'bad_request'],
  // headers
  ['header line without a colon', `GET /api/health HTTP/1.1\r\n${HOSTHDR}X-Broken\r\n\r\n`, 400, 'bad_request'],
  ['whitespace before the colon', `GET /api/health HTTP/1.1\r\nHost : x\r\n\r\n`, 400, 'bad_request'],
  ['invalid byte in a header name', `GET /api/health HTTP/1.1\r\n${HOSTHDR}X(y): 1\r\n\r\n`, 400, 'bad_request'],
  ['empty header name', `GET /api/health HTTP/1.1\r\n${HOSTHDR}: v\r\n\r\n`, 400, 'bad_request'],
  ['control byte in a header value', `GET /api/health HTTP/1.1\r\n${HOSTHDR}X-A: a\x00b\r\n\r\n`, 400, 'bad_request'],
  ['obs-fold continuation line (SP)', `GET /api/health HTTP/1.1\r\n${HOSTHDR}X-A: one\r\n two\r\n\r\n`, 400, 'bad_request'],
  ['obs-fold continuation line (HT)', `GET /api/health HTTP/1.1\r\n${HOSTHDR}X-A: one\r\n\ttwo\r\n\r\n`, 400, 'bad_request'],
  ['HTTP/1.1 without Host', 'GET /api/health HTTP/1.1\r\nAccept: */*\r\n\r\n', 400, 'bad_request'],
  ['two Host headers', `GET /api/health HTTP/1.1\r\n${HOSTHDR}${HOSTHDR}\r\n`, 400, 'bad_request'],
  // Content-Length and Transfer-Encoding
  ['conflicting Content-Length headers',
    `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`, 400, 'bad_request'],
  ['Content-Length list of different values',
    `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length: 5, 6\r\n\r\nhello!`, 400, 'bad_request'],
  ['non-numeric Content-Length', `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length: abc\r\n\r\n`, 400, 'bad_request'],
  ['negative Content-Length', `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length: -1\r\n\r\n`, 400, 'bad_request'],
  ['hex Content-Length', `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length: 0x10\r\n\r\n`, 400, 'bad_request'],
  ['empty Content-Length', `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length:\r\n\r\n`, 400, 'bad_request'],
  // The body is never sent: the answer must come from the header alone.
  ['Content-Length one over the body limit',
    `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length: ${BODY_MAX + 1}\r\n\r\n`, 413, 'payload_too_large'],
  ['Content-Length beyond 64 bits',
    `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length: 99999999999999999999999999\r\n\r\n`, 413, 'payload_too_large'],
  ['Transfer-Encoding: chunked',
    `POST /api/health HTTP/1.1\r\n${HOSTHDR}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, 501, 'not_implemented'],
  ['Transfer-Encoding with Content-Length',
    `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 501, 'not_implemented'],
  // sizes
  ['one header over the header limit', bigHeader, 431, 'headers_too_large'],
  ['many headers over the header limit', manyHeaders, 431, 'headers_too_large'],
  ['target one byte over its limit',
    `GET /${'a'.repeat(TARGET_MAX - 1)} HTTP/1.1\r\n${HOSTHDR}\r\n`, 414, 'uri_too_long'],
  // versions and methods
  ['HTTP/2.0', `GET /api/health HTTP/2.0\r\n${HOSTHDR}\r\n`, 505, 'http_version_not_supported'],
  ['HTTP/1.2', `GET /api/health HTTP/1.2\r\n${HOSTHDR}\r\n`, 505, 'http_version_not_supported'],
  ['HTTP/0.9', `GET /api/health HTTP/0.9\r\n${HOSTHDR}\r\n`, 505, 'http_version_not_supported'],
  ['unknown method', `BREW /api/health HTTP/1.1\r\n${HOSTHDR}\r\n`, 501, 'not_implemented'],
  ['lower-case method', `get /api/health HTTP/1.1\r\n${HOSTHDR}\r\n`, 501, 'not_implemented'],
];

for (const [name, req, status, code] of MALFORMED) {
  test(`malformed: ${name} → ${status}`, async () => {
    const c = await Raw.open();
    try {
      await c.write(req);
      const res = await c.response();
      const j = assertJSONError(res, status, code, name);
      if (status === 501 && /Transfer-Encoding/.test(name))
        assert.match(j.error.message, /Transfer-Encoding|chunked/i, 'the error says why');
      // The framing of anything after a bad request is unknown: the server must close.
      assert.equal(res.headers.connection?.toLowerCase(), 'close', `${name}: Connection: close`);
      assert.ok(await c.closedWithin(3000 * SLOW), `${name}: connection closed after the error`);
    } finally {
      c.destroy();
    }
  });
}

test('413 comes before the body: the client need not send it', async () => {
  const c = await Raw.open();
  try {
    await c.write(`POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Type: application/json\r\n` +
      `Content-Length: ${BODY_MAX * 16}\r\n\r\n{"prompt":"`);
    assertJSONError(await c.response(), 413, 'payload_too_large', 'large body');
  } finally {
    c.destroy();
  }
});

// ---- valid framing ----------------------------------------------------------------------

test('a request split into one TCP write per byte is answered', async () => {
  const c = await Raw.open();
  try {
    const req = Buffer.from(health('Accept: application/json\r\nConnection: close\r\n'));
    for (let i = 0; i < req.length; i++) {
      await c.write(req.subarray(i, i + 1));
      await sleep(2); // let each byte leave as its own segment
    }
    assertHealth(await c.response(), 'byte by byte');
  } finally {
    c.destroy();
  }
});

test('requests split at varying points, with a body, on one connection', async () => {
  const c = await Raw.open();
  try {
    // a POST with a body (405 here, but its body must be consumed for the next to parse)
    const post = `POST /api/health HTTP/1.1\r\n${HOSTHDR}Content-Type: application/json\r\n` +
      'Content-Length: 27\r\n\r\n{"prompt":"a red circle"}\r\n';
    const reqs = [health(), post, health(), post, health()];
    const all = Buffer.from(reqs.join(''));
    for (let i = 0, k = 1; i < all.length; k = (k * 7 + 3) % 23 + 1) {
      await c.write(all.subarray(i, i + k));
      i += k;
      await sleep(1);
    }
    for (let i = 0; i < reqs.length; i++) {
      const res = await c.response();
      if (i % 2) assertJSONError(res, 405, 'method_not_allowed', `POST #${i}`);
      else assertHealth(res, `GET #${i}`);
    }
  } finally {
    c.destroy();
  }
});

test('pipelined requests in one write are answered in order', async () => {
  const c = await Raw.open();
  try {
    await c.write(health() + `GET /no/such/path HTTP/1.1\r\n${HOSTHDR}\r\n` + health() +
      `GET /api/health HTTP/1.0\r\n\r\n`);
    assertHealth(await c.response(), 'first');
    assertJSONError(await c.response(), 404, 'not_found', 'second');
    assertHealth(await c.response(), 'third');
    const last = await c.response();
    assertHealth(last, 'HTTP/1.0 last');
    assert.equal(last.headers.connection?.toLowerCase(), 'close', 'HTTP/1.0 closes by default');
    assert.ok(await c.closedWithin(3000 * SLOW), 'closed after the HTTP/1.0 request');
  } finally {
    c.destroy();
  }
});

test('100 keep-alive requests on one connection', async () => {
  const c = await Raw.open();
  try {
    for (let i = 0; i < 100; i++) {
      await c.write(health());
      const res = await c.response();
      assertHealth(res, `request ${i + 1}`);
      assert.equal(res.headers.connection?.toLowerCase(), 'keep-alive', `request ${i + 1}`);
      assert.ok(!c.closed, `still open after ${i + 1}`);
    }
  } finally {
    c.destroy();
  }
});

test('20 concurrent connections each get valid JSON from /api/health', async () => {
  const conns = await Promise.all(Array.from({ length: 20 }, () => Raw.open()));
  try {
    // every connection is open before any request goes out: they really are concurrent
    await Promise.all(conns.map((c) => c.write(health('Connection: close\r\n'))));
    const res = await Promise.all(conns.map((c) => c.response(10000 * SLOW)));
    res.forEach((r, i) => assertHealth(r, `connection ${i}`));
  } finally {
    conns.forEach((c) => c.destroy());
  }
});

test('an unknown path gets a JSON 404 and the connection stays usable', async () => {
  const c = await Raw.open();
  try {
    await c.write(`GET /no/such/path?x=1 HTTP/1.1\r\n${HOSTHDR}\r\n`);
    const res = await c.response();
    assertJSONError(res, 404, 'not_found', '404');
    assert.equal(res.headers['cache-control'], 'no-store');
    await c.write(health());
    assertHealth(await c.response(), 'after the 404');
  } finally {
    c.destroy();
  }
});

test('a wrong method on /api/health gets 405 with Allow', async () => {
  for (const method of ['POST', 'DELETE', 'PUT']) {
    const c = await Raw.open();
    try {
      await c.write(`${method} /api/health HTTP/1.1\r\n${HOSTHDR}Content-Length: 0\r\n\r\n`);
      const res = await c.response();
      assertJSONError(res, 405, 'method_not_allowed', method);
      assert.ok(res.headers.allow, `${method}: Allow header present`);
      const allowed = res.headers.allow.split(',').map((s) => s.trim());
      assert.ok(allowed.includes('GET'), `${method}: Allow lists GET (${res.headers.allow})`);
      assert.ok(!allowed.includes(method), `${method}: Allow does not list ${method}`);
    } finally {
      c.destroy();
    }
  }
});

test(`a request dribbled one byte per 100 ms gets 408 after ${REQUEST_TIMEOUT_MS} ms`,
  { timeout: (REQUEST_TIMEOUT_MS + 15000) * SLOW }, async () => {
    const c = await Raw.open();
    try {
      // long enough that it cannot complete before the timeout, even at 100 ms per byte
      const n = Math.ceil(REQUEST_TIMEOUT_MS / 100) + 100;
      const req = Buffer.from(`GET /api/health HTTP/1.1\r\n${HOSTHDR}X-Slow: ${'s'.repeat(n)}\r\n\r\n`);
      const t0 = Date.now();
      let res = null;
      for (let i = 0; i < req.length && !res && !c.closed; i++) {
        await c.write(req.subarray(i, i + 1));
        await c.wait(100);
        res = c.take();
      }
      if (!res) res = await c.response(5000 * SLOW);
      const elapsed = Date.now() - t0;
      assertJSONError(res, 408, 'request_timeout', 'slow request');
      assert.ok(elapsed >= REQUEST_TIMEOUT_MS - 200,
        `408 only after the timeout (${elapsed} ms < ${REQUEST_TIMEOUT_MS} ms)`);
      assert.ok(elapsed <= REQUEST_TIMEOUT_MS + 3000 * SLOW, `408 came late: ${elapsed} ms`);
      assert.ok(await c.closedWithin(3000 * SLOW), 'connection closed after 408');
    } finally {
      c.destroy();
    }
  });
