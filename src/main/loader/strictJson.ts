/**
 * JSON.parse lets a repeated key silently win; a config or a dataset row with two "n_layer" or
 * two "correct" keys is ambiguous, so it is refused with the key and its line.
 */
export class DuplicateKeyError extends SyntaxError {
  constructor(
    readonly key: string,
    readonly line: number,
  ) {
    super(`duplicate key ${JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key)} on line ${line}`);
    this.name = 'DuplicateKeyError';
  }
}

/** JSON.parse, then one scan of the (now known valid) text for a key repeated inside one object. */
export function parseJsonStrict(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (text.indexOf('{') >= 0) checkDuplicateKeys(text);
  return value;
}

function checkDuplicateKeys(text: string): void {
  const stack: (Set<string> | null)[] = []; // a Set per open object, null per open array
  let expectKey = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (c === 0x7b) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) expectKey = stack[stack.length - 1] instanceof Set;
    else if (c === 0x22) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (expectKey) {
        const keys = stack[stack.length - 1] as Set<string>;
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) throw new DuplicateKeyError(key, line);
        keys.add(key);
        expectKey = false;
      }
      i = j;
    }
  }
}
