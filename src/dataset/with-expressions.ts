/**
 * A prepared dataset's labels.csv with the expression net's `happy` on each crop mixed into AU6 and AU12, as the
 * production mesh estimator does (`withHappy`). For datasets labelled by the mesh estimator without the
 * expression net (`dataset pseudo --labeller mesh`): the result is that estimator's output with the net, per crop,
 * e.g. to score it out of fold beside the CNN (`training/scripts/fusion_oof.py --mesh-labels OUT`).
 *
 *   npx tsx src/dataset/with-expressions.ts DATASET_DIR OUT.csv [--model DIR]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EXPRESSION_AUS, EXPRESSIONS_DIR, FaceExpressions, withHappy } from '../classify/index.js';
import { type DatasetRow, formatLabelsCsv, readCrop, readDataset } from './format.js';

/**
 * The rows with `happyOf(row)` mixed into the expression AUs; unknown labels, and rows whose happy is not a
 * number, stay as they were.
 */
export async function mixHappy(
  rows: readonly DatasetRow[],
  happyOf: (row: DatasetRow) => Promise<number>,
): Promise<DatasetRow[]> {
  const out: DatasetRow[] = [];
  for (const row of rows) {
    const happy = await happyOf(row);
    const labels = { ...row.labels };
    if (Number.isFinite(happy))
      for (const au of EXPRESSION_AUS) {
        const p = labels[au];
        if (p !== undefined) labels[au] = withHappy(p, happy);
      }
    out.push({ ...row, labels });
  }
  return out;
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
  const ds = await readDataset(dir);
  const net = await FaceExpressions.open(values.model);
  let n = 0;
  const rows = await mixHappy(ds.rows, async (row) => {
    const [e] = await net.expressions([await readCrop(ds, row)]);
    if (++n % 100 === 0) process.stderr.write(`${n} crops\r`);
    return e?.happy ?? Number.NaN;
  });
  await net.close();
  if (n >= 100) process.stderr.write('\n');
  await writeFile(outFile, formatLabelsCsv(rows));
  console.log(`${n} crops: ${outFile} (AU6, AU12 with the expression net's happy)`);
}
