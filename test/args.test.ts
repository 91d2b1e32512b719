// Reading a command line against its options: every value checked by its kind, an unknown
// flag, a missing value or a switch given a value refused with one line that names it, and a
// negative number after a flag read as its value (then refused by the range, not taken for a flag).
import { expect, it } from 'vitest';
import { type OptionSpec, parseCommandLine } from '../src/cli/args.js';
import { OptionError } from '../src/engine/values.js';

const OPTIONS = {
  batch: { kind: { integer: [2, 64] }, help: 'batch', default: '8' },
  lr: { kind: { number: [0, 1] }, help: 'rate' },
  data: { kind: { text: 'a directory' }, help: 'where' },
  only: { kind: { list: ['matmul', 'conv'] }, help: 'which', default: 'matmul,conv' },
  backend: { kind: { choice: ['wasm', 'webgpu'] }, help: 'backend' },
  resume: { kind: { switch: true }, help: 'resume' },
} as const satisfies Record<string, OptionSpec>;

const parse = (...argv: string[]) => parseCommandLine(OPTIONS, argv);
const refusal = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(OptionError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

it('reads values by their kinds, with the defaults where a flag is not given', () => {
  const { values, positionals, given } = parse('train', '--lr', '0.5', '--data=/tmp/x', '--only', 'conv', '--resume', 'more');
  expect(values).toEqual({ batch: 8, lr: 0.5, data: '/tmp/x', only: ['conv'], backend: undefined, resume: true });
  expect(positionals).toEqual(['train', 'more']);
  expect(given).toEqual({ lr: '0.5', data: '/tmp/x', only: 'conv' });
  expect(parse().values.resume).toBe(false);
  expect(parse('--', '--batch', '3').positionals).toEqual(['--batch', '3']);
});

it('takes a negative number after a flag as its value, and refuses it by the range', () => {
  expect(refusal('--batch', '-5')).toBe('--batch must be an integer in [2, 64]; got -5');
  expect(refusal('--batch=-5')).toBe('--batch must be an integer in [2, 64]; got -5');
  expect(refusal('--lr', '-1e-3')).toBe('--lr must be a number in [0, 1]; got -1e-3');
  expect(parse('--data', '-odd-name').values.data).toBe('-odd-name');
});

it('refuses, in one line naming the flag, what is not allowed', () => {
  expect(refusal('--bogus')).toBe('unknown flag --bogus (--help lists them)');
  expect(refusal('-b')).toContain('unknown flag -b');
  expect(refusal('--constructor', '1')).toContain('unknown flag --constructor'); // not an inherited property
  expect(refusal('--batch')).toBe('--batch needs a value: an integer in [2, 64]');
  expect(refusal('--batch', '--lr', '0.1')).toBe('--batch needs a value: an integer in [2, 64]');
  expect(refusal('--data', '')).toBe('--data needs a directory; got ""');
  expect(refusal('--batch', '2.5')).toBe('--batch must be an integer in [2, 64]; got 2.5');
  expect(refusal('--batch', 'abc')).toBe('--batch must be an integer in [2, 64]; got abc');
  expect(refusal('--backend', 'cuda')).toBe('--backend must be wasm, webgpu; got cuda');
  expect(refusal('--only', 'matmul,step')).toBe('--only must be matmul, conv; got step');
  expect(refusal('--resume=yes')).toBe('--resume takes no value; got --resume=yes');
  for (const message of [refusal('--bogus'), refusal('--batch', '-5')]) expect(message).not.toContain('\n');
});
