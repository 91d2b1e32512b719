// An experiment's results file and the setting it was made with. The file keeps its --base as
// flag words and also what they resolved to: when npm start's defaults move (as they did
// after the recipe search), the same words mean another setting, and a resumed experiment
// would add rows of the new setting to a table of the old one. Checked on every resume.

import { IMPLIED_SETTINGS } from '../method/config.js';
import { type FlagValues, type Recipe, resolveSetting } from '../settings.js';

/** What an experiment's results file records of its base. */
export interface BaseRecord {
  base: FlagValues;
  /** The base's configuration as this code resolves it (absent in files written before it was kept). */
  baseConfig?: object;
}

/** The record of a base under the given recipe ('quick' unless the experiment trains another). */
export function baseRecord(base: FlagValues, recipe?: Recipe): Required<BaseRecord> {
  return { base, baseConfig: resolveSetting(base, recipe).config };
}

/** Flags as --base takes them: `subset=10000 epochs=5` (`(none)` for none). */
export function baseWords(flags: FlagValues): string {
  return (
    Object.entries(flags)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') || '(none)'
  );
}

/** Flag values in a canonical order, to compare two settings written in any order. */
const canonical = (flags: FlagValues | undefined) => JSON.stringify(Object.entries(flags ?? {}).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Throws unless a saved results file (at `path`) was made from this base: the same words, and
 * (where the file kept it) the same resolved configuration. `saved` gains the configuration
 * if it lacked it.
 */
export function checkBase(path: string, saved: BaseRecord, wanted: Required<BaseRecord>): void {
  if (canonical(saved.base) !== canonical(wanted.base))
    throw new Error(
      `${path}: made with --base "${baseWords(saved.base ?? {})}", this run has "${baseWords(wanted.base)}"; use another --out`,
    );
  saved.baseConfig ??= wanted.baseConfig;
  // a setting added since, at the value every earlier run had, has not moved
  const was = { ...IMPLIED_SETTINGS, ...saved.baseConfig } as Record<string, unknown>,
    now = wanted.baseConfig as Record<string, unknown>;
  const moved = Object.keys({ ...was, ...now }).filter((k) => JSON.stringify(was[k]) !== JSON.stringify(now[k]));
  if (moved.length > 0) {
    const change = moved.map((k) => `${k} ${JSON.stringify(was[k])} → ${JSON.stringify(now[k])}`).join(', ');
    throw new Error(
      `${path}: its --base now means another setting (the defaults moved: ${change}); pin them in --base or use another --out`,
    );
  }
}
