// The pages in a real browser: Debian's chromium, headless, driven by playwright-core,
// against EDGE_TARGET. run_e2e.sh runs this file against a device started with --pace-ms so
// that a job lasts long enough to be cut in the middle (a board or QEMU is slow by itself).
// Screenshots of every state go to build/artifacts/.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { TARGET, HOST, PORT, SLOW } from './target.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ART = path.resolve(here, '../../build/artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const T = (ms) => ms * SLOW;
const STEPS = 50; // a whole job (53 events) fits the device's ring of 64: any cut can be replayed

let ctx, userDir;
const figures = [];

before(async () => {
  // a missing browser is a failure, not a skip
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (scripts/deps.sh installs chromium)`);
  fs.mkdirSync(ART, { recursive: true });
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-chromium-'));
  ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1024, height: 900 },
  });
});

after(async () => {
  if (ctx) await ctx.close();
  if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
  for (const f of figures) console.log(`# figure: ${f}`);
});

// A page with its console errors and the origins it asked, for the checks every test makes.
async function open(url, opts = {}) {
  const page = await ctx.newPage();
  if (opts.viewport) await page.setViewportSize(opts.viewport);
  const errors = [], foreign = [];
  const host = new URL(url).host;
  const check = (u) => !u.startsWith('data:') && new URL(u).host !== host && foreign.push(u);
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => check(r.url()));
  page.on('websocket', (w) => check(w.url()));
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.documentElement.dataset.ready === '1', null, { timeout: T(10000) });
  const ready = await page.evaluate(() => window.edge.readyMs);
  return { page, errors, foreign, t0, ready };
}

const shot = (page, name) => page.screenshot({ path: path.join(ART, `${name}.png`), fullPage: true });

async function waitDone(page, timeout) {
  await page.waitForFunction(() => {
    const s = window.edge.shown;
    return s.length && /generation_(complete|error)/.test(s[s.length - 1].type);
  }, null, { timeout, polling: 50 });
  return page.evaluate(() => window.edge.shown);
}

// Every progress step 1..total exactly once, in order, and event ids with no gap or repeat.
function assertEveryStepOnce(shown, total) {
  const steps = shown.filter((e) => e.type === 'generation_progress').map((e) => e.step);
  assert.deepEqual(steps, Array.from({ length: total }, (_, i) => i + 1), 'each step shown once, in order');
  const ids = shown.map((e) => e.id);
  for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1, `event ids consecutive at ${i}: ${ids}`);
  assert.equal(shown[shown.length - 1].type, 'generation_complete');
}

async function setForm(page, { prompt, steps, seed } = {}) {
  if (prompt !== undefined) await page.fill('#prompt', prompt);
  if (steps !== undefined) await page.fill('#num_inference_steps', String(steps));
  if (seed !== undefined) await page.fill('#seed', String(seed));
}

const socketIOServed = async () => (await fetch(TARGET + '/socket.io/socket.io.min.js')).status === 200;

test('each page loads with no console error and no request to another origin', async () => {
  const pages = ['/', '/test/websocket'];
  if (await socketIOServed()) pages.push('/test/socketio');
  for (const p of pages) {
    const { page, errors, foreign, t0, ready } = await open(TARGET + p);
    await page.waitForTimeout(300); // late requests (vocabulary, gallery) land too
    const sizes = await page.evaluate(() =>
      performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
        .filter((e) => /\.(js|css)$|\/$|\/test\/\w+$/.test(e.name))
        .map((e) => [e.name.replace(location.origin, ''), e.transferSize, e.encodedBodySize, e.decodedBodySize]));
    figures.push(`${p}: navigation to interactive ${ready.toFixed(0)} ms (goto start to ready ${Date.now() - t0} ms); ` +
      sizes.map(([n, tr, enc, dec]) => `${n} ${enc} B body (${dec} B plain), ${tr} B on the wire`).join(', '));
    assert.deepEqual(errors, [], `${p}: console errors`);
    assert.deepEqual(foreign, [], `${p}: requests to other origins`);
    assert.ok(await page.locator('h1').isVisible());
    assert.deepEqual(await lowContrast(page), [], `${p}: text below 4.5:1 contrast`);
    if (p !== '/test/socketio') {
      await page.waitForSelector('#vocab-list .chip', { state: 'attached', timeout: T(5000) });
      await page.waitForFunction(() => document.querySelector('#conn').dataset.state === 'connected', null, { timeout: T(5000) });
      await shot(page, `page${p === '/' ? '-index' : p.replace(/\//g, '-')}-idle`);
    }
    await page.close();
  }
});

test('every input has a label, and the page fits a phone', async () => {
  const { page } = await open(TARGET + '/', { viewport: { width: 375, height: 740 } });
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select')].filter((i) => !i.labels || !i.labels.length).map((i) => i.id));
  assert.deepEqual(unlabelled, []);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling on a 375 px screen (overflow ${overflow} px)`);
  // keyboard: the prompt is the first stop, Generate follows the form's fields
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'prompt');
  assert.equal(await page.getAttribute('#announce', 'aria-live'), 'polite');
  await shot(page, 'page-index-phone');
  await page.close();
});

// WCAG 2 contrast of every element that shows text, against the first opaque background
// behind it: at least 4.5:1 (the errors and the disabled buttons included).
async function lowContrast(page) {
  return page.evaluate(() => {
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bg = (e) => {
      for (; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || c[3] > 0) return c;
      }
      return [255, 255, 255];
    };
    const bad = [];
    for (const e of document.querySelectorAll('body *')) {
      const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || !e.getClientRects().length || getComputedStyle(e).visibility === 'hidden') continue;
      const a = lum(rgb(getComputedStyle(e).color)), b = lum(bg(e));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5) bad.push(`${e.tagName}#${e.id}.${e.className}: ${ratio.toFixed(2)}`);
    }
    return bad;
  });
}

test('Generate: every step once, the preview changes, the image decodes, the gallery gains the job', async () => {
  const { page, errors } = await open(TARGET + '/');
  await setForm(page, { prompt: 'a large red circle on the left, blue background, sparkly', steps: 20 });
  await page.focus('#generate');
  await page.keyboard.press('Enter'); // by keyboard
  await page.waitForFunction(() => window.edge.shown.some((e) => e.step >= 5), null, { timeout: T(20000), polling: 20 });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'cancel', 'focus moves to Cancel');
  await shot(page, 'page-index-midjob');
  const shown = await waitDone(page, T(60000));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'generate', 'and back to Generate');
  assertEveryStepOnce(shown, 20);
  const e = await page.evaluate(() => window.edge);
  assert.ok(e.previews >= 2, `the preview changed (${e.previews} different previews)`);
  figures.push(`Generate to first preview: ${e.firstPreviewMs.toFixed(0)} ms (20 steps)`);
  assert.equal(await page.inputValue('#num_inference_steps'), '20');
  assert.match(await page.textContent('#ignored'), /sparkly/, 'the ignored word is pointed out');
  assert.equal(await page.evaluate(() => document.querySelector('#bar').value), 100);
  const img = page.locator('#results img').first();
  await img.waitFor();
  const dims = await img.evaluate(async (i) => (await i.decode(), [i.naturalWidth, i.naturalHeight]));
  assert.deepEqual(dims, [32, 32], 'the final image decodes');
  assert.match(await page.getAttribute('#results a[download]', 'href'), /^\/api\/images\/[0-9a-f]{32}\/0\.png$/);
  await page.waitForSelector(`#gallery li[data-session="${e.job}"] img`, { timeout: T(5000) });
  assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#preview')).imageRendering), 'pixelated');
  await page.click('#vocab summary'); // the suggestions too
  assert.deepEqual(await lowContrast(page), [], 'text below 4.5:1 contrast when done');
  await shot(page, 'page-index-done');
  assert.deepEqual(errors, []);
  // the check itself sees grey on white
  await page.addStyleTag({ content: '.note { color: #aaa }' });
  assert.ok((await lowContrast(page)).some((b) => /note/.test(b)), 'the contrast check can fail');
  await page.close();
});

test('a bad field shows its error next to the field, and the page keeps working', async () => {
  const { page } = await open(TARGET + '/test/websocket');
  await setForm(page, { steps: 500 });
  await page.click('#generate');
  await page.waitForSelector('#err-num_inference_steps:not(:empty)');
  assert.match(await page.textContent('#err-num_inference_steps'), /10 to 100/);
  assert.equal(await page.getAttribute('#num_inference_steps', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'num_inference_steps');
  // the device's own check: 200 two-byte letters are 400 bytes, over its 255
  await setForm(page, { steps: 10, prompt: 'é'.repeat(200) });
  await page.click('#generate');
  await page.waitForSelector('#err-prompt:not(:empty)');
  assert.equal(await page.textContent('#err-num_inference_steps'), '');
  assert.equal(await page.textContent('#errors'), '', 'a field error is not repeated elsewhere');
  assert.deepEqual(await lowContrast(page), [], 'text below 4.5:1 contrast with an error shown');
  await shot(page, 'page-websocket-error');
  await setForm(page, { prompt: 'a green star' });
  await page.click('#generate');
  const shown = await waitDone(page, T(30000));
  assertEveryStepOnce(shown, 10);
  assert.equal(await page.textContent('#err-prompt'), '');
  await page.close();
});

test('the queue position shows while another job runs, then the page job runs', async () => {
  const other = await (await fetch(TARGET + '/api/generate', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    // Long enough to still run once the page is up on any target (QEMU runs 100 steps in
    // ~3.5 s, the paced TAP device in 8 s); it is cancelled once the position has shown.
    body: JSON.stringify({ prompt: 'a black dot', num_inference_steps: 100, preview: false }),
  })).json();
  const { page } = await open(TARGET + '/');
  await setForm(page, { prompt: 'a pink triangle', steps: 10 });
  await page.click('#generate');
  await page.waitForFunction(() => /job\(s\) ahead/.test(document.querySelector('#queue').textContent), null, { timeout: T(5000), polling: 10 });
  assert.match(await page.textContent('#queue'), /Waiting: 1 job\(s\) ahead/);
  assert.equal((await fetch(`${TARGET}/api/jobs/${other.session_id}`, { method: 'DELETE' })).status, 200);
  const shown = await waitDone(page, T(60000));
  assertEveryStepOnce(shown, 10);
  assert.equal((await (await fetch(`${TARGET}/api/jobs/${other.session_id}`)).json()).status, 'cancelled', 'the other job ended first');
  await page.close();
});

test('Cancel stops a running job', async () => {
  const { page } = await open(TARGET + '/');
  await setForm(page, { prompt: 'a cyan ring', steps: 100 });
  await page.click('#generate');
  await page.waitForFunction(() => window.edge.shown.some((e) => e.step >= 3), null, { timeout: T(20000), polling: 20 });
  await page.click('#cancel');
  const shown = await waitDone(page, T(10000));
  const last = shown[shown.length - 1];
  assert.equal(last.type, 'generation_error');
  const steps = shown.filter((x) => x.type === 'generation_progress').length;
  assert.ok(steps < 100, `stopped after ${steps} steps`);
  assert.equal(await page.textContent('#queue'), 'Cancelled.');
  const id = await page.evaluate(() => window.edge.job);
  const j = await (await fetch(`${TARGET}/api/jobs/${id}`)).json();
  assert.equal(j.status, 'cancelled');
  assert.ok(await page.isEnabled('#generate'));
  await page.close();
});

test('diagnostics: health, a measured echo round trip, warm-up timings', async () => {
  const { page } = await open(TARGET + '/');
  await page.click('#d-echo');
  await page.waitForSelector('#d-rtt', { timeout: T(10000) });
  const rtt = Number(await page.getAttribute('#d-rtt', 'data-ms'));
  assert.ok(rtt > 0 && rtt < T(2000), `echo round trip ${rtt} ms`);
  figures.push(`/ws/test echo round trip in the page: ${rtt.toFixed(2)} ms median of 5`);
  await page.click('#d-health');
  await page.waitForSelector('#d-status');
  assert.equal(await page.textContent('#d-status'), 'ok');
  assert.match(await page.textContent('#diag-health'), /Pool tcp_pcb/);
  assert.ok(await page.isVisible('#d-rtt'), 'the echo result stays next to the health report');
  await page.click('#d-warm');
  await page.waitForSelector('#d-warm-status', { timeout: T(20000) });
  assert.equal(await page.textContent('#d-warm-status'), 'ok');
  await shot(page, 'page-index-diagnostics');
  await page.close();
});

// A TCP relay between the browser and the device that can cut every connection (RST) and
// refuse new ones for a while, the way a flaky Wi-Fi link does.
async function relay() {
  const socks = new Set();
  const handle = (c) => {
    const u = net.connect(PORT, HOST);
    socks.add(c).add(u);
    c.pipe(u);
    u.pipe(c);
    const end = () => {
      socks.delete(c);
      socks.delete(u);
      c.destroy();
      u.destroy();
    };
    for (const s of [c, u]) s.on('error', end).on('close', end);
  };
  let server = net.createServer(handle);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    async cut(ms) {
      await new Promise((r) => {
        server.close(r); // no listener: new connections are refused
        for (const s of socks) s.resetAndDestroy();
      });
      await new Promise((r) => setTimeout(r, ms));
      server = net.createServer(handle);
      await new Promise((r) => server.listen(port, '127.0.0.1', r));
    },
    close() {
      for (const s of socks) s.destroy();
      server.close();
    },
  };
}

for (const transport of ['ws', 'sse']) {
  test(`${transport}: a cut link mid-job (RST, 2 s refused): indicator, reconnect, every step once`, async () => {
    const r = await relay();
    try {
      const { page, foreign } = await open(r.url + '/');
      await page.selectOption('#transport', transport);
      await setForm(page, { prompt: 'a small white square at the bottom, black background', steps: STEPS });
      await page.waitForFunction(() => document.querySelector('#conn').dataset.state === 'connected', null, { timeout: T(5000) });
      await page.click('#generate');
      await page.waitForFunction(() => window.edge.shown.some((e) => e.step >= 5), null, { timeout: T(20000), polling: 10 });
      const before = await page.evaluate(() => window.edge.conn.length);
      await r.cut(2000);
      // the indicator noticed (it may have recovered by now: its history says)
      await page.waitForFunction((n) => window.edge.conn.slice(n).some((s) => s !== 'connected'), before, { timeout: T(5000) });
      await shot(page, `page-index-${transport}-reconnecting`);
      const shown = await waitDone(page, T(60000));
      assertEveryStepOnce(shown, STEPS);
      const hist = await page.evaluate(() => window.edge.conn);
      assert.ok(hist.slice(before).includes('reconnecting'), `indicator history ${hist}`);
      assert.equal(hist[hist.length - 1], 'connected', 'connected again at the end');
      assert.deepEqual(foreign, []);
      await page.close();
    } finally {
      r.close();
    }
  });
}

test('ws: the device closing the socket mid-job (1009, message too big): reconnect, every step once', async () => {
  const { page } = await open(TARGET + '/');
  await setForm(page, { prompt: 'a large purple cross in the middle, yellow background', steps: STEPS });
  await page.waitForFunction(() => window.edge.socket && window.edge.socket.readyState === 1, null, { timeout: T(5000) });
  await page.click('#generate');
  await page.waitForFunction(() => window.edge.shown.some((e) => e.step >= 5), null, { timeout: T(20000), polling: 10 });
  const code = await page.evaluate(() => new Promise((res) => {
    const s = window.edge.socket;
    s.addEventListener('close', (e) => res(e.code));
    s.send('x'.repeat(70000)); // over WS_MSG_MAX: the device closes with 1009
  }));
  assert.equal(code, 1009, 'the device closed the connection');
  const shown = await waitDone(page, T(60000));
  assertEveryStepOnce(shown, STEPS);
  const hist = await page.evaluate(() => window.edge.conn);
  assert.ok(hist.includes('reconnecting'), `indicator history ${hist}`);
  await page.close();
});

// Pending until the device serves Socket.IO (another issue): skipped, never counted as passed.
test('/test/socketio: connected with a user_id, then image_ready', { skip: !(await socketIOServed()) && 'the device does not serve /socket.io/socket.io.min.js yet' }, async () => {
  const { page, errors, foreign } = await open(TARGET + '/test/socketio');
  await page.waitForFunction(() => window.edge.events.some((e) => e.name === 'connected' && e.data && e.data.user_id), null, { timeout: T(10000) });
  await shot(page, 'page-socketio-idle');
  await page.fill('#num_inference_steps', '10');
  await page.click('#generate');
  await page.waitForFunction(() => window.edge.events.some((e) => e.name === 'image_ready'), null, { timeout: T(60000) });
  const dims = await page.locator('#image img').evaluate(async (i) => (await i.decode(), [i.naturalWidth, i.naturalHeight]));
  assert.deepEqual(dims, [32, 32]);
  await shot(page, 'page-socketio-done');
  assert.deepEqual(errors, []);
  assert.deepEqual(foreign, []);
  await page.close();
});
