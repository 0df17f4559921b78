/**
 * Log-gamma, log-beta and the regularised incomplete beta function I_x(a, b), accurate from
 * small parameters up to a ~ 10^7 (the cap fraction of a d-ball needs a = (d+1)/2 for d up to
 * ~10^6, Clopper–Pearson needs a, b up to the number of trials). Relative error ~1e-14 while
 * min(a, b) is small; when both are large it grows like 1e-16·(a + b) (the log prefactor is a
 * sum of terms of that size).
 */

const lanczosG = 7;
const lanczosCoefficients = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const halfLogTwoPi = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(z) for z > 0 (Lanczos, relative error ~1e-15). */
export function logGamma(z: number): number {
  if (!(z > 0)) throw new Error(`logGamma needs a positive argument, got ${z}`);
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const shifted = z - 1;
  let series = lanczosCoefficients[0];
  for (let i = 1; i < lanczosG + 2; i++) series += lanczosCoefficients[i] / (shifted + i);
  const t = shifted + lanczosG + 0.5;
  return halfLogTwoPi + (shifted + 0.5) * Math.log(t) - t + Math.log(series);
}

/** ln Γ(z) − [(z−½)ln z − z + ½ln 2π], the Stirling remainder, for z ≥ 10. */
function stirlingCorrection(z: number): number {
  const inverse = 1 / z;
  const inverseSquared = inverse * inverse;
  return (
    inverse *
    (1 / 12 -
      inverseSquared *
        (1 / 360 - inverseSquared * (1 / 1260 - inverseSquared * (1 / 1680 - inverseSquared * (1 / 1188 - (691 / 360360) * inverseSquared)))))
  );
}

/**
 * ln B(a, b). For large arguments the Stirling form avoids subtracting log-gammas of size
 * a·ln a, which would lose ~10 digits at a ~ 10^6.
 */
export function logBeta(a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new Error(`logBeta needs positive arguments, got ${a}, ${b}`);
  const small = Math.min(a, b);
  const large = Math.max(a, b);
  const sum = small + large;
  if (large < 10) return logGamma(small) + logGamma(large) - logGamma(sum);
  if (small < 10) {
    // ln Γ(large) − ln Γ(large + small), Stirling on both.
    const difference =
      stirlingCorrection(large) -
      stirlingCorrection(sum) -
      (large - 0.5) * Math.log1p(small / large) -
      small * Math.log(sum) +
      small;
    return logGamma(small) + difference;
  }
  return (
    -0.5 * Math.log(large) +
    halfLogTwoPi +
    stirlingCorrection(small) +
    stirlingCorrection(large) -
    stirlingCorrection(sum) +
    (small - 0.5) * Math.log(small / sum) +
    large * Math.log1p(-small / sum)
  );
}

const tiny = 1e-300;
const tolerance = 1e-16;
const maxIterations = 1_000_000;

/** Continued fraction of I_x(a, b) (modified Lentz), valid for x < (a+1)/(a+b+2). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const sumAB = a + b;
  const aPlusOne = a + 1;
  const aMinusOne = a - 1;
  let c = 1;
  let d = 1 - (sumAB * x) / aPlusOne;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= maxIterations; m++) {
    const twoM = 2 * m;
    let coefficient = (m * (b - m) * x) / ((aMinusOne + twoM) * (a + twoM));
    d = 1 + coefficient * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + coefficient / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    result *= d * c;
    coefficient = (-(a + m) * (sumAB + m) * x) / ((a + twoM) * (aPlusOne + twoM));
    d = 1 + coefficient * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + coefficient / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    result *= delta;
    if (Math.abs(delta - 1) < tolerance) return result;
  }
  throw new Error(`incomplete beta continued fraction did not converge for x=${x}, a=${a}, b=${b}`);
}

function validate(x: number, a: number, b: number): void {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new Error(`incomplete beta needs finite positive a, b, got ${a}, ${b}`);
  }
  if (!(x >= 0 && x <= 1)) throw new Error(`incomplete beta needs 0 ≤ x ≤ 1, got ${x}`);
}

/** ln of x^a y^b / (a·B(a,b)) · continued fraction, i.e. ln I_x(a,b) on the direct side (y = 1 − x). */
function logDirectSide(x: number, y: number, a: number, b: number): number {
  // The log of the larger of x, y comes from the smaller one: with a or b ~ 10^6 the rounding
  // of a value near 1 would otherwise cost ~10 digits.
  const logX = x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const logY = y > 0.5 ? Math.log1p(-x) : Math.log(y);
  const logPrefactor = a * logX + b * logY - logBeta(a, b);
  return logPrefactor + Math.log(betaContinuedFraction(x, a, b)) - Math.log(a);
}

function usesDirectSide(x: number, a: number, b: number): boolean {
  return x < (a + 1) / (a + b + 2);
}

function validateComplement(x: number, oneMinusX: number): void {
  if (!(Math.abs(x + oneMinusX - 1) <= 1e-12)) throw new Error(`oneMinusX must equal 1 − x, got x=${x}, oneMinusX=${oneMinusX}`);
}

/**
 * The regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b). Pass `oneMinusX`
 * when the caller knows 1 − x more precisely than the subtraction would give it (x near 1).
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number, oneMinusX = 1 - x): number {
  validate(x, a, b);
  validateComplement(x, oneMinusX);
  if (x === 0) return 0;
  if (x === 1) return 1;
  if (usesDirectSide(x, a, b)) return Math.exp(logDirectSide(x, oneMinusX, a, b));
  return -Math.expm1(logDirectSide(oneMinusX, x, b, a));
}

/** ln I_x(a, b), finite where I_x(a, b) itself underflows to 0. `oneMinusX` as above. */
export function logRegularizedIncompleteBeta(x: number, a: number, b: number, oneMinusX = 1 - x): number {
  validate(x, a, b);
  validateComplement(x, oneMinusX);
  if (x === 0) return -Infinity;
  if (x === 1) return 0;
  if (usesDirectSide(x, a, b)) return logDirectSide(x, oneMinusX, a, b);
  return Math.log(-Math.expm1(logDirectSide(oneMinusX, x, b, a)));
}

/** The x in [0, 1] with I_x(a, b) = probability (bisection: I is increasing in x). */
export function inverseRegularizedIncompleteBeta(probability: number, a: number, b: number): number {
  if (!(probability >= 0 && probability <= 1)) throw new Error(`probability must lie in [0, 1], got ${probability}`);
  validate(0.5, a, b);
  if (probability === 0) return 0;
  if (probability === 1) return 1;
  let low = 0;
  let high = 1;
  for (let i = 0; i < 200; i++) {
    const middle = 0.5 * (low + high);
    if (middle <= low || middle >= high) break;
    if (regularizedIncompleteBeta(middle, a, b) < probability) low = middle;
    else high = middle;
  }
  return 0.5 * (low + high);
}
