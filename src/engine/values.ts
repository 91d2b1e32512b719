// Checking a value someone gave (a command-line flag, a field of a training configuration, an
// environment variable, an option of init()) against what it may be. One function does it for
// all of them, so a range is written once and every way of giving the value is refused alike,
// with one line that names the value's name, the value and what is allowed.

/** What a value may be: a number or an integer in [min, max], or one of some words. */
export type Kind =
  | { readonly number: readonly [min: number, max: number] }
  | { readonly integer: readonly [min: number, max: number] }
  | { readonly choice: readonly string[] };

/** A value given from outside (a flag, a field, a variable) that is not allowed: a usage error, not a failure. */
export class OptionError extends Error {
  override name = 'OptionError';
}

/** What `kind` allows, as the end of a sentence ("must be …"). */
export function describeKind(kind: Kind): string {
  // choices that hold a space or a comma are quoted, so that the list still reads as one
  if ('choice' in kind) return kind.choice.map((c) => (/[\s,]/.test(c) ? `"${c}"` : c)).join(', ');
  const [min, max] = 'number' in kind ? kind.number : kind.integer;
  return `${'integer' in kind ? 'an integer' : 'a number'} in [${min}, ${max}]`;
}

/**
 * `value` checked against `kind`: a number (or a string that reads as one) in range, or one
 * of the choices; it is returned as a number or a string. The error names `label` (`--batch`,
 * `config.batch`, `SSLGPU_THREADS`).
 */
export function checkValue(label: string, kind: Kind, value: unknown): number | string {
  const refuse = () => new OptionError(`${label} must be ${describeKind(kind)}; got ${value === '' ? '""' : String(value)}`);
  if ('choice' in kind) {
    if (typeof value !== 'string' || !kind.choice.includes(value)) throw refuse();
    return value;
  }
  const [min, max] = 'number' in kind ? kind.number : kind.integer;
  const x = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(x) || ('integer' in kind && !Number.isInteger(x)) || x < min || x > max) throw refuse();
  return x;
}
