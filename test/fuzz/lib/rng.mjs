// Seeded pseudo-random numbers. Every fuzz case has its own generator, derived from the run's
// seed and the case's index, so case N is the same whatever ran before it or alongside it:
// `--seed S --replay N` rebuilds exactly that case.

/** 32-bit hash of a string (xmur3), used to seed sfc32. */
function hash32(text) {
  let h = 1779033703 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return () => {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

export class Rng {
  /** A generator for `stream` (e.g. "case:42") under `seed`. */
  constructor(seed, stream = '') {
    const next = hash32(`${seed}/${stream}`);
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1) (sfc32). */
  next() {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min, max) {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p) {
    return this.next() < p;
  }

  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }

  /** Picks a key of {key: weight}; weights need not sum to 1. */
  weighted(weights) {
    const entries = Object.entries(weights);
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [key, weight] of entries) {
      x -= weight;
      if (x < 0) return key;
    }
    return entries[entries.length - 1][0];
  }

  /** A length skewed towards small values, sometimes up to max. */
  size(max) {
    const r = this.next();
    if (r < 0.6) return this.int(0, Math.min(max, 8));
    if (r < 0.9) return this.int(0, Math.min(max, 200));
    return this.int(0, max);
  }

  hex(length) {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }

  uuid() {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
