// Is a checkpoint's linear probe the features' limit or the probe's? The same frozen features
// (h, then v) of a run's checkpoint, probed with several settings of the probe itself.
//   node scripts/build.mjs scripts/probe-settings.ts && node dist/scripts/probe-settings.js runs/full/checkpoint.wssl
import { readRunCheckpoint } from '../src/checkpoint.js';
import { loadData, makeTrainer } from '../src/cli/session.js';
import { DEFAULT_DATA_DIR } from '../src/data/fashion-mnist.js';
import { readFileBytes } from '../src/engine/io/node-files.js';
import { linearProbe, type ProbeOptions } from '../src/method/linear-probe.js';
import { init } from '../src/node.js';

const PROBES: ProbeOptions[] = [{}, { epochs: 300 }, { lr: 0.3 }, { lr: 0.03 }, { batch: 1024, epochs: 300, lr: 0.3 }];

const path = process.argv[2] ?? 'runs/latest/checkpoint.sslgpu';
const backend = await init({});
const bytes = readFileBytes(path);
const { method = 'ours', config, subset } = readRunCheckpoint(bytes, path);
const { train, test } = loadData(process.argv[3] ?? DEFAULT_DATA_DIR, subset, backend, config.seed);
const trainer = makeTrainer({ method, config, subset, evalEvery: 1 }, backend, train, test);
trainer.restore(bytes, path);
const a = trainer.embed(train),
  b = trainer.embed(test);
for (const [name, [from, to]] of [
  ['h', [a.h, b.h]],
  ['v', [a.v, b.v]],
] as const) {
  for (const options of PROBES) {
    const accuracy = await linearProbe(from, train.labels, to, test.labels, options);
    console.log(`${name} ${JSON.stringify(options)}: ${(100 * accuracy).toFixed(2)} %`);
  }
}
