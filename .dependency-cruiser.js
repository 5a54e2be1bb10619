/**
 * The architecture's boundaries, checked on the TypeScript AST (multi-line, dynamic and
 * `require` imports included, `@ledger/*` paths resolved through tsconfig.json) by
 * `npm run depcruise`, which `npm test` runs. The rules are tested once against a fixture in
 * libs/testing/src/import-rules.spec.ts.
 */
const TESTS = '(\\.spec\\.ts|\\.e2e-spec\\.ts|\\.contract\\.ts)$|/testing(\\.ts$|/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'The write side is pure: deciders import nothing outside libs/domain/src — no framework, store, crypto, Node.js module or other library.',
      from: { path: '^libs/domain/src/', pathNot: TESTS },
      to: { pathNot: '^libs/domain/src/' },
    },
    {
      name: 'no-library-imports-an-app',
      severity: 'error',
      comment: 'Libraries serve the apps, never the reverse.',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'stores-and-read-models-without-nestjs',
      severity: 'error',
      comment: 'The event store, read models, projections and the integrity primitives are plain libraries usable from the CLI, benches and tests: no NestJS.',
      from: { path: '^libs/(event-store|read-models|projections|integrity)/' },
      to: { path: 'node_modules/@nestjs/|^@nestjs/' },
    },
    {
      name: 'event-store-knows-no-domain',
      severity: 'error',
      comment: 'The event store stores events of any kind; it knows nothing of the domain, read models, projections, configuration or personal data above it.',
      from: { path: '^libs/event-store/' },
      to: { path: '^libs/(domain|read-models|projections|platform|personal-data)/' },
    },
    {
      name: 'projections-use-domain-event-types-only',
      severity: 'error',
      comment:
        'Projections are deterministic folds over stored events: they may name the domain’s event types (type-only imports), never run its code, and never touch stores, keys or configuration.',
      from: { path: '^libs/projections/src/', pathNot: TESTS },
      // Except the calendar: the one place for Asia/Taipei time and business time, pure arithmetic;
      // and the 政風 detectors, pure rules the anomalies projection runs (with the coded errors they throw).
      to: {
        path: '^libs/domain/src/',
        pathNot: '^libs/domain/src/(core/calendar|core/domain-error|ethics/detectors/[a-z.-]+)\\.ts$',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'projections-stay-off-infrastructure',
      severity: 'error',
      comment: 'Projections write through the read-model port only.',
      from: { path: '^libs/projections/src/', pathNot: TESTS },
      to: { path: '^libs/(platform|personal-data|event-store/src/(sqlite|kurrentdb))/|node_modules/(better-sqlite3|mongodb|@kurrent)/' },
    },
    {
      name: 'personal-data-is-a-leaf',
      severity: 'error',
      comment: 'Personal-data protection depends on no other ledger library and no framework.',
      from: { path: '^libs/personal-data/' },
      to: { path: '^libs/(domain|event-store|read-models|projections|platform)/|node_modules/@nestjs/' },
    },
    {
      name: 'package-verifier-stands-alone',
      severity: 'error',
      comment:
        'The inspection package verifier (and the section builders it reruns) must run with nothing but the package and a public key: no framework, no store adapter, no key vault, no configuration, no PDF writer.',
      from: { path: '^libs/package/src/(verify|sections)/|^libs/package/src/(format|membership|csv|report-text|run-sections)\\.ts$', pathNot: TESTS },
      to: { path: 'node_modules/@nestjs/|^@nestjs/|^libs/(platform|personal-data)/|^libs/event-store/src/(sqlite|kurrentdb)/|node_modules/(pdfkit|mongodb|@kurrent)/|^libs/package/src/generate/' },
    },
    {
      name: 'package-library-without-nestjs',
      severity: 'error',
      comment: 'The package generator is a plain library the CLI, the API and benches share.',
      from: { path: '^libs/package/' },
      to: { path: 'node_modules/@nestjs/|^@nestjs/|^apps/' },
    },
    {
      name: 'test-helpers-stay-in-tests',
      severity: 'error',
      comment: 'Test-only helpers (libs/testing, libs/domain/testing) are imported by tests, benches and other test helpers only.',
      from: { pathNot: `${TESTS}|^test/|^bench/|^libs/testing/` },
      to: { path: '^libs/testing/|^libs/domain/testing/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle makes both sides one module in disguise (under CommonJS one of them sees the other half-loaded); one through type-only imports still ties the files together: move the shared type into its own file.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    moduleSystems: ['cjs', 'es6'],
    reporterOptions: { text: { highlightFocused: true } },
  },
};
