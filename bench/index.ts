/**
 * `npm run bench [-- --quick] [-- stage …]`: runs each stage's benchmark, prints one table and writes
 * bench/results/<timestamp>.json with the machine it ran on.
 */
import { fileURLToPath } from 'node:url';
import {
  type BenchModule,
  type BenchResult,
  machineInfo,
  parseBenchArgs,
  printTable,
  writeResults,
} from './harness.js';

/** Options that take a value (the soak's). */
const VALUED = ['streams', 'minutes', 'fps'];

/** Static list: a stage's bench module is added here when it lands. */
const STAGES: Record<string, () => Promise<BenchModule>> = {
  // The peer goes first: a second @vladmandic/human created after ours (no emotion model) cannot run emotion.
  peer: () => import('./peer.js'),
  ingest: () => import('./ingest.js'),
  detect: () => import('./detect.js'),
  mesh: () => import('./mesh.js'),
  classify: () => import('./classify.js'),
  sink: () => import('./sink.js'),
  dataset: () => import('./dataset.js'),
  e2e: () => import('./e2e.js'),
  browser: () => import('./browser.js'),
};

/** Long runs, only when named: `npm run bench -- soak`. */
const EXTRA: Record<string, () => Promise<BenchModule>> = {
  soak: () => import('./soak.js'),
  // reads ../shared/media (the labelled recall set)
  'detect-recall': () => import('./detect-recall.js'),
  handover: () => import('./handover.js'),
  capacity: () => import('./capacity.js'),
};

async function main(all: readonly string[]): Promise<number> {
  const { args, rest: argv } = parseBenchArgs(all, VALUED);
  const quick = argv.includes('--quick');
  const wanted = argv.filter((a) => !a.startsWith('--'));
  const known = { ...STAGES, ...EXTRA };
  const unknown = wanted.filter((w) => !(w in known));
  if (unknown.length > 0) {
    console.error(`bench: unknown stage(s) ${unknown.join(', ')}; known: ${Object.keys(known).join(', ')}`);
    return 2;
  }
  // Named stages run in the fixed order above whatever the argument order (the peer must load first).
  const names =
    wanted.length > 0 ? Object.keys(known).filter((n) => wanted.includes(n)) : Object.keys(STAGES);
  const machine = await machineInfo();
  console.error(
    `bench: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load ${machine.load1.toFixed(2)}`,
  );
  const results: BenchResult[] = [];
  let failed = 0;
  for (const name of names) {
    console.error(`bench: ${name}${quick ? ' (quick)' : ''} …`);
    try {
      const mod = await known[name as keyof typeof known]!();
      results.push(...(await mod.run({ quick, args })));
    } catch (e) {
      failed++;
      console.error(`bench: ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  printTable(results);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  console.error(`bench: wrote ${writeResults(dir, machine, results, quick)}`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
