/**
 * Nube's layers, written down so that `npm test` (npm run lint:deps) fails when one is crossed.
 * Data flows one way: dialect → core → (store, tasks engine, drivers), every layer free to use src/lib.
 * The composition root (src/runtime.ts, src/app.ts, src/cli/) wires the layers together and may import any of them.
 * Paths are relative to the repository root; type-only imports count too (a type is a dependency on the layer).
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'A circle of static imports leaves some module half-initialized at load time and makes the layers meaningless; cut it by moving the shared part into its own file.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['dynamic-import'] } },
    },
    {
      name: 'no-circular-lazy',
      comment:
        'A circle closed by a dynamic import() does not break loading, but it is still a circle that hides the real dependency order.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, via: { dependencyTypes: ['dynamic-import'] } },
    },
    {
      name: 'lib-is-neutral',
      comment:
        'src/lib holds the helpers every layer may use (errors, ids, clocks, CallContext, buffers); it must not depend on any layer, or every layer would depend on that one.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'config-is-neutral',
      comment:
        'The configuration (src/config.ts and its variable schema src/config-vars.ts) is read by every layer, so it may use only src/lib.',
      severity: 'error',
      from: { path: '^src/config(-vars)?\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/lib/', '^src/config(-vars)?\\.ts$'] },
    },
    {
      name: 'store-is-the-bottom',
      comment:
        'The store (database, migrations, schema) sits under everything: it knows no business rule, task, driver or dialect.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: ['^src/store/', '^src/lib/'] },
    },
    {
      name: 'tasks-engine-uses-store-and-lib-only',
      comment:
        'src/tasks is only the durable engine (claim, lease, heartbeat, recovery, queue, log); what a task kind does lives in core next to its resource and is registered from core.',
      severity: 'error',
      from: { path: '^src/tasks/' },
      to: { path: '^src/', pathNot: ['^src/tasks/', '^src/store/', '^src/lib/'] },
    },
    {
      name: 'drivers-never-import-core',
      comment:
        'A driver runs VMs and keeps bytes; it knows no business rule and no wire format. It may use src/lib, the store where it must (next rule) and, in load.ts, the configuration.',
      severity: 'error',
      from: { path: '^src/drivers/' },
      to: { path: '^src/', pathNot: ['^src/drivers/', '^src/lib/', '^src/store/', '^src/config\\.ts$'] },
    },
    {
      name: 'drivers-use-the-store-only-where-they-must',
      comment:
        'Only the sim driver keeps its state (domains, faults) in the database, and compute/load.ts hands it the store; every other driver gets what it needs in its calls (VmSpec).',
      severity: 'error',
      from: { path: '^src/drivers/', pathNot: ['^src/drivers/compute/sim/', '^src/drivers/compute/load\\.ts$'] },
      to: { path: '^src/store/' },
    },
    {
      name: 'drivers-read-config-only-in-load',
      comment:
        'Drivers are built from explicit options; only their load.ts (name → factory) turns the configuration into those options.',
      severity: 'error',
      from: { path: '^src/drivers/', pathNot: '^src/drivers/[^/]+/load\\.ts$' },
      to: { path: '^src/config\\.ts$' },
    },
    {
      name: 'core-uses-store-tasks-driver-interfaces-lib',
      comment:
        'The core sees drivers only through their interfaces (ComputeDriver, VolumeStorage), so any hypervisor or storage format can be plugged in; it never reaches into a dialect or the HTTP plumbing.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: {
        path: '^src/',
        pathNot: [
          '^src/(core|store|tasks|lib)/',
          '^src/drivers/compute/driver\\.ts$',
          '^src/drivers/storage/storage\\.ts$',
          '^src/config\\.ts$',
        ],
      },
    },
    {
      name: 'only-the-edge-speaks-http',
      comment:
        'Fastify belongs to the dialects, the HTTP plumbing and the composition root; the layers below serve every dialect and the CLI alike.',
      severity: 'error',
      from: { path: ['^src/(lib|store|tasks|drivers|core)/', '^src/config\\.ts$'] },
      to: { path: 'node_modules/(fastify|@fastify/[^/]+|light-my-request)/' },
    },
    {
      name: 'dialects-call-core',
      comment:
        'A dialect decodes, calls a core service and encodes; it never touches the store, the task engine or a driver (if it needs one, the core is missing a method).',
      severity: 'error',
      from: { path: '^src/dialects/' },
      to: { path: '^src/', pathNot: ['^src/(dialects|core|lib|http)/'] },
    },
    {
      name: 'dialects-are-independent',
      comment:
        'One dialect never imports another, so each can change (or be removed) alone; what they share belongs in core, src/http or the dialect kit in src/dialects/shared.',
      severity: 'error',
      from: { path: '^src/dialects/([^/]+)/' },
      to: { path: '^src/dialects/', pathNot: ['^src/dialects/$1/', '^src/dialects/shared/'] },
    },
    {
      name: 'nothing-imports-a-dialect',
      comment: 'Dialects are mounted by src/app.ts only; nothing below them may depend on a wire format.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app\\.ts$', '^src/dialects/'] },
      to: { path: '^src/dialects/' },
    },
    {
      name: 'http-plumbing-is-dialect-neutral',
      comment:
        'src/http (request ids, limits, metrics, health, NUL-byte checks) serves every dialect: it may read core (its stats) and lib, never a dialect, the store, the engine or a driver.',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/', pathNot: ['^src/(http|core|lib)/', '^src/config\\.ts$'] },
    },
    {
      name: 'dns-server-reads-core-only',
      comment:
        'src/dns (the authoritative DNS server) answers from hosted zones through the core; it never touches the store, the engine, a driver, a dialect or the HTTP plumbing.',
      severity: 'error',
      from: { path: '^src/dns/' },
      to: { path: '^src/', pathNot: ['^src/(dns|core|lib)/'] },
    },
    {
      name: 'driver-loaders-only-in-the-composition-root',
      comment:
        'Choosing and building drivers (load.ts: name → factory) is wiring: only src/runtime.ts and the CLI do it; everything else gets the built driver.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/runtime\\.ts$', '^src/cli/'] },
      to: { path: '^src/drivers/[^/]+/load\\.ts$' },
    },
    {
      name: 'composition-root-is-the-top',
      comment: 'src/runtime.ts and src/app.ts wire the layers together; no layer may depend on the wiring.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/runtime\\.ts$', '^src/app\\.ts$'] },
      to: { path: '^src/(runtime|app)\\.ts$' },
    },
    {
      name: 'cli-is-not-imported',
      comment:
        'The `nube` command is the outermost shell (it starts the runtime and the app); nothing in src may import it but the other shell, src/embed.ts (startNube), which shares its boot steps.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli/', '^src/embed\\.ts$'] },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    // Libraries are leaves here: only whether src reaches them matters (e.g. Fastify below the edge).
    doNotFollow: { path: 'node_modules' },
    // Count `import type` too: a type from another layer is a dependency on it.
    tsPreCompilationDeps: true,
    // Resolve the `.js` specifiers of NodeNext to the `.ts` sources.
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
