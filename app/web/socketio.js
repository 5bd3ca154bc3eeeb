// The Socket.IO test client (the guide's debugging steps as a page): connect, keep the
// user_id from `connected`, emit `generate_image` with it, and log every event received.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const CONN_TEXT = { connected: 'Connected', reconnecting: 'Reconnecting…', offline: 'Offline' };
  const edge = (window.edge = { events: [] });
  let socket = null, userId = null;

  function setConn(state) {
    $('conn').dataset.state = state;
    $('conn-text').textContent = CONN_TEXT[state];
  }
  function log(name, data) {
    edge.events.push({ name, data });
    let text = JSON.stringify(data);
    if (text && text.length > 300) text = text.slice(0, 300) + '…'; // image data URLs
    const line = document.createElement('div');
    line.textContent = `${new Date().toISOString().slice(11, 23)}  ${name}  ${text === undefined ? '' : text}`;
    $('log').append(line);
    $('log').scrollTop = $('log').scrollHeight;
  }
  function error(msg) {
    const p = document.createElement('p');
    p.textContent = msg;
    $('errors').append(p);
  }

  function connect() {
    if (typeof io !== 'function') {
      setConn('offline');
      error('This device does not serve the Socket.IO client (/socket.io/socket.io.min.js).');
      return;
    }
    if (socket) socket.disconnect();
    socket = edge.socket = io({ transports: ['polling', 'websocket'] });
    // the library's own events are not in onAny: log them too
    socket.on('connect', () => (setConn('connected'), log('connect', { sid: socket.id, transport: socket.io.engine.transport.name })));
    socket.on('disconnect', (reason) => (setConn('reconnecting'), log('disconnect', reason)));
    socket.on('connect_error', (e) => log('connect_error', e.message));
    socket.io.on('reconnect_failed', () => setConn('offline'));
    socket.onAny((name, data) => {
      log(name, data);
      if (name === 'connected' && data && data.user_id) {
        userId = data.user_id;
        $('user-id').textContent = userId;
        $('generate').disabled = false;
      }
      if (name === 'image_ready' && data && data.image_data) {
        const img = document.createElement('img');
        img.src = data.image_data;
        img.width = img.height = 192;
        img.alt = `Generated image: ${$('prompt').value}`;
        $('image').replaceChildren(img);
      }
      if (name === 'generation_error') error(`generation_error: ${(data && data.message) || ''}`);
    });
  }

  $('gen').addEventListener('submit', (e) => {
    e.preventDefault();
    $('errors').textContent = '';
    $('err-prompt').textContent = '';
    const prompt = $('prompt').value.trim();
    if (!prompt) {
      $('err-prompt').textContent = 'Enter a prompt.';
      $('prompt').focus();
      return;
    }
    const data = { user_id: userId, prompt, num_inference_steps: Number($('num_inference_steps').value) };
    log('→ generate_image', data);
    socket.emit('generate_image', data, (ack) => log('← ack', ack));
  });
  $('connect').addEventListener('click', connect);
  connect();
  edge.readyMs = performance.now();
  document.documentElement.dataset.ready = '1';
})();
