/**
 * A prepared dataset's labels.csv with the expression net's `happy` on each crop mixed into AU6 and AU12, as the
 * production mesh estimator does (`withHappy`). For datasets labelled by the mesh estimator without the
 * expression net (`dataset pseudo --labeller mesh`): the result is that estimator's output with the net, per crop,
 * e.g. to score it out of fold beside the CNN (`training/scripts/fusion_oof.py --mesh-labels OUT`).
 *
 *   npx tsx src/dataset/with-expressions.ts DATASET_DIR OUT.csv [--model DIR]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXPRESSION_AUS, EXPRESSIONS_DIR, FaceExpressions, withHappy } from '../classify/mesh/index.js';
import { decodeImage } from '../ingest/image.js';

/**
 * Rewrites `csv` (a labels.csv) with `happyOf(file)` mixed into the expression AUs; empty cells, and rows whose
 * happy is not a number, stay as they were.
 */
export async function mixHappy(csv: string, happyOf: (file: string) => Promise<number>): Promise<string> {
  const [head = '', ...rows] = csv.trim().split('\n');
  const cols = head.split(',');
  const at = EXPRESSION_AUS.map((au) => cols.indexOf(au));
  if (at.some((i) => i < 0) || cols[0] !== 'file')
    throw new Error(`labels.csv must have columns file, ${EXPRESSION_AUS.join(', ')}`);
  const out = [head];
  for (const row of rows) {
    const c = row.split(',');
    const happy = await happyOf(c[0] as string);
    if (Number.isFinite(happy))
      for (const i of at) if (c[i] !== '') c[i] = withHappy(Number(c[i]), happy).toFixed(4);
    out.push(c.join(','));
  }
  return `${out.join('\n')}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { model: { type: 'string', default: EXPRESSIONS_DIR } },
  });
  const [dir, outFile] = positionals;
  if (!dir || !outFile) {
    console.error('usage: npx tsx src/dataset/with-expressions.ts DATASET_DIR OUT.csv [--model DIR]');
    process.exit(2);
  }
  const net = await FaceExpressions.open(values.model);
  let n = 0;
  const csv = await mixHappy(await readFile(join(dir, 'labels.csv'), 'utf8'), async (file) => {
    const [e] = await net.expressions([await decodeImage(join(dir, file))]);
    if (++n % 100 === 0) process.stderr.write(`${n} crops\r`);
    return e?.happy ?? Number.NaN;
  });
  await net.close();
  if (n >= 100) process.stderr.write('\n');
  await writeFile(outFile, csv);
  console.log(`${n} crops: ${outFile} (AU6, AU12 with the expression net's happy)`);
}
