// The command lines of `npm start`, `npm run experiment` and `npm run bench`: each declares
// its options with a kind (the kinds of src/engine/values.ts, plus free text, comma-separated
// lists and switches), and this reads argv against them. A wrong value, an unknown flag or a
// missing value is an OptionError: one line naming the flag, the value and what is allowed,
// and exit code 2 (a usage error) from runCommand; any other failure is exit code 1.

import { constants } from 'node:os';
import { THREAD_COUNT } from '../engine/backends/wasm/backend.js';
import { checkValue, describeKind, type Kind, OptionError } from '../engine/values.js';
import { DivergenceError } from '../method/guard.js';
import { helpLine } from '../settings.js';
import { EXIT_DIVERGED, Interrupted } from './session.js';

type OptionKind =
  | Kind
  /** Any words (a directory, a file, name=value assignments); `text` names them in messages. */
  | { readonly text: string }
  /** Comma-separated, each one of these. */
  | { readonly list: readonly string[] }
  /** Present or not; takes no value. */
  | { readonly switch: true };

/** The kinds of option that take a value. */
type ValueKind = Exclude<OptionKind, { switch: true }>;

export interface OptionSpec {
  readonly kind: OptionKind;
  readonly help: string;
  readonly default?: string;
}

type Specs = Record<string, OptionSpec>;

type ValueOf<K> = K extends { switch: true }
  ? boolean
  : K extends { number: unknown } | { integer: unknown }
    ? number
    : K extends { list: unknown }
      ? string[]
      : string;

/** Each option's value: a switch is a boolean, a number a number, a list an array; undefined where not given and without default. */
export type Values<S extends Specs> = {
  [N in keyof S]: S[N]['kind'] extends { switch: true }
    ? boolean
    : S[N] extends { default: string }
      ? ValueOf<S[N]['kind']>
      : ValueOf<S[N]['kind']> | undefined;
};

export interface CommandLine<S extends Specs> {
  values: Values<S>;
  positionals: string[];
  /** The text of every value given on the command line, by option name (what a preset refines). */
  given: Record<string, string>;
}

/** `--threads`, the same for every command: the wasm backend caps it (src/engine/backends/wasm/backend.ts). */
export const THREADS_OPTION = {
  kind: THREAD_COUNT,
  help: 'wasm threads, the main one included (default: the cores or SSLGPU_THREADS; at most twice the cores)',
} as const satisfies OptionSpec;

export const HELP_OPTION = { kind: { switch: true }, help: 'this text' } as const satisfies OptionSpec;

/** What an option that takes a value allows, for the message when the value is missing. */
function describe(kind: ValueKind): string {
  if ('text' in kind) return kind.text;
  if ('list' in kind) return `a comma-separated list of ${describeKind({ choice: kind.list })}`;
  return describeKind(kind);
}

/** One value checked against its option's kind (the error names the flag). */
function check(name: string, kind: ValueKind, text: string): string | number | string[] {
  const label = `--${name}`;
  if ('text' in kind) {
    if (text === '') throw new OptionError(`${label} needs ${kind.text}; got ""`);
    return text;
  }
  if ('list' in kind) return text.split(',').map((part) => checkValue(label, { choice: kind.list }, part) as string);
  return checkValue(label, kind, text);
}

/**
 * Reads `argv` against `specs`: `--name value`, `--name=value`, switches, positionals, and
 * everything after `--` as positionals. A value may begin with a dash (`--batch -5` is the
 * value -5, refused by its range); only a word that begins with `--` is never a value.
 */
export function parseCommandLine<S extends Specs>(specs: S, argv: readonly string[]): CommandLine<S> {
  const values: Record<string, unknown> = {};
  const given: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('--')) {
      if (/^-[a-zA-Z]/.test(word)) throw new OptionError(`unknown flag ${word} (flags are long: --name; --help lists them)`);
      positionals.push(word);
      continue;
    }
    const [, name = '', inline] = /^--([^=]*)(?:=([\s\S]*))?$/.exec(word)!;
    const spec = Object.hasOwn(specs, name) ? specs[name]! : undefined;
    if (!spec) throw new OptionError(`unknown flag --${name} (--help lists them)`);
    if ('switch' in spec.kind) {
      if (inline !== undefined) throw new OptionError(`--${name} takes no value; got ${word}`);
      values[name] = true;
      continue;
    }
    let text = inline;
    if (text === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new OptionError(`--${name} needs a value: ${describe(spec.kind)}`);
      text = next;
      i++;
    }
    values[name] = check(name, spec.kind, text);
    given[name] = text;
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (name in values) continue;
    if ('switch' in spec.kind) values[name] = false;
    else if (spec.default !== undefined) values[name] = check(name, spec.kind, spec.default);
  }
  return { values: values as Values<S>, positionals, given };
}

/** The usage lines of some options, with their defaults. */
export function optionHelp(specs: Specs): string[] {
  return Object.entries(specs).map(([name, spec]) => helpLine(name, spec.help, spec.default));
}

/**
 * Ends the process with one line: 128 + the signal's number for a run a signal stopped (the
 * shells' convention), EXIT_DIVERGED for a diverged run, 2 for a usage error (OptionError), 1
 * for any other.
 */
function fail(error: unknown): never {
  if (error instanceof Interrupted) {
    console.error(`${error.message}; run the same command with --resume to continue`);
    process.exit(128 + constants.signals[error.signal]);
  }
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof DivergenceError ? EXIT_DIVERGED : error instanceof OptionError ? 2 : 1);
}

/** The process's command line read against `specs`; a usage error ends the process (exit code 2). */
export function readCommandLine<S extends Specs>(specs: S): CommandLine<S> {
  try {
    return parseCommandLine(specs, process.argv.slice(2));
  } catch (error) {
    fail(error);
  }
}

/** Runs a command; an error ends it with one line on stderr, never a stack trace (exit code 2 or 1, as fail()). */
export async function runCommand(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    fail(error);
  }
}
