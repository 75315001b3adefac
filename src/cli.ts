/**
 * `aupipe`: one binary, several subcommands. Each command loads the config once (flags layered over
 * env, --config and config/default.yaml) and imports only the stages it needs, so --help stays fast.
 */
import { Command, CommanderError, Option } from 'commander';
import {
  commanderExit,
  loadAnalyze,
  loadDataset,
  loadEval,
  loadEvalFrames,
  loadFeatures,
  loadRun,
  loadServe,
  loadWorker,
  num,
  reportError,
  withCommon,
} from './commands/index.js';
import { ConfigError } from './errors.js';

const program = new Command('aupipe')
  .description(
    'Real-time facial Action Unit and emotion analytics: video in, AU samples and emotion events out.',
  )
  .version('0.1.0')
  .showHelpAfterError()
  // Usage errors (unknown option, bad value, missing argument) exit 2 as the README says, not commander's 1.
  .exitOverride();

/** The estimator choice, shared by every command that measures AUs. */
const ESTIMATOR = new Option('--estimator <name>', 'AU estimator (classify.estimator)').choices([
  'mesh',
  'cnn',
  'fusion',
]);
const MODEL = new Option('--model <dir>', 'CNN model bundle folder (classify.model)');

/** Runs a command body and exits with its status; errors are printed once, with their code. */
function action<A extends unknown[]>(name: string, body: (...args: A) => Promise<number | undefined>) {
  return async (...args: A) => {
    try {
      process.exitCode = (await body(...args)) ?? 0;
    } catch (err) {
      process.exitCode = reportError(name, err);
    }
    // Native ORT/wasm handles can keep the loop alive; everything was flushed and closed above.
    setImmediate(() => process.exit(process.exitCode ?? 0));
  };
}

withCommon(
  program
    .command('run')
    .description('analyse one source (a video file or rtsp:// URL) end to end; prints a JSON summary line')
    .requiredOption('-s, --source <path|url>', 'video file path or rtsp:// / rtsps:// URL')
    .option('--jsonl <file>', 'write every published message to FILE, one JSON object a line')
    .option('--fps <n>', 'analysis frames per second (ingest.fps)', num)
    .option('--every <k>', 'run the face detector every k-th frame (detect.every)', num)
    .option('--stream-id <id>', 'stream id carried by every message', 'main')
    .addOption(ESTIMATOR)
    .addOption(MODEL)
    .option('--nats <url>', 'also publish on this NATS server (sink.nats.url)'),
).action(
  action('run', async (o) => {
    const { runCommand } = await loadRun();
    return runCommand(
      {
        source: o.source,
        config: o.config,
        logLevel: o.logLevel,
        jsonl: o.jsonl,
        streamId: o.streamId,
        flags: {
          'ingest.fps': o.fps,
          'detect.every': o.every,
          'classify.estimator': o.estimator,
          'classify.model': o.model,
          'sink.nats.url': o.nats,
        },
      },
      (summary) => process.stdout.write(`${JSON.stringify(summary)}\n`),
    );
  }),
);

withCommon(
  program
    .command('eval')
    .description(
      'score an AU estimator on a prepared dataset (per-AU precision, recall, F1, AUC and means) or on the hand-labelled video frames (--frames)',
    )
    .option('--data <dir>', 'prepared dataset folder (meta.json, crops/, labels.csv)')
    .option(
      '--frames <file>',
      'video-frame yardstick (test/fixtures/frame-labels.json): run its clips as streams and score them',
    )
    .option('--media <dir>', 'folder of the clips --frames names', '../shared/media')
    .option(
      '--student-folds <dir>',
      "with --frames: each person's clips read by the student trained without them (DIR/<person>/)",
    )
    .addOption(ESTIMATOR)
    .addOption(MODEL)
    .option('--folds <k>', 'also report k subject-independent folds', num)
    .addOption(
      new Option('--thresholds <kind>', "card: the bundle's per-AU thresholds; fixed: 0.5").choices([
        'card',
        'fixed',
      ]),
    )
    .option('--yardstick', 'score against the hand-labelled real faces (test/fixtures/real-faces.json)')
    .option('--json', 'print the report as JSON on stdout (the table goes to stderr)'),
).action(
  action('eval', async (o) => {
    if (o.frames) {
      const { evalFramesCommand } = await loadEvalFrames();
      return evalFramesCommand({
        ...o,
        flags: { 'classify.estimator': o.estimator, 'classify.model': o.model },
      });
    }
    if (!o.data)
      throw new ConfigError('CONFIG_INVALID', 'one of --data <dir> or --frames <file> is required');
    const { evalCommand } = await loadEval();
    return evalCommand({
      ...o,
      flags: { 'classify.estimator': o.estimator, 'classify.model': o.model },
    });
  }),
);

withCommon(
  program
    .command('analyze')
    .description('faces in still images (JPEG, PNG): box, score, landmarks, AU probabilities, emotion scores')
    .argument('<images...>', 'image files')
    .option('--json', 'print JSON (one entry per image)')
    .option('--mesh', 'include the full face mesh in the JSON')
    .addOption(ESTIMATOR)
    .addOption(MODEL),
).action(
  action('analyze', async (images: string[], o) => {
    const { analyzeCommand } = await loadAnalyze();
    return analyzeCommand({
      ...o,
      images,
      flags: { 'classify.estimator': o.estimator, 'classify.model': o.model },
    });
  }),
);

function serveCommandOf(name: string, description: string, demo: boolean) {
  return withCommon(
    program
      .command(name)
      .description(description)
      .option('--host <addr>', 'HTTP listen address (server.host)')
      .option('--port <n>', 'HTTP port, 0 for any free one (server.port)', num)
      .option('--nats <url>', 'use this NATS server instead of an embedded one (sink.nats.url)')
      .option('--fps <n>', 'analysis frames per second (ingest.fps)', num)
      .option('--jsonl <file>', 'also write every published message to FILE')
      .addOption(
        new Option('--role <role>', 'all: the in-process service; api: a stateless cluster API node')
          .choices(['all', 'api'])
          .default('all'),
      ),
  ).action(
    action(name, async (o) => {
      const { serveCommand } = await loadServe();
      return serveCommand({
        ...o,
        demo,
        flags: { 'server.host': o.host, 'server.port': o.port, 'sink.nats.url': o.nats, 'ingest.fps': o.fps },
      });
    }),
  );
}
serveCommandOf(
  'serve',
  'the live service: HTTP API, WebSocket channels, NATS, dashboard; streams from config',
  false,
);
serveCommandOf(
  'demo',
  'serve with the bundled real-face sample video as a looping live stream and an embedded NATS',
  true,
);

withCommon(
  program
    .command('worker')
    .description(
      'analyse the streams this process claims from the NATS cluster (KV leases); SIGTERM hands them over',
    )
    .requiredOption('--nats <urls>', 'NATS cluster URL(s), comma-separated (sink.nats.url)')
    .option('--max-streams <n>', 'most streams analysed at once (cluster.maxStreams)', num)
    .option('--worker-id <id>', 'name in the leases bucket (cluster.workerId)')
    .option('--lease-ttl <ms>', 'lease TTL (cluster.leaseTtlMs)', num)
    .option('--heartbeat <ms>', 'lease refresh period (cluster.heartbeatMs)', num)
    .option('--replicas <n>', 'JetStream replicas of the KV buckets and events stream', num)
    .option('--fps <n>', 'analysis frames per second (ingest.fps)', num)
    .option('--jsonl <file>', 'also write every published message to FILE'),
).action(
  action('worker', async (o) => {
    const { workerCommand } = await loadWorker();
    return workerCommand({
      config: o.config,
      logLevel: o.logLevel,
      jsonl: o.jsonl,
      flags: {
        'sink.nats.url': o.nats,
        'cluster.maxStreams': o.maxStreams,
        'cluster.workerId': o.workerId,
        'cluster.leaseTtlMs': o.leaseTtl,
        'cluster.heartbeatMs': o.heartbeat,
        'cluster.replicas': o.replicas,
        'sink.nats.replicas': o.replicas,
        'ingest.fps': o.fps,
      },
    });
  }),
);

const dataset = program.command('dataset').description('build training and evaluation datasets');
withCommon(
  dataset
    .command('pseudo')
    .description('real faces from the offline photos, aligned, labelled by the mesh estimator, augmented')
    .requiredOption('-o, --out <dir>', 'output dataset folder')
    .option('--seed <n>', 'random seed (same seed, same bytes)', num, 1)
    .option('--augment <n>', 'augmented variants per face (0: the base set only)', num, 4)
    .option(
      '--warps <n>',
      'mesh-warped variants per face (lip-corner pull, jaw drop, brow raise; re-detected)',
      num,
      0,
    )
    .addOption(
      new Option(
        '--labeller <kind>',
        'mesh: the production mesh estimator (geometry + mouth appearance + 68-point lip net); mesh-crop: without the net; geometry: mesh measures only',
      )
        .choices(['mesh', 'mesh-crop', 'geometry'])
        .default('mesh'),
    )
    .option('--contact-sheet <png>', 'also write a contact sheet of crops with their labels'),
).action(
  action('dataset pseudo', async (o) => {
    const { pseudoCommand } = await loadDataset();
    return pseudoCommand(o);
  }),
);

withCommon(
  dataset
    .command('prepare')
    .description("DISFA's videos and FACS labels → a prepared dataset (production detect + align)")
    .requiredOption('--disfa <dir>', 'DISFA folder (LeftVideoSN001_comp.avi …, SN001_au1.txt …)')
    .requiredOption('-o, --out <dir>', 'output dataset folder')
    .addOption(new Option('--aus <n>', 'the 8-AU benchmark set or all 12').choices(['8', '12']).default('12'))
    .option('--stride <n>', 'every n-th labelled frame', num, 1)
    .option('--threshold <n>', 'intensity counted as present (standard protocol: 2)', num, 2)
    .addOption(
      new Option('--camera <side>', 'which DISFA camera').choices(['Left', 'Right']).default('Left'),
    ),
).action(
  action('dataset prepare', async (o) => {
    const { prepareCommand } = await loadDataset();
    return prepareCommand({ ...o, aus: o.aus === '8' ? 8 : 12 });
  }),
);

withCommon(
  dataset
    .command('features')
    .description(
      "real clips through the stream pipeline: each face's mesh-student features and AUs (features.csv); with --frames, frames and faces.csv for the teacher",
    )
    .argument('<clips...>', 'video files')
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--frames', 'also write the decoded frames (PPM) and faces.csv (training use only)', false)
    .option(
      '--crops',
      "also write each face's aligned crop as a prepared dataset under OUT/crops (the CNN trainer's input; labels: the mesh estimator's AUs, subject: the clip)",
      false,
    )
    .option('--fps <n>', 'analysis frame rate (default: ingest.fps)', num),
).action(
  action('dataset features', async (clips: string[], o) => {
    const { featuresCommand } = await loadFeatures();
    return featuresCommand(clips, o);
  }),
);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CommanderError)) throw err;
  process.exit(commanderExit(err));
}
