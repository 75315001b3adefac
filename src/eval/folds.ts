/**
 * Subject-independent folds, the one definition for TypeScript and the Python trainer
 * (training/aupipe_train/data.py `subject_folds`): every row of a subject lands in the same fold, so no
 * identity leaks between train and test. Subjects are sorted, shuffled with Python's
 * `random.Random(seed).shuffle` (reproduced here bit for bit: MT19937 and `_randbelow`), stably sorted by
 * row count (largest first), then each is dealt to the first fold with the fewest rows. Shared test
 * vectors: config/folds/vectors.json.
 */

const N = 624;
const M = 397;

/** Python's `random.Random(seed)`: MT19937 seeded by `init_by_array` with the seed's 32-bit words. */
class PyRandom {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`fold seed ${seed} is not a safe integer`);
    const key: number[] = [];
    for (let n = Math.abs(seed); n > 0; n = Math.floor(n / 2 ** 32)) key.push(n % 2 ** 32);
    this.initByArray(key.length ? key : [0]);
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = (Math.imul(1812433253, p) + i) >>> 0;
    }
    this.index = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(p, 1664525)) + key[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
      mt[i] = ((mt[i]! ^ Math.imul(p, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private twist(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k]! & 0x80000000) | (mt[(k + 1) % N]! & 0x7fffffff);
      mt[k] = mt[(k + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  /** genrand_uint32 */
  private next32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `_randbelow_with_getrandbits(n)` for 0 < n < 2^32. */
  private randBelow(n: number): number {
    const k = 32 - Math.clz32(n);
    let r = this.next32() >>> (32 - k);
    while (r >= n) r = this.next32() >>> (32 - k);
    return r;
  }

  /** `random.shuffle(x)`, in place. */
  shuffle<T>(x: T[]): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randBelow(i + 1);
      [x[i], x[j]] = [x[j]!, x[i]!];
    }
  }
}

/** Fold index (0 … k-1) of each row, given each row's subject. */
export function subjectFolds(subjects: readonly string[], k: number, seed = 0): number[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`fold count ${k} must be a positive integer`);
  const count = new Map<string, number>();
  for (const s of subjects) count.set(s, (count.get(s) ?? 0) + 1);
  // Python sorts str by code point; so does this comparison (localeCompare would not).
  const names = [...count.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  new PyRandom(seed).shuffle(names);
  names.sort((a, b) => count.get(b)! - count.get(a)!); // stable: shuffled order within equal sizes
  const load = new Array<number>(k).fill(0);
  const fold = new Map<string, number>();
  for (const s of names) {
    const f = load.indexOf(Math.min(...load));
    fold.set(s, f);
    load[f]! += count.get(s)!;
  }
  return subjects.map((s) => fold.get(s)!);
}
