// Peer for bench/ws_bench.sh: node `ws` echo server (binary and text echoed as they are).
// Usage: node bench/ws_bench_peer_node.mjs PORT
import { createRequire } from 'node:module';
const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 9001);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 1 << 20 });
wss.on('connection', (ws) => {
  ws._socket.setNoDelay(true);
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on('listening', () => console.log(`listening on 127.0.0.1:${port}`));
