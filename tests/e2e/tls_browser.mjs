// Chromium loads the device's page over HTTPS with the local CA trusted the way a user would
// trust it (an authority in the browser's NSS database, via Debian's certutil), and opens a
// WebSocket over wss from that page: a browser on an https page refuses ws://, so this is
// what HTTPS is for.
// Run: EDGE_TLS_TARGET=https://192.168.7.2:443 EDGE_CA=build/certs/ca.crt node --test tls_browser.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { TARGET, SLOW } from './target.mjs';

const TLS_TARGET = (process.env.EDGE_TLS_TARGET || TARGET.replace(/^http:/, 'https:').replace(/:\d+$/, ':443'))
  .replace(/\/$/, '');
const CA_FILE = process.env.EDGE_CA || new URL('../../build/certs/ca.crt', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

test('Chromium, CA trusted: the page over HTTPS, then wss from it', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'edge-chromium-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', `sql:${db}`, '-A', '-t', 'C,,', '-n', 'edgeartist local CA', '-i', CA_FILE]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu'],
    env: { ...process.env, HOME: home },
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const resp = await page.goto(TLS_TARGET + '/', { timeout: 30000 });
  assert.equal(resp.status(), 200);
  const sec = await resp.securityDetails();
  assert.match(sec?.protocol ?? '', /^TLS 1\.[23]$/);
  assert.match(sec.issuer ?? '', /edgeartist local CA/);
  assert.match(await page.content(), /edgeartist/i);
  const echoed = await page.evaluate(({ url, slow }) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'connected') ws.send(JSON.stringify({ from: 'chromium' }));
      else if (m.type === 'echo') { resolve(m.data); ws.close(); }
    };
    ws.onerror = () => reject(new Error('wss failed'));
    // With MAX_TLS 2 the page's own connections hold both sessions, and a connection Chromium
    // opened ahead of need can take the next free one: each is closed 2 s after its last
    // answer or its handshake (HTTP_IDLE_TIMEOUT_TLS_MS), so the wss waits a few seconds.
    setTimeout(() => reject(new Error(`no echo in ${15 * slow} s`)), 15000 * slow);
  }), { url: TLS_TARGET.replace(/^https/, 'wss') + '/ws/test', slow: SLOW });
  assert.deepEqual(echoed, { from: 'chromium' });
});
