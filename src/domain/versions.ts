/**
 * Terraform version constraints ("~> 6.0", ">= 5.100.0, < 7.0.0") as intervals of versions, so a fleet config
 * that admits no version privlink's output works with is refused when it is read, not at `terraform init`.
 *
 * The operators and their meaning follow Terraform's "Version Constraints" documentation: `=` (or none), `!=`,
 * `>`, `>=`, `<`, `<=`, and `~>`, which allows only the rightmost given component to grow (`~> 1.2` is
 * `>= 1.2, < 2.0`; `~> 1.2.3` is `>= 1.2.3, < 1.3.0`). Pre-release suffixes are ignored.
 */
type Version = readonly [number, number, number];

interface Bound {
  readonly v: Version;
  readonly inclusive: boolean;
}

interface Interval {
  readonly lo?: Bound;
  readonly hi?: Bound;
  /** Versions excluded with `!=`. */
  readonly not: readonly Version[];
}

const cmp = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

function parse(text: string): Version {
  const parts = text.replace(/^v/, '').replace(/-.*$/, '').split('.').map(Number);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

const tighterLo = (a: Bound | undefined, b: Bound) => (!a || cmp(b.v, a.v) > 0 || (cmp(b.v, a.v) === 0 && !b.inclusive) ? b : a);
const tighterHi = (a: Bound | undefined, b: Bound) => (!a || cmp(b.v, a.v) < 0 || (cmp(b.v, a.v) === 0 && !b.inclusive) ? b : a);

/** The versions a constraint list admits (its parts intersected). The text must match the fleet schema's pattern. */
export function interval(constraint: string): Interval {
  let lo: Bound | undefined;
  let hi: Bound | undefined;
  const not: Version[] = [];
  for (const part of constraint.split(',')) {
    const m = /^\s*(=|!=|>=|>|<=|<|~>)?\s*(v?\d+(?:\.\d+){0,2}(?:-[0-9A-Za-z.-]+)?)\s*$/.exec(part);
    if (!m) continue;
    const op = m[1] ?? '=';
    const v = parse(m[2]!);
    const given = m[2]!.replace(/-.*$/, '').split('.').length;
    if (op === '=') {
      lo = tighterLo(lo, { v, inclusive: true });
      hi = tighterHi(hi, { v, inclusive: true });
    } else if (op === '!=') not.push(v);
    else if (op === '>') lo = tighterLo(lo, { v, inclusive: false });
    else if (op === '>=') lo = tighterLo(lo, { v, inclusive: true });
    else if (op === '<') hi = tighterHi(hi, { v, inclusive: false });
    else if (op === '<=') hi = tighterHi(hi, { v, inclusive: true });
    else {
      // ~>: the rightmost given component may grow; the one before it is fixed.
      lo = tighterLo(lo, { v, inclusive: true });
      const up: Version = given <= 2 ? [v[0] + 1, 0, 0] : [v[0], v[1] + 1, 0];
      hi = tighterHi(hi, { v: up, inclusive: false });
    }
  }
  return { lo, hi, not };
}

/** Whether some version satisfies both constraints. */
export function overlaps(a: string, b: string): boolean {
  const x = interval(a);
  const y = interval(b);
  const lo = x.lo && y.lo ? tighterLo(x.lo, y.lo) : (x.lo ?? y.lo);
  const hi = x.hi && y.hi ? tighterHi(x.hi, y.hi) : (x.hi ?? y.hi);
  if (!lo || !hi) return true;
  const c = cmp(lo.v, hi.v);
  if (c > 0) return false;
  if (c === 0) {
    // A single version: admitted only if both ends include it and no `!=` excludes it.
    return lo.inclusive && hi.inclusive && ![...x.not, ...y.not].some((n) => cmp(n, lo.v) === 0);
  }
  return true;
}

const text = (v: Version) => v.join('.');

/**
 * Both constraints as one, in a fixed form: `>= lo`, every `!=` inside the range, `< hi` (or `= v` for a single
 * version). The generated stacks carry this, so privlink.yaml's `providers` can only narrow what privlink supports:
 * `intersect(">= 5.100.0, != 6.42.0, < 7.0.0", "~> 6.30")` is `">= 6.30.0, != 6.42.0, < 7.0.0"`. Callers check
 * `overlaps` first; without an upper or lower bound the part is left out.
 */
export function intersect(a: string, b: string): string {
  const x = interval(a);
  const y = interval(b);
  const lo = x.lo && y.lo ? tighterLo(x.lo, y.lo) : (x.lo ?? y.lo);
  const hi = x.hi && y.hi ? tighterHi(x.hi, y.hi) : (x.hi ?? y.hi);
  if (lo && hi && cmp(lo.v, hi.v) === 0) return `= ${text(lo.v)}`;
  const inside = (v: Version) => (!lo || cmp(v, lo.v) > 0 || (cmp(v, lo.v) === 0 && lo.inclusive)) && (!hi || cmp(v, hi.v) < 0 || (cmp(v, hi.v) === 0 && hi.inclusive));
  const not = [...x.not, ...y.not].filter(inside).sort(cmp).filter((v, i, all) => i === 0 || cmp(v, all[i - 1]!) !== 0);
  return [
    ...(lo ? [`${lo.inclusive ? '>=' : '>'} ${text(lo.v)}`] : []),
    ...not.map((v) => `!= ${text(v)}`),
    ...(hi ? [`${hi.inclusive ? '<=' : '<'} ${text(hi.v)}`] : []),
  ].join(', ');
}

/** Whether the constraint admits some version before `version` (and some from it on): a range can do both. */
export const admitsBelow = (constraint: string, version: string): boolean => overlaps(constraint, `< ${version}`);
export const admitsFrom = (constraint: string, version: string): boolean => overlaps(constraint, `>= ${version}`);
