/** Builds docs/messages.md from the message schemas and examples, so the reference cannot drift. */
import { MESSAGE_EXAMPLES } from './examples.js';
import { jsonSchemas, MESSAGE_FILE } from './json-schema.js';
import { MESSAGE_SCHEMAS, type MessageType } from './messages.js';

type Json = Record<string, unknown>;

function typeOf(p: Json): string {
  if (p.const !== undefined) return `\`${JSON.stringify(p.const)}\``;
  if (Array.isArray(p.enum)) return p.enum.map((e) => `\`${JSON.stringify(e)}\``).join(' \\| ');
  if (Array.isArray(p.anyOf)) return (p.anyOf as Json[]).map(typeOf).join(' \\| ');
  if (p.type === 'array') return `${typeOf((p.items ?? {}) as Json)}[]`;
  if (p.type === 'object') return p.additionalProperties && !p.properties ? 'map' : 'object';
  const bounds = [
    p.minimum !== undefined ? `≥ ${p.minimum}` : '',
    p.maximum !== undefined && (p.maximum as number) < 1e15 ? `≤ ${p.maximum}` : '',
  ].filter(Boolean);
  return `${String(p.type ?? 'any')}${bounds.length ? ` (${bounds.join(', ')})` : ''}`;
}

function fieldTable(schema: Json): string {
  const branches = (schema.oneOf as Json[] | undefined) ?? [schema];
  const rows = new Map<string, { type: string; required: string; description: string }>();
  for (const b of branches) {
    const req = new Set((b.required as string[]) ?? []);
    for (const [name, p] of Object.entries((b.properties ?? {}) as Record<string, Json>)) {
      const prev = rows.get(name);
      const type = prev && prev.type !== typeOf(p) ? `${prev.type} \\| ${typeOf(p)}` : typeOf(p);
      const required = req.has(name) ? (branches.length > 1 && !prev ? 'when phase is end' : 'yes') : 'no';
      rows.set(name, {
        type,
        required: prev && prev.required !== required ? 'yes' : required,
        description: String(p.description ?? ''),
      });
    }
  }
  const lines = ['| field | type | required | description |', '|---|---|---|---|'];
  for (const [name, r] of rows) lines.push(`| \`${name}\` | ${r.type} | ${r.required} | ${r.description} |`);
  return lines.join('\n');
}

const INTRO = `# Message reference

Generated from \`src/schemas\` by \`npx tsx scripts/export-schemas.ts\` (do not edit by hand). Every message aupipe
publishes (NATS, WebSocket, \`--jsonl\`) is one JSON object with \`v\` (schema version, now 1) and
\`type\`. The JSON Schema (draft 2020-12) of each message is in \`schemas/\`; \`schemas/${MESSAGE_FILE}\`
accepts any message. Objects are closed: a change to any message's fields bumps \`v\`.

Times: \`ptsMs\`, \`startMs\`, \`endMs\`, \`fromMs\`, \`toMs\` are stream time (the frame's presentation time,
ms); \`decodedAt\` and \`atMs\` are wall-clock ms since the epoch.

## From AU samples to emotion events

1. **Smoothing.** Each track's AU probabilities go through a filter in time units, so it behaves the
   same at any frame rate and across dropped frames: exponential, \`s ← s + (1 − e^(−Δt/τ))·(p − s)\`
   with τ = \`emotion.smoothingMs\` (default), or One-Euro (\`emotion.smoothing: one-euro\`: the cutoff
   rises with the speed of change). A track unseen for longer than \`gapGraceMs\` starts afresh.
2. **Scoring.** Each rule of \`config/emotions.yaml\` (EMFACS prototypes; users can add rules) scores
   the smoothed AUs: \`score = (Σ w·p over the measured prototype AUs / Σ w) · min over measured core AUs
   of min(1, p / coreFloor)\`. Prototype AUs the estimator does not measure are skipped and listed in
   \`missingAus\` (e.g. anger lacks AU7 and AU23 with the DISFA AU set). Contempt (unilateral AU12 + AU14)
   is in the file but disabled: no estimator here measures either.
3. **Hysteresis.** An emotion starts when its score stays ≥ \`onThreshold\` for \`minDurationMs\`
   (\`startMs\` is the onset) and ends when it stays < \`offThreshold\` for \`minOffMs\` (\`endMs\` is when it
   first dropped). While it lasts, an \`update\` goes out at most every \`updateIntervalMs\`, and only when
   the confidence moved by \`updateMinDelta\` or a new peak was reached.
4. **Lifecycle.** One \`id\` (\`streamId:trackId:emotion:startMs\`) across \`start\`, \`update\`s and \`end\`.
   Every \`start\` gets exactly one \`end\`: also when the track ends, when the face is unseen for longer
   than \`gapGraceMs\` (ended where it was last seen), when no frame arrives for \`idleCloseMs\` of wall time,
   and when the stream ends or the pipeline shuts down. No \`update\` or \`end\` comes without its \`start\`.

## Engagement (a heuristic)

Not a validated measure of attention: a transparent score for online lessons, per track and per stream,
published every \`engagementIntervalMs\` (and once more at stream end) over the last \`engagementWindowMs\`
(per track: since the track appeared, if later; \`windowMs\` says which length was used):

- \`presence\`: face time in the window / window length (per stream: time with at least one face);
- \`onScreen\`, \`eyesOpen\`: share of face time looking inside the screen cone / with the eyes open, from the
  AU samples' attention readings (left out when the attention stage measured neither);
- \`expressiveness\`: mean over AUs of the standard deviation of the smoothed probability, divided by
  \`engagementExpressivenessScale\`, capped at 1;
- \`interest\`: mean of (AU1 + AU2) / 2, raised brows;
- \`confusion\`: share of face time with AU4 (brow lowerer) present for at least \`engagementSustainMs\`;
- \`yawning\`: share of face time yawning (the attention reading's yawn; without one, a jaw drop without a
  smile, \`min(AU26, 1 − AU12)\`, present for at least \`engagementSustainMs\`);
- \`boredom\`: \`max(yawning, (1 − expressiveness)·(1 − onScreen))\`: yawns, or a still face looking away;
- \`score = clamp01(Σ wₖ·cₖ / Σ wₖ − wC·confusion − wB·boredom)\` over the measured positive parts
  presence, onScreen·presence, eyesOpen·presence, expressiveness and interest, with the weights in
  \`emotion.engagementWeights\` (defaults 0.4, 0.8, 0.4, 0.2, 0.2; confusion 0.3, boredom 0.3).
  Which parts are measured and which are heuristics: [attention.md](attention.md#engagement).

Per stream, the parts are the face-time-weighted means over tracks (onScreen and eyesOpen over the tracks that
measured them), and
\`components.tracks\` counts the tracks in the window.
`;

/** The full text of docs/messages.md. */
export function messagesMarkdown(): string {
  const schemas = jsonSchemas();
  const parts = [INTRO];
  for (const [type, { file, title }] of Object.entries(MESSAGE_SCHEMAS) as [
    MessageType,
    (typeof MESSAGE_SCHEMAS)[MessageType],
  ][]) {
    const s = schemas[file]!;
    parts.push(
      `## ${title} (\`type: "${type}"\`)\n\n${String(s.description ?? '')} Schema: \`schemas/${file}\`.\n`,
    );
    parts.push(`${fieldTable(s)}\n`);
    const examples = MESSAGE_EXAMPLES[type];
    parts.push(`Example${examples.length > 1 ? 's' : ''}:\n`);
    for (const ex of examples) parts.push(`\`\`\`json\n${JSON.stringify(ex)}\n\`\`\`\n`);
  }
  return parts.join('\n');
}
