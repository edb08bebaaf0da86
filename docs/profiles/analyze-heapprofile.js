// Bytes allocated per function (self), per module and per function (inclusive: allocated by it or
// by what it called), from a sampling heap profile that kept collected objects
// (test/bench/heap-profile.ts): `node analyze-heapprofile.js <file.heapprofile>`.
const fs = require('fs');
const profile = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const modOf = (url) => { if (!url) return ''; const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/); if (m) return m[1]; if (url.startsWith('node:')) return url; return url.replace(/^.*\/dist\//, '').replace(/^file:\/\//, ''); };
const label = (n) => `${n.callFrame.functionName || '(anon)'} ${modOf(n.callFrame.url)}:${n.callFrame.lineNumber}`;
const self = new Map(), incl = new Map(), inclMod = new Map();
let total = 0;
const sum = (n) => { n.total = n.selfSize; for (const c of n.children) n.total += sum(c); return n.total; };
sum(profile.head);
const walk = (n, seen, seenMod) => {
  const l = label(n); const m = modOf(n.callFrame.url) || n.callFrame.functionName;
  total += n.selfSize;
  self.set(l, (self.get(l) || 0) + n.selfSize);
  if (!seen.has(l)) incl.set(l, (incl.get(l) || 0) + n.total);
  if (!seenMod.has(m)) inclMod.set(m, (inclMod.get(m) || 0) + n.total);
  for (const c of n.children) walk(c, new Set(seen).add(l), new Set(seenMod).add(m));
};
walk(profile.head, new Set(), new Set());
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([f, v]) => `${(100 * v / total).toFixed(1).padStart(5)}%  ${f}`).join('\n');
console.log(`allocated ${(total / 1e6).toFixed(0)} MB (sampled)\n-- self\n${top(self, 30)}\n-- inclusive by module\n${top(inclMod, 30)}\n-- inclusive by function\n${top(incl, 50)}`);
