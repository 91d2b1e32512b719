// The training flags, declared once for the command line, the presets and the sweeps: each
// value is checked against its range with a message naming the flag; presets sit under the
// flags given; a method sets its own defaults; a sweep grid is every combination.
import { describe, expect, it } from 'vitest';
import { cosineLr } from '../src/engine/optim/sgd.js';
import { gridSettings } from '../src/experiments/sweep.js';
import { TRAIN_RANGES } from '../src/method/config.js';
import { DEFAULTS } from '../src/method/train.js';
import { parseAssignments, parseFlag, RECIPES, resolveSetting, TRAIN_FLAGS } from '../src/settings.js';

describe('flags', () => {
  it('parse numbers in range and name the flag otherwise', () => {
    expect(parseFlag('tau', '0.2')).toBe(0.2);
    expect(() => parseFlag('batch', '2.5')).toThrow('--batch must be an integer in [2, 65536]; got 2.5');
    expect(() => parseFlag('m', '2')).toThrow('--m must be a number in [0, 1]; got 2');
    expect(() => parseFlag('lr', 'abc')).toThrow('--lr must be a number');
    expect(() => parseFlag('lr', '')).toThrow('--lr must be a number');
    expect(() => parseFlag('method', 'byol')).toThrow('--method must be ours, npid, simclr, supervised; got byol');
  });

  it('take the range of the configuration field they set, the one the trainers check', () => {
    const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const fields = Object.keys(TRAIN_FLAGS).filter((flag) => camel(flag) in TRAIN_RANGES);
    expect(fields).toHaveLength(Object.keys(TRAIN_FLAGS).length - 3); // all but method, subset and eval-every
    for (const flag of fields)
      expect(TRAIN_FLAGS[flag as keyof typeof TRAIN_FLAGS].kind, flag).toBe(TRAIN_RANGES[camel(flag) as keyof typeof TRAIN_RANGES]);
    expect(() => parseFlag('subset', '-1')).toThrow('--subset must be an integer in [0, 1000000000]; got -1');
    expect(() => parseFlag('epochs', '0')).toThrow('--epochs must be an integer in [1, 1000000]; got 0');
  });

  it('resolve to the defaults, then the method, the preset and the flags given', () => {
    const quick = resolveSetting({});
    expect(quick).toEqual({ method: 'ours', config: { ...DEFAULTS, negatives: 4096 }, subset: 20000, evalEvery: 5 });
    const npid = resolveSetting({ method: 'npid', lambda: '3' });
    expect([npid.config.init, npid.config.update, npid.config.lambda]).toEqual(['random', 'npid', 3]);
    const full = resolveSetting({ epochs: '2' }, 'full');
    expect(full.subset).toBe(Number(RECIPES.full.subset));
    expect(full.config.epochs).toBe(2);
    const supervised = resolveSetting({ method: 'supervised' });
    expect([supervised.config.head, supervised.config.dim]).toEqual(['linear', 10]);
    expect(() => resolveSetting({ method: 'supervised', head: 'mlp' })).toThrow('--method supervised: its head is the linear classifier');
  });

  it('read name=value words and refuse unknown names', () => {
    expect(parseAssignments(['crop-min=0.5', 'rotate=10'], 'test')).toEqual({ 'crop-min': '0.5', rotate: '10' });
    expect(() => parseAssignments(['crop=0.5'], '--grid')).toThrow('--grid: expected flag=value with a training flag');
    expect(() => parseAssignments(['tau=-1'], '--grid')).toThrow('--tau must be a number in');
  });

  it('a sweep grid is every combination, named by its assignments', () => {
    const settings = gridSettings('lr=0.03,0.1 batch=128,256');
    expect(Object.keys(settings)).toEqual(['lr=0.03 batch=128', 'lr=0.03 batch=256', 'lr=0.1 batch=128', 'lr=0.1 batch=256']);
    expect(settings['lr=0.1 batch=128']).toEqual({ lr: '0.1', batch: '128' });
    expect(() => gridSettings('lr')).toThrow('--grid: expected flag=value,value');
  });
});

it('cosine learning rate with a linear warm-up', () => {
  expect(cosineLr(1, 0, 100)).toBe(1);
  expect(cosineLr(1, 50, 100)).toBeCloseTo(0.5, 12);
  expect(cosineLr(1, 0, 100, 10)).toBeCloseTo(0.1, 12);
  expect(cosineLr(1, 9, 100, 10)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.09)), 12);
  expect(cosineLr(1, 10, 100, 10)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.1)), 12);
});
