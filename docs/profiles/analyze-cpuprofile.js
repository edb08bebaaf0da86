// Self and inclusive time per function, for samples after the warm-up (arg 2: seconds to skip).
const fs = require('fs');
const prof = JSON.parse(fs.readFileSync(process.argv[2]));
const skip = Number(process.argv[3] || 0) * 1e6;
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map(); for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
const modOf = (url) => { if (!url) return ''; const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/); if (m) return m[1]; if (url.startsWith('node:')) return url; return url.replace(/^.*\/work\/main\/(dist\/)?/, ''); };
const label = (n) => `${n.callFrame.functionName || '(anon)'} ${modOf(n.callFrame.url)}:${n.callFrame.lineNumber}`;
let t = 0, total = 0; const self = new Map(), selfMod = new Map(), incl = new Map(), inclMod = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  t += prof.timeDeltas[i] || 0; if (t < skip) continue; const d = prof.timeDeltas[i + 1] || prof.timeDeltas[i] || 0; total += d;
  let id = prof.samples[i]; const n0 = nodes.get(id); self.set(label(n0), (self.get(label(n0)) || 0) + d);
  const m0 = modOf(n0.callFrame.url) || n0.callFrame.functionName; selfMod.set(m0, (selfMod.get(m0) || 0) + d);
  const seen = new Set(), seenMod = new Set();
  while (id !== undefined) { const n = nodes.get(id); const l = label(n); if (!seen.has(l)) { seen.add(l); incl.set(l, (incl.get(l) || 0) + d); } const m = modOf(n.callFrame.url) || n.callFrame.functionName; if (!seenMod.has(m)) { seenMod.add(m); inclMod.set(m, (inclMod.get(m) || 0) + d); } id = parent.get(id); }
}
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([f, v]) => `${(100 * v / total).toFixed(1).padStart(5)}%  ${f}`).join('\n');
console.log(`window ${(total / 1e6).toFixed(1)} s\n-- self\n${top(self, 25)}\n-- self by module\n${top(selfMod, 25)}\n-- inclusive by module\n${top(inclMod, 30)}\n-- inclusive by function\n${top(incl, 60)}`);
