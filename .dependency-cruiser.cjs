/**
 * The house drawn from the imports (STYLE rules 1 and 13): apps → core → persistence → domain,
 * no folder loops, nothing upward. `npm run lint` fails on a new loop or an upward import.
 */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'A loop between modules hides which one owns a rule.', from: { path: '^(apps|libs|migrations|scripts)/' }, to: { circular: true } },
    {
      name: 'core-folders-no-loops',
      severity: 'error',
      comment: 'Folders of libs/core form no loop either (pilots ↔ workflow was one).',
      from: { path: '^libs/core/src/([^/]+)/' },
      to: { path: '^libs/core/src/([^/]+)/', pathNot: '^libs/core/src/$1/', circular: true },
    },
    { name: 'domain-is-pure', severity: 'error', from: { path: '^libs/domain/' }, to: { path: '^(apps|libs/(?!domain/)|migrations|node_modules)', pathNot: 'node_modules/@types/node' } },
    { name: 'persistence-below-core', severity: 'error', from: { path: '^libs/persistence/' }, to: { path: '^(apps|libs/core|libs/queue|migrations)/' } },
    { name: 'client-stands-alone', severity: 'error', comment: 'The generated client is for callers outside: it knows the contract, not the server.', from: { path: '^libs/client/' }, to: { path: '^(apps|libs/(?!client/)|migrations|scripts)' } },
    { name: 'core-below-apps', severity: 'error', from: { path: '^libs/(core|queue|config)/' }, to: { path: '^(apps|migrations)/' } },
    { name: 'apps-apart', severity: 'error', from: { path: '^apps/api/' }, to: { path: '^apps/worker/' } },
    { name: 'worker-apart', severity: 'error', from: { path: '^apps/worker/' }, to: { path: '^apps/api/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(\\.spec\\.ts$|\\.fake\\.ts$|^dist/|^test/)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
