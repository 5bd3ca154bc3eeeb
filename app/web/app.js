// The edgeartist page: a prompt goes to POST /api/generate, the job's events come back over
// a WebSocket (/ws) or Server-Sent Events, and every event is shown once, in order, also
// across reconnections (each resumes after the last event_id shown).
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const FIELDS = ['prompt', 'negative_prompt', 'num_inference_steps', 'guidance_scale', 'num_images', 'seed'];
  // What the page showed, for tests and for anyone debugging from the console.
  const edge = (window.edge = { shown: [], link: null, firstPreviewMs: null, conn: [], previews: 0 });
  let job = null; // {id, last, total, done, body, t0}
  let link = null;

  const wsURL = (path) => (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    e.append(...kids);
    return e;
  };

  // ---- connection indicator ---------------------------------------------------------
  const CONN_TEXT = { connected: 'Connected', reconnecting: 'Reconnecting…', offline: 'Offline' };
  function setConn(state, detail) {
    const c = $('conn');
    if (c.dataset.state === state && !detail) return;
    if (c.dataset.state !== state) edge.conn.push(state);
    c.dataset.state = state;
    $('conn-text').textContent = CONN_TEXT[state] + (detail ? ' ' + detail : '');
  }

  // Exponential backoff with jitter: 0.25 s, 0.5 s, 1 s ... at most 5 s.
  function backoff(attempt) {
    return Math.min(5000, 250 * 2 ** attempt) * (0.75 + Math.random() * 0.5);
  }
  function lost(attempt, delay) {
    // after a few failed attempts (or when the browser knows it is offline) say so
    if (!navigator.onLine || attempt >= 4) setConn('offline', `(retrying in ${Math.ceil(delay / 1000)} s)`);
    else setConn('reconnecting');
  }

  // ---- errors ------------------------------------------------------------------------
  function clearErrors() {
    for (const f of FIELDS) {
      $('err-' + f).textContent = '';
      $(f).removeAttribute('aria-invalid');
    }
    $('errors').textContent = '';
  }
  function fieldError(field, msg) {
    const e = $('err-' + field);
    if (!e) return generalError(msg);
    e.textContent = msg;
    $(field).setAttribute('aria-invalid', 'true');
  }
  function generalError(msg) {
    $('errors').append(el('p', {}, msg));
  }

  // ---- the form ----------------------------------------------------------------------
  function intIn(id, lo, hi, what) {
    const s = $(id).value.trim();
    const v = Number(s);
    if (s === '' || !Number.isInteger(v) || v < lo || v > hi) return [null, `${what} must be a whole number from ${lo} to ${hi}`];
    return [v, null];
  }
  function readForm() {
    const body = {}, errs = [];
    body.prompt = $('prompt').value.trim();
    if (!body.prompt) errs.push(['prompt', 'Enter a prompt, for example “a red star on a black background”.']);
    const neg = $('negative_prompt').value.trim();
    if (neg) body.negative_prompt = neg;
    let e;
    [body.num_inference_steps, e] = intIn('num_inference_steps', 10, 100, 'Steps');
    if (e) errs.push(['num_inference_steps', e]);
    const g = Number($('guidance_scale').value.trim());
    if ($('guidance_scale').value.trim() === '' || !(g >= 1 && g <= 20)) errs.push(['guidance_scale', 'Guidance must be a number from 1 to 20']);
    else body.guidance_scale = g;
    [body.num_images, e] = intIn('num_images', 1, 4, 'Count');
    if (e) errs.push(['num_images', e]);
    if ($('seed-lock').checked) {
      [body.seed, e] = intIn('seed', 0, 4294967295, 'A locked seed');
      if (e) errs.push(['seed', e]);
    }
    return { body, errs };
  }

  async function generate(ev) {
    ev.preventDefault();
    clearErrors();
    const { body, errs } = readForm();
    if (errs.length) {
      for (const [f, m] of errs) fieldError(f, m);
      $(errs[0][0]).focus();
      return;
    }
    $('generate').disabled = true;
    const t0 = performance.now();
    let r, d = null;
    try {
      r = await fetch('/api/generate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      d = await r.json().catch(() => null);
    } catch (err) {
      generalError('The device did not answer; check the connection and try again.');
      $('generate').disabled = false;
      return;
    }
    if (r.status !== 202 || !d || !d.session_id) {
      const er = d && d.error;
      if (er && er.field && $('err-' + er.field)) {
        fieldError(er.field, er.message);
        $(er.field).focus();
      } else {
        generalError(er ? `${er.message} (${r.status} ${er.code})` : `The device answered ${r.status}.`);
      }
      $('generate').disabled = false;
      return;
    }
    startJob(d.session_id, body, t0, d.position);
  }

  function startJob(id, body, t0, position) {
    job = { id, last: 0, total: body.num_inference_steps * body.num_images, done: false, body, t0 };
    edge.shown = [];
    edge.firstPreviewMs = null;
    edge.previews = 0;
    edge.job = id;
    $('bar').value = 0;
    $('stepcount').textContent = 'Queued.';
    $('queue').textContent = position > 0 ? `Waiting: ${position} job(s) ahead.` : '';
    $('ignored').textContent = '';
    $('results').textContent = '';
    $('preview').hidden = true;
    $('preview').removeAttribute('src');
    $('cancel').disabled = false;
    $('cancel').textContent = 'Cancel';
    // Generate is disabled now: a keyboard user lands on Cancel, not on the page's start
    const f = document.activeElement;
    if (!f || f === document.body || f === $('generate')) $('cancel').focus();
    link.follow(job);
  }

  function endJob() {
    job.done = true;
    const f = document.activeElement;
    $('generate').disabled = false;
    $('cancel').disabled = true;
    if (!f || f === document.body || f === $('cancel')) $('generate').focus();
    link.unfollow();
    loadGallery();
  }

  // ---- events --------------------------------------------------------------------------
  let announced = 0;
  function announce(msg) {
    $('announce').textContent = msg;
  }

  function onEvent(ev) {
    if (!job || job.done || ev.session_id !== job.id) return;
    if (ev.type === 'events_dropped') {
      // the ring no longer holds what we missed: say so and carry on from there
      generalError(`Events ${ev.from}–${ev.to} were no longer available; the final state follows.`);
      job.last = Math.max(job.last, ev.to);
      return;
    }
    if (!(ev.event_id > job.last)) return; // already shown (a replay overlapping what we saw)
    job.last = ev.event_id;
    edge.shown.push({ id: ev.event_id, type: ev.type, step: ev.step });
    switch (ev.type) {
      case 'generation_queued':
        $('queue').textContent = ev.position > 0 ? `Waiting: ${ev.position} job(s) ahead.` : 'Next to run.';
        break;
      case 'generation_started': {
        job.total = ev.total_steps;
        announced = 0;
        $('queue').textContent = 'Running.';
        $('stepcount').textContent = `Step 0 of ${ev.total_steps}`;
        const ig = ev.ignored_words || [];
        $('ignored').textContent = ig.length ? `The device ignored: ${ig.join(', ')}` : 'Every word of the prompt was understood.';
        if (!$('seed-lock').checked) $('seed').value = ev.seed;
        announce('Generation started.');
        break;
      }
      case 'generation_progress': {
        const pct = Math.round((100 * ev.step) / ev.total_steps);
        $('bar').value = pct;
        $('stepcount').textContent = `Step ${ev.step} of ${ev.total_steps} (${pct} %)`;
        if (ev.preview) {
          if ($('preview').getAttribute('src') !== ev.preview) edge.previews++;
          $('preview').src = ev.preview;
          $('preview').hidden = false;
          if (edge.firstPreviewMs === null) edge.firstPreviewMs = performance.now() - job.t0;
        }
        // a screen reader hears every quarter, not every step
        const q = Math.floor(pct / 25);
        if (q > announced) {
          announced = q;
          announce(`${pct} percent`);
        }
        break;
      }
      case 'generation_complete':
        $('bar').value = 100;
        $('queue').textContent = 'Done.';
        showResults(ev);
        announce('Done: the picture is ready.');
        endJob();
        break;
      case 'generation_error':
        if (ev.code === 'cancelled') {
          $('queue').textContent = 'Cancelled.';
          announce('Cancelled.');
        } else {
          generalError(`The generation failed: ${ev.error} (${ev.code})`);
          $('queue').textContent = 'Failed.';
        }
        endJob();
        break;
    }
  }

  // The device no longer knows the job (it restarted, or newer jobs took its place).
  function jobGone() {
    if (!job || job.done) return;
    generalError('The device no longer holds this job (it may have restarted); generate again.');
    $('queue').textContent = 'Lost.';
    endJob();
  }
  async function checkGone() {
    try {
      if ((await fetch(`/api/jobs/${job.id}`, { cache: 'no-store' })).status === 404) jobGone();
    } catch {}
  }

  function showResults(ev) {
    const md = ev.metadata || {};
    const box = $('results');
    box.textContent = '';
    (ev.image_paths || []).forEach((path, n) => {
      const img = el('img', { src: path, width: '192', height: '192', alt: `Generated image ${n + 1}: ${md.prompt || ''}` });
      const dl = el('dl');
      const row = (k, v) => dl.append(el('dt', {}, k), el('dd', {}, String(v)));
      row('Prompt', md.prompt || '');
      if (md.negative_prompt) row('Negative', md.negative_prompt);
      row('Seed', (md.seed || 0) + n);
      row('Steps', md.steps);
      row('Guidance', md.guidance_scale);
      row('Created', md.created_at);
      if (md.generation_time_ms !== undefined) row('Time', `${md.generation_time_ms} ms`);
      const a = el('a', { href: path, download: `edgeartist-${(md.seed || 0) + n}.png` }, 'Download PNG');
      box.append(el('div', { class: 'result' }, img, el('div', {}, dl, el('p', {}, a))));
    });
  }

  // ---- transports ----------------------------------------------------------------------
  // Both offer follow(job) / unfollow() / stop(); both resume after job.last.
  function wsLink() {
    let ws = null, attempt = 0, timer = null, stopped = false, lastRx = 0, beat = null;
    function connect() {
      timer = null;
      const s = (ws = new WebSocket(wsURL('/ws')));
      edge.socket = s;
      s.onopen = () => {
        attempt = 0;
        lastRx = Date.now();
        setConn('connected');
        if (job && !job.done) subscribe();
      };
      s.onmessage = (m) => {
        lastRx = Date.now();
        let d;
        try {
          d = JSON.parse(m.data);
        } catch {
          return;
        }
        if (d.type === 'error' && d.field === 'session_id' && d.code === 'not_found') jobGone();
        else if (d.type === 'error') generalError(`The device refused a message: ${d.message}`);
        else if (d.type !== 'pong' && d.type !== 'connected') onEvent(d);
      };
      s.onclose = () => {
        if (ws !== s) return;
        ws = null;
        if (stopped) return;
        const delay = backoff(attempt);
        lost(attempt++, delay);
        timer = setTimeout(connect, delay);
      };
    }
    function subscribe() {
      ws.send(JSON.stringify({ type: 'subscribe', session_id: job.id, last_event_id: job.last }));
    }
    // a ping every 10 s; no byte for 25 s means the path is dead even if TCP has not noticed
    beat = setInterval(() => {
      if (!ws || ws.readyState !== 1) return;
      if (Date.now() - lastRx > 25000) return ws.close();
      ws.send('{"type":"ping"}');
    }, 10000);
    connect();
    return {
      follow() {
        if (ws && ws.readyState === 1) subscribe();
      },
      unfollow() {},
      stop() {
        stopped = true;
        clearInterval(beat);
        clearTimeout(timer);
        if (ws) ws.close();
        ws = null;
      },
    };
  }

  function sseLink() {
    let es = null, attempt = 0, timer = null, stopped = false;
    // between jobs there is no stream: a health check now and then keeps the indicator true
    const probe = async () => {
      if (es) return;
      try {
        const r = await fetch('/api/health', { cache: 'no-store' });
        if (r.ok) setConn('connected');
      } catch {
        setConn('reconnecting');
      }
    };
    const poll = setInterval(probe, 10000);
    probe();
    function open() {
      timer = null;
      if (stopped || !job || job.done) return;
      const s = (es = new EventSource(`/api/jobs/${job.id}/events?after=${job.last}`));
      edge.socket = s;
      s.onopen = () => {
        attempt = 0;
        setConn('connected');
      };
      s.onmessage = (m) => {
        try {
          onEvent(JSON.parse(m.data));
        } catch {}
      };
      s.onerror = () => {
        // our own backoff and resume point, not EventSource's fixed retry
        s.close();
        if (es !== s) return;
        es = null;
        if (stopped || !job || job.done) return;
        const delay = backoff(attempt);
        lost(attempt++, delay);
        if (attempt >= 3) checkGone(); // an EventSource error does not say 404 from a cut
        timer = setTimeout(open, delay);
      };
    }
    return {
      follow() {
        attempt = 0;
        open();
      },
      unfollow() {
        if (es) es.close();
        es = null;
      },
      stop() {
        stopped = true;
        clearInterval(poll);
        clearTimeout(timer);
        this.unfollow();
      },
    };
  }

  function useTransport(kind) {
    if (link) link.stop();
    link = edge.link = kind === 'sse' ? sseLink() : wsLink();
    edge.transport = kind;
    if (job && !job.done) link.follow(job);
  }

  // ---- gallery and vocabulary ---------------------------------------------------------
  async function loadGallery() {
    let d;
    try {
      d = await (await fetch('/api/jobs', { cache: 'no-store' })).json();
    } catch {
      return;
    }
    const ul = $('gallery');
    ul.textContent = '';
    for (const j of d.jobs || []) {
      const md = j.metadata || {};
      const li = el('li', { 'data-session': j.session_id });
      if (j.image_paths && j.image_paths.length)
        li.append(el('a', { href: j.image_paths[0] }, el('img', { src: j.image_paths[0], width: '96', height: '96', alt: md.prompt || 'image' })));
      li.append(el('span', {}, `${md.prompt || ''} — ${j.status}`));
      ul.append(li);
    }
    if (!ul.children.length) ul.append(el('li', {}, 'No jobs yet.'));
  }

  async function loadVocab() {
    const box = $('vocab-list');
    let v;
    try {
      v = await (await fetch('/api/vocabulary')).json();
    } catch {
      box.textContent = 'The vocabulary could not be loaded.';
      return;
    }
    box.textContent = '';
    for (const [slot, words] of Object.entries(v)) {
      const p = el('p', { class: 'vocab-slot' }, el('b', {}, slot));
      for (const w of words) {
        const b = el('button', { type: 'button', class: 'chip', 'aria-label': `Add “${w}” to the prompt` }, w);
        b.addEventListener('click', () => {
          const pr = $('prompt');
          pr.value = (pr.value.trim() + ' ' + w).trim();
          pr.focus();
        });
        p.append(b);
      }
      box.append(p);
    }
  }

  // ---- diagnostics -----------------------------------------------------------------------
  function diag(which, rows) {
    const dl = $('diag-' + which);
    dl.textContent = '';
    for (const [k, v, id] of rows) dl.append(el('dt', {}, k), el('dd', id ? { id } : {}, String(v)));
  }

  async function health() {
    const t0 = performance.now();
    try {
      const h = await (await fetch('/api/health', { cache: 'no-store' })).json();
      const rows = [
        ['Status', h.status, 'd-status'],
        ['Answered in', `${(performance.now() - t0).toFixed(1)} ms`],
        ['Board', h.board],
        ['Uptime', `${(h.uptime_ms / 1000).toFixed(0)} s`],
        ['Generator', h.generator ? `${h.generator.status}, arena ${h.generator.arena_bytes} B` : '?'],
        ['Jobs', h.jobs ? `${h.jobs.queued} queued, ${h.jobs.running} running, ${h.jobs.kept} kept` : '?'],
        ['Connections', h.connections ? `${h.connections.active} of ${h.connections.max}` : '?'],
      ];
      for (const [name, p] of Object.entries(h.memory || {})) rows.push([`Pool ${name}`, `${p.used} used, peak ${p.peak} of ${p.size}${p.failed ? `, ${p.failed} failed` : ''}`]);
      diag('health', rows);
    } catch (e) {
      diag('health', [['Health', `no answer: ${e.message}`]]);
    }
  }

  // The voice guide's first check: does a WebSocket work at all? Five echoes, timed.
  function echo() {
    diag('echo', [['Echo', 'connecting to /ws/test…']]);
    const s = new WebSocket(wsURL('/ws/test'));
    const rtts = [];
    let t = 0;
    const send = () => {
      t = performance.now();
      s.send(JSON.stringify({ seq: rtts.length }));
    };
    s.onmessage = (m) => {
      const d = JSON.parse(m.data);
      if (d.type === 'connected') return send();
      if (d.type !== 'echo') return;
      rtts.push(performance.now() - t);
      if (rtts.length < 5) return send();
      s.close();
      const sorted = [...rtts].sort((a, b) => a - b);
      diag('echo', [
        ['Echo', 'ok', 'd-echo-status'],
        ['Round trip', `${sorted[2].toFixed(1)} ms median (min ${sorted[0].toFixed(1)}, max ${sorted[4].toFixed(1)}, 5 messages)`, 'd-rtt'],
      ]);
      $('d-rtt').dataset.ms = sorted[2];
    };
    s.onerror = () => diag('echo', [['Echo', 'the WebSocket to /ws/test failed']]);
  }

  async function warmup() {
    diag('warm', [['Warm-up', 'running…']]);
    const t0 = performance.now();
    try {
      const w = await (await fetch('/api/warmup', { method: 'POST' })).json();
      const g = (w.services && w.services.generator) || {};
      diag('warm', [
        ['Warm-up', w.status, 'd-warm-status'],
        ['Generator', `${g.status}, ${g.time_ms} ms`],
        ['Total on the device', `${w.total_time_ms} ms`],
        ['Round trip', `${(performance.now() - t0).toFixed(1)} ms`],
      ]);
    } catch (e) {
      diag('warm', [['Warm-up', `failed: ${e.message}`]]);
    }
  }

  // ---- wiring ------------------------------------------------------------------------------
  $('gen').addEventListener('submit', generate);
  $('cancel').addEventListener('click', async () => {
    if (!job || job.done) return;
    $('cancel').disabled = true;
    $('cancel').textContent = 'Cancelling…';
    try {
      const r = await fetch(`/api/jobs/${job.id}`, { method: 'DELETE' });
      if (r.status === 409) generalError('The job had already finished.');
    } catch {
      generalError('The cancel request did not reach the device.');
      $('cancel').disabled = false;
    }
  });
  $('seed').addEventListener('input', () => ($('seed-lock').checked = $('seed').value.trim() !== ''));
  $('transport').addEventListener('change', (e) => useTransport(e.target.value));
  $('d-health').addEventListener('click', health);
  $('d-echo').addEventListener('click', echo);
  $('d-warm').addEventListener('click', warmup);
  window.addEventListener('offline', () => setConn('offline'));
  useTransport($('transport').value);
  loadVocab();
  loadGallery();
  edge.readyMs = performance.now(); // navigation start to a usable form
  document.documentElement.dataset.ready = '1';
})();
