// Throughput client for bench/fleet_bench.sh: WORKERS workers on each of ADDRS client
// addresses keep submitting the same 20-step job through TARGET (nginx or one device) and
// follow each over /ws to its end, for SECONDS; a full queue (503) is retried after 50 ms,
// so the devices' queues stay full. Prints one JSON line: jobs completed per minute, and
// per device (the fleet index in each session_id).
// Usage: EDGE_TARGET=http://host:port node fleet_bench.mjs SECONDS ADDRS WORKERS [STEPS]
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/e2e/package.json', import.meta.url));
const fleet = await import(new URL('../tests/e2e/lib/fleet.mjs', import.meta.url));
require('ws'); // fails here, not mid-run, when the e2e node_modules are missing

const [secsStr, addrsStr, workersStr, stepsStr] = process.argv.slice(2);
const SECONDS = Number(secsStr || 20), ADDRS = Number(addrsStr || 6), WORKERS = Number(workersStr || 2);
const STEPS = Number(stepsStr || 20);
const end = Date.now() + SECONDS * 1000;
const done = [];
let retries = 0, errors = 0;

async function worker(from) {
  while (Date.now() < end) {
    try {
      const r = await fleet.request(from, 'POST', '/api/generate', { prompt: 'a small red circle on a blue background', num_inference_steps: STEPS, preview: false });
      if (r.status === 503) { retries++; await fleet.sleep(50); continue; }
      if (r.status !== 202) { errors++; await fleet.sleep(100); continue; }
      const sid = r.body.session_id;
      const { events } = await fleet.follow(from, sid, 'ws');
      const last = events[events.length - 1];
      if (last.type === 'generation_complete') done.push({ sid, t: last._t });
      else errors++;
    } catch {
      errors++; // a connection refused or cut (the device's table is full): try again
      await fleet.sleep(100);
    }
  }
}

const t0 = Date.now();
const addrs = Array.from({ length: ADDRS }, (_, i) => fleet.clientAddr(i + 1));
await Promise.all(addrs.flatMap((a) => Array.from({ length: WORKERS }, () => worker(a))));
// Count what completed inside the window only.
const inWindow = done.filter((d) => d.t <= end);
const perDevice = {};
for (const d of inWindow) perDevice[fleet.deviceOf(d.sid)] = (perDevice[fleet.deviceOf(d.sid)] || 0) + 1;
console.log(JSON.stringify({
  seconds: SECONDS, addrs: ADDRS, workers: WORKERS, steps: STEPS, jobs: inWindow.length,
  jobs_per_min: Math.round((inWindow.length * 60000) / (end - t0)), per_device: perDevice, retries_503: retries, errors,
}));
process.exit(0);
