#!/usr/bin/env node
// Usage: npm ci 2>&1 | grep "Missing:" | sed "s/.*Missing: //; s/@ from lock file//" > /tmp/missing && node scripts/lockfile-platform-entries.cjs package-lock.json /tmp/missing
//
// This registry serves only some platforms' builds of packages with native optional
// dependencies (@swc/core, unrs-resolver, msgpackr-extract), so npm writes no lock entries for the
// others and `npm ci` then refuses the lock as out of sync. Run this after changing dependencies.
const fs = require('fs');
const [lockPath, missingPath] = process.argv.slice(2);
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const missing = fs.readFileSync(missingPath, 'utf8').split('\n').filter(Boolean);
const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony'];
const CPU = { arm64: 'arm64', x64: 'x64', arm: 'arm', ia32: 'ia32', ppc64: 'ppc64', s390x: 's390x', loong64: 'loong64', riscv64: 'riscv64' };
for (const name of missing) {
  let parent;
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (entry.optionalDependencies && entry.optionalDependencies[name]) { parent = { key, entry }; break; }
  }
  if (!parent) throw new Error(`no parent for ${name}`);
  const tokens = name.split('/').pop().split('-');
  const os = tokens.find((t) => OS.includes(t));
  const cpu = tokens.map((t) => CPU[t]).find(Boolean);
  if (!os || !cpu) throw new Error(`cannot tell the platform of ${name}`);
  const entry = { version: parent.entry.optionalDependencies[name].replace(/^[\^~=]/, ''), cpu: [cpu], os: [os], optional: true };
  if (parent.entry.dev) entry.dev = true;
  if (/gnu/.test(name)) entry.libc = ['glibc'];
  if (/musl/.test(name)) entry.libc = ['musl'];
  lock.packages[`node_modules/${name}`] = entry;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${missing.length} entries`);
