// socket.io-client 4.8 over HTTPS and WSS: the same Socket.IO server as on port 80, behind
// the device's TLS layer, with the local CA of `make certs` trusted and nothing else
// relaxed (no rejectUnauthorized: false). Default options (polling over HTTPS, then the
// upgrade to WSS) and websocket only; each generates an image and gets every step.
// Run: EDGE_TARGET=http://192.168.7.2:80 EDGE_TLS_TARGET=https://192.168.7.2:443 \
//      EDGE_CA=build/certs/ca.crt node --test tls_sio.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { io } from 'socket.io-client';
import { TARGET, SLOW } from './target.mjs';

const TLS_TARGET = (process.env.EDGE_TLS_TARGET || TARGET.replace(/^http:/, 'https:').replace(/:\d+$/, ':443'))
  .replace(/\/$/, '');
const CA = readFileSync(process.env.EDGE_CA || new URL('../../build/certs/ca.crt', import.meta.url).pathname);
const T = 30000 * SLOW;

function once(sock, ev, ms = T) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ${ev} within ${ms} ms`)), ms);
    sock.once(ev, (...a) => { clearTimeout(t); resolve(a); });
  });
}

async function generateOver(opts) {
  const s = io(TLS_TARGET, { reconnection: false, ca: CA, ...opts });
  try {
    const [hello] = await once(s, 'connected');
    const steps = 6;
    const progress = [];
    s.on('generation_progress', (d) => progress.push(d.step));
    const ack = await new Promise((resolve) =>
      s.emit('generate_image', { user_id: hello.user_id, prompt: 'a small blue ring on a white background', num_inference_steps: steps }, resolve));
    assert.equal(ack.ok, true, JSON.stringify(ack));
    const [ready] = await once(s, 'image_ready');
    assert.equal(ready.session_id, ack.session_id);
    assert.match(ready.image_data, /^data:image\/png;base64,iVBORw0KGgo/);
    assert.deepEqual(progress, Array.from({ length: steps }, (_, i) => i + 1));
    return s.io.engine.transport.name;
  } finally {
    s.disconnect();
  }
}

test('socket.io-client with default options over HTTPS (polling, then the upgrade to WSS)', async () => {
  const transport = await generateOver({});
  assert.equal(transport, 'websocket', 'upgraded to WSS');
});

test('socket.io-client over WSS only', async () => {
  assert.equal(await generateOver({ transports: ['websocket'] }), 'websocket');
});

test('the certificate is checked: without the CA the connection is refused', async () => {
  // NODE_EXTRA_CA_CERTS (set by the e2e tier) would trust it for every client; an explicit
  // empty trust list must not.
  const s = io(TLS_TARGET, { reconnection: false, transports: ['websocket'], ca: [], timeout: 5000 * SLOW });
  try {
    const [err] = await once(s, 'connect_error');
    assert.ok(err, 'connect_error');
  } finally {
    s.disconnect();
  }
});
