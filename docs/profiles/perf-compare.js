// Two `perf script` outputs (perf record -g of a process started with --perf-basic-prof), each
// with that process's measured CPU per request, compared per request: microseconds by the
// innermost JavaScript frame's module (a sample in native or kernel code counts for the JS
// frame that called it), and the kernel's own share. Unlike a V8 profile this sees kernel time
// where it is spent; like any --perf-basic-prof map, a code address V8 reused can carry the
// name of the code that was there first, so small rows may be misnamed.
//
//   node perf-compare.js a.script <µs per request of a> b.script <µs per request of b> [rows]
//   (perf script -F comm,tid,ip,sym -i perf.data > a.script)
const fs = require('fs');
const [fileA, usA, fileB, usB, rowsArg] = process.argv.slice(2);

function stacks(file) {
  const out = [];
  let current = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) {
      if (current.length) out.push(current);
      current = [];
    } else if (/^\s/.test(line)) {
      // "<ip> <symbol>": kernel addresses are the upper half (ffff…).
      const at = line.trim().indexOf(' ');
      const ip = at < 0 ? line.trim() : line.trim().slice(0, at);
      current.push(`${ip.startsWith('ffff') ? '[kernel] ' : ''}${at < 0 ? '' : line.trim().slice(at + 1)}`);
    }
  }
  if (current.length) out.push(current);
  return out;
}

const SPLIT = new Set(['fastify', '@nestjs/core', '@nestjs/platform-fastify']);
function bucket(stack) {
  for (const frame of stack) {
    const js = /JS:\S* (\S+?):\d+:\d+/.exec(frame);
    if (!js) continue;
    const file = js[1].replace(/^file:\/\//, '');
    const pkg = /node_modules\/((@[^/]+\/)?[^/]+)\/(.*)/.exec(file);
    if (pkg) return SPLIT.has(pkg[1]) ? `${pkg[1]}/${pkg[3].split('/').pop()}` : pkg[1];
    if (file.includes('dist/')) return `labgate: ${file.split('dist/')[1]}`;
    return file;
  }
  return `(no JS frame) ${stack[0].replace('[kernel] ', '').slice(0, 40)}`;
}

function perRequest(file, us) {
  const all = stacks(file);
  const byBucket = new Map();
  let kernel = 0;
  for (const s of all) {
    const b = bucket(s);
    byBucket.set(b, (byBucket.get(b) || 0) + 1);
    if (s[0].startsWith('[kernel] ')) kernel++;
  }
  const scale = Number(us) / all.length;
  return { samples: all.length, kernel: kernel * scale, buckets: new Map([...byBucket].map(([k, v]) => [k, v * scale])) };
}

const a = perRequest(fileA, usA);
const b = perRequest(fileB, usB);
const keys = [...new Set([...a.buckets.keys(), ...b.buckets.keys()])];
const diff = (k) => (a.buckets.get(k) || 0) - (b.buckets.get(k) || 0);
keys.sort((x, y) => diff(y) - diff(x));
const rows = Number(rowsArg || 25);
const fmt = (v) => v.toFixed(2).padStart(8);
console.log(`${fileA}: ${a.samples} samples, ${usA} µs per request; ${fileB}: ${b.samples} samples, ${usB} µs per request`);
console.log(`${'module of the innermost JS frame'.padEnd(64)}${'a µs'.padStart(8)}${'b µs'.padStart(8)}${'a - b'.padStart(8)}`);
for (const k of keys.slice(0, rows)) console.log(`${k.slice(0, 64).padEnd(64)}${fmt(a.buckets.get(k) || 0)}${fmt(b.buckets.get(k) || 0)}${fmt(diff(k))}`);
console.log('…');
for (const k of keys.slice(-5)) console.log(`${k.slice(0, 64).padEnd(64)}${fmt(a.buckets.get(k) || 0)}${fmt(b.buckets.get(k) || 0)}${fmt(diff(k))}`);
console.log(`${'samples in the kernel (any module)'.padEnd(64)}${fmt(a.kernel)}${fmt(b.kernel)}${fmt(a.kernel - b.kernel)}`);
