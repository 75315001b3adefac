/**
 * The dependency rules, written once (docs/architecture.md explains them). `npm run lint` runs them on
 * src/ and bench/; test/depcruise.test.ts shows they fail on a deliberate violation.
 *
 * Layers: stage folders (src/<stage>/, each with one public face, its index.ts) and the composition
 * layer that wires them (src/pipeline.ts, src/compose.ts, src/cli.ts, src/commands/, src/server/).
 * Top-level modules such as src/types.ts, src/errors.ts and src/serial-queue.ts are neutral: anyone may
 * import them, they import no stage.
 */

/** Stages: they meet only in the composition layer, through their index.ts. */
const STAGES = 'ingest|detect|classify|attention|emotion|rooms|eval|dataset|runtime|schemas|config|cluster';

/**
 * The pure core: alignment, tracking, detection over the inference interface, mesh geometry and the mesh AU
 * estimator with its crop nets, smoothing, rules, lifecycle, engagement, the contracts, and each stage's browser
 * face (`src/<stage>/browser.ts`). No I/O and no Node built-ins: the browser client (`src/client/`) bundles them
 * and runs them on onnxruntime-web. They import each other, zod and (type-only) anything.
 */
const PURE = [
  '^src/types\\.ts$',
  '^src/errors\\.ts$',
  '^src/serial-queue\\.ts$',
  '^src/stage-timer\\.ts$',
  '^src/[^/]+/browser\\.ts$',
  '^src/runtime/inference\\.ts$',
  '^src/detect/(align|tracker|hungarian|blazeface|face-mesh|full-range|iris|shot|detector|mesh-detector|ssd|step)\\.ts$',
  '^src/emotion/(smoothing|hysteresis|lifecycle|rules|track|engine|engagement)\\.ts$',
  '^src/classify/(card|preprocess|estimator|bounds)\\.ts$',
  '^src/classify/mesh/(measures|normalize|canonical|procrustes|calibration|baseline|pose|estimator|crop-net|expression-net|landmark-net|lips68|mouth|features|student-net)\\.ts$',
  '^src/schemas/(messages|ingest)\\.ts$',
  '^src/attention/(eyes|signals|track|events|reading)\\.ts$',
  '^src/cluster/(lease|ids)\\.ts$',
  '^src/eval/(metrics|folds|report)\\.ts$',
];
/** The browser client imports only these from src/ (the pure core's faces) besides itself. */
const CLIENT_MAY_IMPORT = ['^src/client/', '^src/[^/]+/browser\\.ts$', '^src/(types|errors)\\.ts$'];
/** npm packages the browser client may import: ORT-web and what the pure core may. */
const CLIENT_PACKAGES = '(^|/)node_modules/(zod|onnxruntime-web|onnxruntime-common)/';
/** npm packages the pure core may import (no I/O of their own). */
const PURE_PACKAGES = '(^|/)node_modules/zod/';

module.exports = {
  forbidden: [
    {
      name: 'no-deep-import',
      comment:
        "A stage's internals are private: from outside its folder, import src/<stage>/index.ts (its public face).",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/.+', pathNot: ['^src/$1/', '^src/[^/]+/(index|browser)\\.ts$'] },
    },
    {
      name: 'no-deep-import-from-top',
      comment: 'Top-level modules and the benchmarks go through the public faces too (src/<stage>/index.ts).',
      severity: 'error',
      from: { path: '^(src/[^/]+\\.ts|bench/)' },
      to: { path: '^src/[^/]+/.+', pathNot: '^src/[^/]+/index\\.ts$' },
    },
    {
      name: 'stage-not-composition',
      comment:
        'A stage never imports a sink, the server, the commands or the composition root: dependencies point from composition to stages.',
      severity: 'error',
      from: { path: `^src/(${STAGES})/` },
      to: { path: '^src/(sink|server|commands)/|^src/(pipeline|compose|cli)\\.ts$' },
    },
    {
      name: 'neutral-imports-no-stage',
      comment: 'Neutral top-level modules (types, errors, log, serial-queue, …) import no stage or sink.',
      severity: 'error',
      from: {
        path: '^src/[^/]+\\.ts$',
        pathNot: '^src/(pipeline|compose|cli|analyze|summary|progress)\\.ts$',
      },
      to: { path: '^src/[^/]+/' },
    },
    {
      name: 'pure-no-node-builtins',
      comment: 'The pure core runs in the browser: no Node built-ins.',
      severity: 'error',
      from: { path: PURE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'pure-no-io-packages',
      comment: 'The pure core imports no I/O (ONNX Runtime, NATS, RxJS, …): only zod among npm packages.',
      severity: 'error',
      from: { path: PURE },
      to: {
        dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: PURE_PACKAGES,
      },
    },
    {
      name: 'pure-imports-pure',
      comment: 'The pure core imports only the pure core at run time (type-only imports are erased).',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/', pathNot: PURE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'client-imports-browser-faces',
      comment:
        "The browser client imports only stages' browser faces (src/<stage>/browser.ts, pure) and the contracts, so everything it bundles is the pure core.",
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: CLIENT_MAY_IMPORT, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'client-no-node',
      comment:
        'The browser client uses no Node built-in and, among npm packages, only onnxruntime-web and zod.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: CLIENT_PACKAGES,
      },
    },
    {
      name: 'one-process-wrapper',
      comment:
        'ffmpeg and ffprobe run through src/ingest/ffmpeg.ts (spawnFfmpeg, runFfmpeg), the one wrapper with error codes; nats-server through sink/nats-server.ts.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(ingest/ffmpeg|sink/nats-server)\\.ts$' },
      to: { dependencyTypes: ['core'], path: '^(node:)?child_process$' },
    },
    {
      name: 'no-circular',
      comment: 'No import loops (the detector interface and its factory were one, in detect/detector.ts).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
