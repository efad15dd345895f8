/**
 * The statistics of the timing tests (security requirement C.10): medians and a Mann-Whitney test
 * of two classes of response times (test/enumeration-timing.test.ts, test/codes-flows.test.ts).
 */

export function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** Two-sided p of the Mann-Whitney U test, by its normal approximation (fine for 200 a side). */
export function mannWhitneyP(a: number[], b: number[]): number {
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort(
    (x, y) => x.v - y.v,
  );
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k]!.first) rankSum += rank;
    i = j + 1;
  }
  const [n1, n2] = [a.length, b.length];
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const z = Math.abs(u - (n1 * n2) / 2) / Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  return 2 * (1 - normalCdf(z));
}

/** Φ(z) for z ≥ 0 (Abramowitz and Stegun 26.2.17, error below 1e-7). */
function normalCdf(z: number): number {
  const t = 1 / (1 + 0.2316419 * z);
  const poly =
    t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return 1 - Math.exp((-z * z) / 2) * 0.3989422804014327 * poly;
}
