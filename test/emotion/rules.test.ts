import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRules, parseRules, scoreRule } from '../../src/emotion/index.js';
import { ConfigError } from '../../src/errors.js';
import { AU_KEYS } from '../../src/types.js';
import { auVec } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'aupipe-rules-'));
const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};
const failure = (fn: () => unknown): ConfigError => {
  try {
    fn();
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected a failure');
};

describe('rule file', () => {
  it('the shipped file holds the seven EMFACS prototypes; contempt is off, the rest enabled', () => {
    const rules = loadRules('config/emotions.yaml');
    expect(rules.map((r) => r.name)).toEqual([
      'happiness',
      'sadness',
      'surprise',
      'fear',
      'anger',
      'disgust',
    ]);
    const by = Object.fromEntries(rules.map((r) => [r.name, [...r.aus].sort()]));
    expect(by.happiness).toEqual(['AU12', 'AU6']);
    expect(by.sadness).toEqual(['AU1', 'AU15', 'AU4']);
    expect(by.surprise).toEqual(['AU1', 'AU2', 'AU26', 'AU5']);
    expect(by.fear).toEqual(['AU1', 'AU2', 'AU20', 'AU26', 'AU4', 'AU5', 'AU7']);
    expect(by.anger).toEqual(['AU23', 'AU4', 'AU5', 'AU7']);
    expect(by.disgust).toEqual(['AU15', 'AU16', 'AU9']);
    // every enabled rule can be scored from the DISFA AUs the estimators produce
    for (const r of rules) expect(r.aus.some((a) => (AU_KEYS as readonly string[]).includes(a))).toBe(true);
  });

  it('a user can add a rule without code', () => {
    const f = write(
      'extra.yaml',
      'version: 1\nemotions:\n  wince:\n    aus: [AU4, AU6, AU9]\n    core: [AU4]\n',
    );
    const [r] = loadRules(f);
    expect(r).toMatchObject({ name: 'wince', aus: ['AU4', 'AU6', 'AU9'], core: ['AU4'], coreFloor: 0.5 });
  });

  it.each([
    [
      'core AU not in aus',
      'anger:\n    aus: [AU4]\n    core: [AU5]',
      /rule "anger" field core\.0: AU5 is not in aus/,
    ],
    ['bad AU name', 'joy:\n    aus: [AU12, smile]', /rule "joy" field aus\.1: must look like "AU12"/],
    [
      'off above on',
      'joy:\n    aus: [AU12]\n    onThreshold: 0.3\n    offThreshold: 0.6',
      /rule "joy" field offThreshold/,
    ],
    ['unknown key', 'joy:\n    aus: [AU12]\n    treshold: 0.3', /rule "joy".*treshold/],
    [
      'weight of a foreign AU',
      'joy:\n    aus: [AU12]\n    weights: { AU6: 2 }',
      /rule "joy" field weights\.AU6/,
    ],
    ['empty aus', 'joy:\n    aus: []', /rule "joy" field aus/],
  ])('%s fails at load naming the file, the rule and the problem', (_what, body, re) => {
    const f = write('bad.yaml', `version: 1\nemotions:\n  ${body}\n`);
    const err = failure(() => loadRules(f));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('RULES_INVALID');
    expect(err.message).toContain(f);
    expect(err.message).toMatch(re);
  });

  it('missing files, broken YAML, a wrong version and a file with nothing enabled fail clearly', () => {
    expect(failure(() => loadRules(path.join(dir, 'nope.yaml'))).code).toBe('RULES_NOT_FOUND');
    expect(failure(() => loadRules(write('broken.yaml', 'emotions: [\n'))).code).toBe('RULES_PARSE');
    expect(failure(() => parseRules({ version: 2, emotions: {} }, 'x.yaml')).message).toMatch(
      /x\.yaml[\s\S]*version/,
    );
    const off = { version: 1, emotions: { a: { aus: ['AU1'], enabled: false } } };
    expect(failure(() => parseRules(off, 'y.yaml')).message).toMatch(/y\.yaml enables no emotion/);
  });
});

describe('scoreRule', () => {
  const rules = loadRules('config/emotions.yaml');
  const rule = (n: string) => rules.find((r) => r.name === n)!;

  it('is the weighted mean of the measured prototype AUs when the core AUs are above their floor', () => {
    const s = scoreRule(rule('happiness'), auVec({ AU6: 0.4, AU12: 0.9 }));
    expect(s.score).toBeCloseTo((0.4 * 1 + 0.9 * 2) / 3, 12);
    expect(s.aus).toEqual({ AU6: 0.4, AU12: 0.9 });
    expect(s.missing).toEqual([]);
  });

  it('a weak core AU gates the score down linearly; secondary AUs alone give nothing', () => {
    const weak = scoreRule(rule('happiness'), auVec({ AU6: 0.9, AU12: 0.25 }));
    expect(weak.score).toBeCloseTo(((0.9 + 0.5) / 3) * (0.25 / 0.5), 12);
    expect(scoreRule(rule('happiness'), auVec({ AU6: 1, AU12: 0 })).score).toBe(0);
    // a frown without the lid raise is not anger
    expect(scoreRule(rule('anger'), auVec({ AU4: 0.95, AU5: 0 })).score).toBe(0);
  });

  it('scores from the AUs the estimator has and names the missing ones', () => {
    const s = scoreRule(rule('anger'), auVec({ AU4: 0.8, AU5: 0.6 }));
    expect(s.missing).toEqual(['AU7', 'AU23']);
    expect(s.score).toBeCloseTo((0.8 + 0.6) / 2, 12);
    const partial = scoreRule(rule('happiness'), { AU12: 0.7 });
    expect(partial).toEqual({ score: 0.7, aus: { AU12: 0.7 }, missing: ['AU6'] });
    expect(scoreRule(rule('happiness'), {}).score).toBe(0);
  });
});
