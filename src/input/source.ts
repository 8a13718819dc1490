/**
 * A YAML file parsed with source positions, so every problem can name `file:line:col`.
 * Used for customer specs (and any other YAML input privlink reads).
 */
import { isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import { escapeText, formatPath, type Problem } from './problems';

/** Inputs larger than this are refused before parsing: a customer spec is a few hundred bytes. */
export const MAX_SOURCE_BYTES = 256 * 1024;
/**
 * Aliases expand to at most this many nodes (defends against "billion laughs" documents, which expand
 * exponentially: ten levels of ten aliases are 10^10 nodes). A spec that reuses a list by alias is far below it.
 */
export const MAX_ALIAS_COUNT = 1000;
/** Flow collections nest at most this deep: a spec is four levels deep, and the parser recurses per level. */
export const MAX_NESTING = 64;

export interface YamlSource {
  readonly file: string;
  readonly text: string;
  /** The parsed value, or undefined when the YAML itself is broken (see problems). */
  readonly value: unknown;
  readonly problems: Problem[];
  /** Where a spec path is in the file: the value's start, or the closest existing parent. */
  locate(path: readonly PropertyKey[]): { line: number; col: number };
  /** Where a mapping key is (for "unknown field" problems). */
  locateKey(path: readonly PropertyKey[], key: string): { line: number; col: number };
  /** The value at a path exactly as written in the file (e.g. `012345678901`), or undefined. */
  sourceText(path: readonly PropertyKey[]): string | undefined;
  /** A mapping key exactly as written (`1e309`, which JavaScript reads as "Infinity"), or undefined. */
  keyText(path: readonly PropertyKey[], key: string): string | undefined;
}

export function parseYamlSource(file: string, bytes: Buffer): YamlSource {
  const problems: Problem[] = [];
  const at = (line: number, col: number, message: string): Problem => ({ file, line, col, path: '', message });

  if (bytes.length > MAX_SOURCE_BYTES) {
    return broken(file, '', [at(1, 1, `file is larger than ${MAX_SOURCE_BYTES} bytes, the most accepted (a spec is a few hundred)`)]);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const lc = lineColOf(bytes.subarray(0, offset).toString('latin1'), offset);
    return broken(file, '', [at(lc.line, lc.col, 'file is not valid UTF-8; save it as UTF-8')]);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const deep = tooDeep(text);
  if (deep !== undefined) {
    const lc = lineColOf(text, deep);
    return broken(file, text, [at(lc.line, lc.col, `nesting deeper than ${MAX_NESTING} levels; a spec is a few levels deep`)]);
  }

  const lineCounter = new LineCounter();
  // logLevel 'error': the parser's warnings (a collection used as a key, say) would reach stderr after privlink's
  // own summary; such keys are reported as problems below instead.
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true, logLevel: 'error' });
  const list: Document[] = Array.isArray(docs) ? docs : [];
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  if (list.length === 0) return broken(file, text, [at(1, 1, 'file is empty; expected a YAML mapping')]);
  // More than one document: said once, and the first one is still checked in full (the others are not read).
  const extra: Problem[] = [];
  if (list.length > 1) {
    const p = pos(list[1]!.range?.[0] ?? 0);
    extra.push(at(p.line, p.col, 'file holds more than one YAML document; put one customer per file (only the first one was checked)'));
  }
  const doc = list[0]!;
  // A syntax error makes everything after it unreliable (one tab yields a cascade), so only the first one is
  // reported; duplicate keys are independent of each other and all reported.
  const firstSyntax = doc.errors.find((e) => e.code !== 'DUPLICATE_KEY');
  const reported = [...doc.errors.filter((e) => e.code === 'DUPLICATE_KEY'), ...(firstSyntax ? [firstSyntax] : []), ...doc.warnings];
  for (const err of reported) {
    const p = pos(err.pos[0]);
    const key = /^[^:\n]*/.exec(text.slice(err.pos[0]))![0].trim();
    problems.push(at(p.line, p.col, yamlMessage(err.code, err.message, key)));
  }
  problems.push(...keyAndAliasProblems(doc, pos, at));
  let value: unknown;
  if (problems.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const message = (err as Error).message;
      problems.push(
        at(
          1,
          1,
          /resource exhaustion/i.test(message)
            ? `YAML aliases expand to more than ${MAX_ALIAS_COUNT} nodes (refused as a possible alias bomb); write the values out instead`
            : `YAML could not be read: ${message}`,
        ),
      );
    }
  }

  return { file, text, value, problems: [...problems, ...extra], ...locators(doc, text, pos) };
}

type Position = { line: number; col: number };

/**
 * Keys must be plain text (a number is read as its text): a list, a mapping or a tagged value (!!binary) as a
 * key has no meaning in a spec. An alias must name an anchor defined before it.
 */
function keyAndAliasProblems(doc: Document, pos: (offset: number) => Position, at: (line: number, col: number, message: string) => Problem): Problem[] {
  const problems: Problem[] = [];
  const anchors = new Set<string>();
  visit(doc, {
    Node(_, node) {
      if (isNode(node) && node.anchor) anchors.add(node.anchor);
    },
    Pair(_, pair) {
      const key = pair.key;
      const plain = isScalar(key) && (key.tag === undefined || key.tag === 'tag:yaml.org,2002:str') && ['string', 'number', 'boolean'].includes(typeof key.value);
      if (!plain && isNode(key) && key.range) {
        const p = pos(key.range[0]);
        const tag = (key as { tag?: string }).tag;
        const what = isCollection(key)
          ? 'a list or mapping'
          : isAlias(key)
            ? 'an alias'
            : isScalar(key) && key.value === null
              ? `a null key (\`${escapeText(String((key as { source?: string }).source ?? '') || '~')}\`, \`null\` or nothing before the colon); write the field's name`
              : tag
                ? `a tagged value (${escapeText(tag)})`
                : `a ${typeof (key as { value?: unknown }).value} value`;
        problems.push(at(p.line, p.col, `a key must be plain text, got ${what}`));
      }
    },
    Alias(_, alias) {
      if (!anchors.has(alias.source) && alias.range) {
        const p = pos(alias.range[0]);
        problems.push(at(p.line, p.col, `alias *${escapeText(alias.source)} refers to no anchor: define &${escapeText(alias.source)} before it`));
      }
    },
  });
  return problems;
}

/** Where spec paths and keys are in the file, and their text as written. */
function locators(doc: Document, text: string, pos: (offset: number) => Position): Pick<YamlSource, 'locate' | 'locateKey' | 'sourceText' | 'keyText'> {
  /** The node at a spec path, following aliases; keys compare as text (`1:` is the key "1"). */
  const nodeAt = (path: readonly PropertyKey[]): Node | undefined => {
    let n: unknown = doc.contents;
    for (const part of path) {
      if (isAlias(n)) n = n.resolve(doc);
      if (isMap(n)) n = n.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part))?.value;
      else if (isSeq(n) && typeof part === 'number') n = n.items[part];
      else return undefined;
    }
    if (isAlias(n)) n = n.resolve(doc) ?? n;
    return isNode(n) ? n : undefined;
  };
  const locate = (path: readonly PropertyKey[]) => {
    for (let i = path.length; i >= 0; i--) {
      const n = nodeAt(path.slice(0, i));
      if (n?.range) return pos(n.range[0]);
    }
    return { line: 1, col: 1 };
  };
  const locateKey = (path: readonly PropertyKey[], key: string) => {
    const parent = path.length === 0 ? doc.contents : nodeAt(path);
    if (isMap(parent)) {
      for (const item of parent.items) {
        if (isPair(item) && isScalar(item.key) && String(item.key.value) === key && item.key.range) {
          return pos(item.key.range[0]);
        }
      }
    }
    return locate(path);
  };
  const sourceText = (path: readonly PropertyKey[]) => {
    const n = nodeAt(path);
    return n?.range ? text.slice(n.range[0], n.range[1]).trim() : undefined;
  };
  const keyText = (path: readonly PropertyKey[], key: string) => {
    const parent = path.length === 0 ? doc.contents : nodeAt(path);
    if (!isMap(parent)) return undefined;
    const k = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key)?.key;
    // Only a plain key is quoted from the source (`1e309`); a quoted one is shown decoded, escaped on output.
    return isScalar(k) && k.type === 'PLAIN' && k.range ? text.slice(k.range[0], k.range[1]).trim() : undefined;
  };
  return { locate, locateKey, sourceText, keyText };
}

function broken(file: string, text: string, problems: Problem[]): YamlSource {
  const here = () => ({ line: 1, col: 1 });
  return { file, text, value: undefined, problems, locate: here, locateKey: here, sourceText: () => undefined, keyText: () => undefined };
}

/**
 * Offset where flow collections ([ and {) first nest deeper than MAX_NESTING, outside quotes and comments; the
 * parser recurses once per level and would overflow the stack at a different point on every run.
 */
function tooDeep(text: string): number | undefined {
  return tooDeepFlow(text) ?? tooDeepBlock(text);
}

/**
 * Offset of the first line whose block nesting (its indentation, plus the `- ` entries that open on it) goes past
 * MAX_NESTING levels at one column each: deeper than any indentation can be without that many levels, and far past
 * a spec's four or five. The parser recurses once per block level too.
 */
function tooDeepBlock(text: string): number | undefined {
  let offset = 0;
  for (const line of text.split('\n')) {
    const m = /^( *)((?:- +)*)/.exec(line)!;
    const dashes = (m[2]!.match(/-/g) ?? []).length;
    if (m[1]!.length / 2 + dashes > MAX_NESTING) return offset + m[1]!.length;
    offset += line.length + 1;
  }
  return undefined;
}

function tooDeepFlow(text: string): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      quote = undefined; // a quote never spans lines in a spec; an apostrophe in a plain value must not hide the rest
      continue;
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) while (i < text.length && text[i] !== '\n') i++;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) return i;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

function yamlMessage(code: string, message: string, key: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (code) {
    case 'DUPLICATE_KEY':
      return `duplicate key "${key}": each field may appear once`;
    case 'TAB_AS_INDENT':
      return 'tab used for indentation; YAML indents with spaces only';
    default:
      return `invalid YAML: ${first}`;
  }
}

/** Offset of the first byte that does not start a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Buffer): number {
  const strict = new TextDecoder('utf-8', { fatal: true });
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 0;
    if (len === 0) return i;
    if (len > 1) {
      try {
        strict.decode(bytes.subarray(i, i + len));
      } catch {
        return i;
      }
    }
    i += len;
  }
  return bytes.length;
}

function lineColOf(prefix: string, offset: number): { line: number; col: number } {
  const lines = prefix.slice(0, offset).split('\n');
  return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
}

export { formatPath };
export { escapeText } from './problems';
