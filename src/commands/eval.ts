import { createModels } from '../compose.js';
import { evaluate, formatReport, yardstickLabels } from '../eval/index.js';
import { configFrom } from './common.js';

export interface EvalOptions {
  readonly data: string;
  readonly folds?: number;
  readonly json?: boolean;
  readonly yardstick?: boolean;
  readonly thresholds?: 'card' | 'fixed';
  readonly config?: string;
  readonly logLevel?: string;
  readonly flags: Record<string, unknown>;
}

/**
 * `aupipe eval`: the production estimator over a prepared dataset. The table goes to stdout, or with
 * --json the JSON report goes to stdout and the table to stderr.
 */
export async function evalCommand(o: EvalOptions): Promise<number> {
  const config = configFrom(o, o.flags);
  // mesh and fusion read the face mesh: re-detect it on each crop (see src/eval/runner.ts)
  const models = await createModels(config, { detector: config.classify.estimator !== 'cnn', stills: true });
  const { estimator, detector } = models;
  try {
    const report = await evaluate({
      estimator,
      dataDir: o.data,
      ...(o.folds ? { folds: o.folds } : {}),
      ...(detector ? { detector } : {}),
      ...(o.thresholds ? { thresholds: o.thresholds } : {}),
      ...(o.yardstick ? { relabel: await yardstickLabels() } : {}),
      onProgress: (done, total) => {
        if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${done}/${total} faces`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (o.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      process.stderr.write(`${formatReport(report)}\n`);
    } else process.stdout.write(`${formatReport(report)}\n`);
    return 0;
  } finally {
    await models.close();
  }
}
