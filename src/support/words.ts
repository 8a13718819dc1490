/** English for generated text and messages: counts and lists that agree with their numbers. */

/** `1 file`, `2 files`. */
export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

/** The verb form that agrees with a count: agree(1, 'resolves', 'resolve'). */
export const agree = (n: number, one: string, many: string) => (n === 1 ? one : many);

/** `a`, `a and b`, `a, b and c`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** At most `max` items, comma-separated, then how many more: `a, b, c and 7 more` (all of them when they fit). */
export const firstOf = (items: readonly string[], max: number) =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

/** `port 443`, `ports 443 and 22`. */
export const portsText = (ports: readonly number[]) => `${agree(ports.length, 'port', 'ports')} ${list(ports.map(String))}`;
