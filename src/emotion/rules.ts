/**
 * AU → emotion rules as data (config/emotions.yaml; read by rules-file.ts), validated, and the scoring function.
 * Pure: no I/O, so the browser can run it.
 *
 * Score of an emotion with prototype AUs A, weights w (default 1), core AUs C ⊆ A and core floor f:
 *   used   = A ∩ (AUs the estimator measured in this sample)
 *   mean   = Σ_{a∈used} w_a·p_a / Σ_{a∈used} w_a
 *   gate   = min_{c∈C∩used} min(1, p_c / f)            (1 when no core AU is measured)
 *   score  = mean · gate                                 (0 when `used` is empty)
 * p are smoothed AU probabilities in [0, 1], so the score is in [0, 1]. The gate keeps an emotion
 * from firing on its secondary AUs alone (anger must not fire on a frown without the lid raise).
 * AUs of A the estimator does not measure are reported as `missing` on every event.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const auName = z.string().regex(/^AU\d{1,2}$/, 'must look like "AU12"');

export const ruleSchema = z
  .object({
    aus: z.array(auName).min(1).describe('Prototype AUs (EMFACS).'),
    core: z.array(auName).default([]).describe('AUs that must be present; they gate the score.'),
    coreFloor: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe('Core AU probability that opens the gate fully.'),
    weights: z.record(auName, z.number().gt(0).max(100)).default({}).describe('Per-AU weights (default 1).'),
    onThreshold: z.number().min(0).max(1).optional().describe('Overrides emotion.onThreshold.'),
    offThreshold: z.number().min(0).max(1).optional().describe('Overrides emotion.offThreshold.'),
    enabled: z.boolean().default(true),
    note: z.string().optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const set = new Set(r.aus);
    if (set.size !== r.aus.length)
      ctx.addIssue({ code: 'custom', path: ['aus'], message: 'lists an AU twice' });
    r.core.forEach((a, i) => {
      if (!set.has(a)) ctx.addIssue({ code: 'custom', path: ['core', i], message: `${a} is not in aus` });
    });
    for (const a of Object.keys(r.weights)) {
      if (!set.has(a)) ctx.addIssue({ code: 'custom', path: ['weights', a], message: `${a} is not in aus` });
    }
    if (r.onThreshold !== undefined && r.offThreshold !== undefined && r.offThreshold > r.onThreshold) {
      ctx.addIssue({ code: 'custom', path: ['offThreshold'], message: 'must not exceed onThreshold' });
    }
  });

export const rulesFileSchema = z
  .object({
    version: z.literal(1).describe('Format version of the rule file.'),
    emotions: z.record(
      z.string().regex(/^[a-z][a-z0-9_-]*$/, 'emotion names are lower-case words'),
      ruleSchema,
    ),
  })
  .strict();

export type Rule = z.infer<typeof ruleSchema>;
export interface NamedRule extends Rule {
  readonly name: string;
}
/** The validated, enabled rules, in file order. */
export type Rules = readonly NamedRule[];

function describeIssue(issue: z.core.$ZodIssue): string {
  const [top, name, ...rest] = issue.path.map(String);
  const field = rest.length ? ` field ${rest.join('.')}` : '';
  if (top === 'emotions' && name !== undefined) return `rule "${name}"${field}: ${issue.message}`;
  const where = issue.path.length ? `"${issue.path.join('.')}"` : 'top level';
  if (issue.code === 'unrecognized_keys') return `${where}: unknown key(s) ${issue.keys.join(', ')}`;
  return `${where}: ${issue.message}`;
}

/** Validates parsed rule data; `source` names the file in errors. Throws ConfigError RULES_INVALID. */
export function parseRules(data: unknown, source: string): Rules {
  const res = rulesFileSchema.safeParse(data);
  if (!res.success) {
    const msgs = res.error.issues.map((i) => `  ${describeIssue(i)}`).join('\n');
    throw new ConfigError('RULES_INVALID', `emotion rule file ${source} is invalid:\n${msgs}`);
  }
  const rules = Object.entries(res.data.emotions)
    .filter(([, r]) => r.enabled)
    .map(([name, r]) => ({ ...r, name }));
  if (rules.length === 0) {
    throw new ConfigError('RULES_INVALID', `emotion rule file ${source} enables no emotion`);
  }
  return rules;
}

export interface RuleScore {
  readonly score: number;
  /** Prototype AUs measured in the sample, with their (smoothed) values. */
  readonly aus: Readonly<Record<string, number>>;
  /** Prototype AUs the estimator did not measure. */
  readonly missing: readonly string[];
}

/** Scores one rule on one vector of smoothed AU probabilities (see the formula at the top). */
export function scoreRule(rule: Rule, au: Readonly<Record<string, number | undefined>>): RuleScore {
  const aus: Record<string, number> = {};
  const missing: string[] = [];
  let num = 0;
  let den = 0;
  for (const a of rule.aus) {
    const p = au[a];
    if (p === undefined || !Number.isFinite(p)) {
      missing.push(a);
      continue;
    }
    const w = rule.weights[a] ?? 1;
    const pc = Math.min(1, Math.max(0, p));
    aus[a] = pc;
    num += w * pc;
    den += w;
  }
  if (den === 0) return { score: 0, aus, missing };
  let gate = 1;
  for (const c of rule.core) {
    const p = aus[c];
    if (p !== undefined) gate = Math.min(gate, Math.min(1, p / rule.coreFloor));
  }
  return { score: (num / den) * gate, aus, missing };
}
