// Where the device under test is: EDGE_TARGET=http://host:port (TAP namespace, QEMU's
// forward, or a board on the bench). Every end-to-end test imports this.
export const TARGET = (process.env.EDGE_TARGET || 'http://127.0.0.1:8080').replace(/\/$/, '');
const u = new URL(TARGET);
export const HOST = u.hostname;
export const PORT = Number(u.port || 80);
export const WS_TARGET = TARGET.replace(/^http/, 'ws');
// Emulated targets are slower; tests scale their time limits by this factor.
export const SLOW = Number(process.env.EDGE_SLOW || 1);

export async function getJSON(path, init) {
  const r = await fetch(TARGET + path, init);
  const text = await r.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${path}: not JSON (${r.status}): ${text.slice(0, 200)}`);
  }
  return { status: r.status, headers: r.headers, body };
}
// Behind a proxy (tests/run_fleet.sh: nginx in front of a fleet), a client meets the proxy's
// connection table and buffers, not the device's: tests of those skip what they cannot see.
export const PROXIED = process.env.EDGE_PROXIED === '1';
