#!/usr/bin/env python3
"""The method's training step (docs/method.md) written in PyTorch: the peer of
`npm run bench -- train --peers torch` (bench/torch.ts) and of test/torch-peer.test.ts.

The step is ours, op for op: the augmentation (the same Philox draws as asm/augment.ts: random
resized crop, flip, bilinear resampling with clamped edges, normalisation; crop and flip only,
the method's default), fmnist-resnet at a width (src/models/fmnist-resnet.ts), the MLP head
(Linear·BN·ReLU twice, Linear) and L2 normalisation, the loss L_CE + λ·L_SqrtKL against all N
bank rows or against the batch's rows plus K sampled negatives, autograd's backward, SGD
(momentum, weight decay on every parameter, as the engine's SGD), then the bank update
(gradient-corrected or NPID's). Written as a PyTorch user would write it: NCHW float32, nn
modules, torch.optim.SGD. Bench-only: the engine never runs Python.

  torch_step.py [run] --width 0.5 --bank 20000 --negatives 4096 --batch 128 --threads 1 --warmup 1 --steps 5
      warm-up steps, then timed steps; prints one JSON object (images/s of every step, the losses)
  torch_step.py serve [the same options]
      one step per line read: 'step' → {"ms", "loss"}; 'bank' (the memory-bank part alone, fixed v)
      → {"ms"}; 'peak' → {"bytes"} (resident memory of one step); 'quit'. The bench alternates
      these rounds with ours.
  torch_step.py check IN OUT [IN OUT ...]
      one step from the state in the sslgpu tensor file IN (src/engine/io/tensor-file.ts: our
      weights, bank, images, batch and augmentation draw), written to OUT: loss, the augmented
      batch, v, ∂L/∂v, every parameter's gradient, the state after SGD, the updated bank.
"""

import json
import math
import os
import re
import statistics
import struct
import sys
import time
import zlib


def _threads_from_argv(argv):
    for i, word in enumerate(argv):
        if word == '--threads' and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith('--threads='):
            return word.split('=', 1)[1]
    return None


# OpenMP sizes its pool when torch is imported, and OpenBLAS its own (torch.set_num_threads never
# reaches it): the thread count must be in the environment first
if __name__ == '__main__':
    _threads = _threads_from_argv(sys.argv)
    if _threads is not None:
        for _name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
            os.environ[_name] = _threads

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

FMNIST_MEAN = 0.286
FMNIST_STD = 0.353
SIDE = 28

# --------------------------------------------------------------------------------------------
# The encoder: fmnist-resnet (docs/method.md §8), the projection head, L2 normalisation. Module
# names follow the engine's (src/models/fmnist-resnet.ts, src/method/encoder.ts) so that its
# state dict maps onto this one name for name (engine_name/torch_name).


def conv(cin, cout, k, stride):
    layer = nn.Conv2d(cin, cout, k, stride=stride, padding=(k - 1) // 2, bias=False)
    # Kaiming normal, fan-out (the engine's Conv2d, torchvision's ResNets)
    nn.init.kaiming_normal_(layer.weight, mode='fan_out', nonlinearity='relu')
    return layer


class BasicBlock(nn.Module):
    """conv3×3·BN·ReLU·conv3×3·BN, plus the shortcut (conv1×1·BN when the shape changes), then ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv(cin, cout, 3, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv(cout, cout, 3, 1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential(conv(cin, cout, 1, stride), nn.BatchNorm2d(cout)) if stride != 1 or cin != cout else None

    def forward(self, x):
        h = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(h + (self.shortcut(x) if self.shortcut is not None else x))


class FmnistResNet(nn.Module):
    def __init__(self, width):
        super().__init__()
        c = max(1, round(32 * width))
        self.stem = conv(1, c, 3, 1)
        self.stemBn = nn.BatchNorm2d(c)  # noqa: N815 (the engine's name)
        self.stage1 = BasicBlock(c, c, 1)
        self.stage2 = BasicBlock(c, 2 * c, 2)
        self.stage3 = BasicBlock(2 * c, 4 * c, 2)
        self.features = 4 * c

    def forward(self, x):
        h = F.relu(self.stemBn(self.stem(x)))
        return self.stage3(self.stage2(self.stage1(h))).mean((2, 3))


class Encoder(nn.Module):
    """v = normalise(head(h)): the head Linear·BN·ReLU, Linear·BN·ReLU, Linear (PyTorch's default Linear init, as the engine's)."""

    def __init__(self, width, hidden, dim):
        super().__init__()
        self.backbone = FmnistResNet(width)
        f = self.backbone.features
        self.head = nn.Sequential(
            nn.Linear(f, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU(),
            nn.Linear(hidden, dim),
        )

    def forward(self, x):
        return F.normalize(self.head(self.backbone(x)), dim=1, eps=1e-12)


def torch_name(engine_name):
    """backbone.stage2.shortcut.layers.0.weight → backbone.stage2.shortcut.0.weight; runningMean → running_mean."""
    return engine_name.replace('.layers.', '.').replace('runningMean', 'running_mean').replace('runningVar', 'running_var')


def engine_name(name):
    name = name.replace('running_mean', 'runningMean').replace('running_var', 'runningVar')
    return re.sub(r'\.(shortcut|head)\.(\d+)\.', r'.\1.layers.\2.', re.sub(r'^head\.(\d+)\.', r'head.layers.\1.', name))


# --------------------------------------------------------------------------------------------
# The augmentation (docs/method.md §1; src/method/kernels.ts, AugmentParams): image b draws
# Philox4x32-10 blocks counter + 2b and counter + 2b + 1 under the generator's key, exactly as
# asm/augment.ts does; the crop window and the flip become one affine map per image, resampled
# by grid_sample (bilinear, edges clamped: padding 'border').

MASK = np.uint64(0xFFFFFFFF)


def philox(counters, key):
    """The four 32-bit words of Philox4x32-10 for each 64-bit block counter (src/engine/random.ts)."""
    c0, c1 = counters & MASK, counters >> np.uint64(32)
    c2 = np.zeros_like(counters)
    c3 = np.zeros_like(counters)
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    for _ in range(10):
        p0 = np.uint64(0xD2511F53) * c0
        p1 = np.uint64(0xCD9E8D57) * c2
        c0, c1, c2, c3 = (p1 >> np.uint64(32)) ^ c1 ^ k0, p1 & MASK, (p0 >> np.uint64(32)) ^ c3 ^ k1, p0 & MASK
        k0 = (k0 + np.uint64(0x9E3779B9)) & MASK
        k1 = (k1 + np.uint64(0xBB67AE85)) & MASK
    return c0, c1, c2, c3


def uniform(word):
    """A word's top 24 bits as a float32 uniform in [0, 1), as the kernels read them."""
    return torch.from_numpy((word >> np.uint64(8)).astype(np.float32) * np.float32(2.0**-24))


def augment(pixels, key, counter, crop_min, dtype=torch.float32):
    """[B, 1, 28, 28] uint8 → the randomly cropped, flipped, normalised batch (crop area [crop_min, 1], ratio [3/4, 4/3])."""
    batch = pixels.shape[0]
    blocks = np.uint64(counter) + np.arange(2 * batch, dtype=np.uint64)
    words = philox(blocks, key)
    u = [uniform(w[0::2]) for w in words]  # block 2b: the crop
    g0 = uniform(words[0][1::2])  # block 2b + 1: the flip
    size = float(SIDE)
    area = size * size * (crop_min + (1 - crop_min) * u[0])
    log_min, log_max = math.log(3 / 4), math.log(4 / 3)
    ratio = torch.exp(log_min + (log_max - log_min) * u[1])
    cw = torch.clamp(torch.sqrt(area * ratio), max=size)
    ch = torch.clamp(torch.sqrt(area / ratio), max=size)
    x0, y0 = (size - cw) * u[2], (size - ch) * u[3]
    sign = torch.where(g0 < 0.5, -1.0, 1.0)
    zero = torch.zeros(batch)
    # output (i, j) reads the image at x = x0 + (j′ + ½)·cw/W − ½: in grid_sample's normalised
    # coordinates (align_corners False) the scale cw/W and the shift (2·x0 + cw)/W − 1; a flip negates the scale
    theta = torch.stack([
        torch.stack([sign * cw / size, zero, (2 * x0 + cw) / size - 1], 1),
        torch.stack([zero, ch / size, (2 * y0 + ch) / size - 1], 1),
    ], 1).to(dtype)
    grid = F.affine_grid(theta, [batch, 1, SIDE, SIDE], align_corners=False)
    out = F.grid_sample(pixels.to(dtype), grid, mode='bilinear', padding_mode='border', align_corners=False)
    return (out / 255 - FMNIST_MEAN) / FMNIST_STD


# --------------------------------------------------------------------------------------------
# The loss (docs/method.md §3) and the bank updates (§4).


def method_loss(v, rows, target, tau, lam):
    """L_CE at τ + λ·KL(softmax(s) ‖ softmax(s/2)) with the target detached; also log p = log softmax(s/τ)."""
    s = v @ rows.t()
    log_p = F.log_softmax(s / tau, dim=1)
    ce = F.nll_loss(log_p, target)
    log_pt = F.log_softmax(s, dim=1)
    log_u = F.log_softmax(s / 2, dim=1).detach()
    sqrt_kl = (log_pt.exp() * (log_pt - log_u)).sum(1).mean()
    return ce + lam * sqrt_kl, log_p


@torch.no_grad()
def update_bank(bank, rows, v, log_p, index, columns, target, m, rule):
    """
    corrected: w_j ← normalise(m·w_j + (1 − m)·Σ_b (y_bj − p_bj)·v_b) for every j in J (`rows`: the
    bank's rows J as the loss saw them); npid: the batch's rows only.
    """
    v = v.detach()
    if rule == 'npid':
        bank.index_copy_(0, index, F.normalize(m * bank.index_select(0, index) + (1 - m) * v, dim=1, eps=1e-12))
        return
    q = log_p.detach().exp().neg_()
    q[torch.arange(q.shape[0]), target] += 1
    moved = F.normalize(m * rows + (1 - m) * (q.t() @ v), dim=1, eps=1e-12)
    if columns is None:
        bank.copy_(moved)
    else:
        bank.index_copy_(0, columns, moved)


class MethodStep:
    """The model, its SGD, the bank and the training images; one call of `step` is one training step."""

    def __init__(self, o, images, bank, dtype=torch.float32):
        self.o = o
        self.dtype = dtype
        self.images = images  # uint8 [N, 1, 28, 28]
        self.bank = bank  # [N, d], unit rows
        self.encoder = Encoder(o['width'], o['hidden'], o['dim']).to(dtype).train()
        self.optimizer = torch.optim.SGD(self.encoder.parameters(), lr=o['lr'], momentum=o['momentum'], weight_decay=o['weightDecay'])
        self.key = o.get('key', [1, 0])
        self.counter = 0
        self.random = torch.Generator().manual_seed(o.get('seed', 0))

    def negatives(self, index):
        """The batch's rows, then K distinct others drawn at random (None: every row, as when K is 0 or covers them all)."""
        n, k = self.bank.shape[0], self.o['negatives']
        if not 0 < k < n - index.numel():
            return None
        taken = torch.zeros(n, dtype=torch.bool)
        taken[index] = True
        order = torch.randperm(n, generator=self.random)
        return torch.cat([index, order[~taken[order]][:k]])

    def columns_and_target(self, index, columns):
        if columns is None:
            return None, index
        return columns, torch.arange(index.numel())

    def step(self, index, columns='sample', probe=None):
        """One step on images `index` (int64 [B]); `columns`: 'sample', None (every row) or the rows J, the batch's first."""
        o = self.o
        if isinstance(columns, str):
            columns = self.negatives(index)
        x = augment(self.images.index_select(0, index), self.key, self.counter, o['cropMin'], self.dtype)
        self.counter += 2 * index.numel()
        v = self.encoder(x)
        columns, target = self.columns_and_target(index, columns)
        rows = self.bank if columns is None else self.bank.index_select(0, columns)
        loss, log_p = method_loss(v, rows, target, o['tau'], o['lambda'])
        self.optimizer.zero_grad(set_to_none=True)
        if probe is not None:
            v.retain_grad()
            probe.update(x=x, v=v)
        loss.backward()
        self.optimizer.step()
        update_bank(self.bank, rows, v, log_p, index, columns, target, o['m'], o['update'])
        return loss

    def bank_part(self, v, index):
        """The memory-bank part alone for a fixed v: the loss, ∂L/∂v, the update."""
        o = self.o
        columns, target = self.columns_and_target(index, self.negatives(index))
        v = v.detach().requires_grad_()
        rows = self.bank if columns is None else self.bank.index_select(0, columns)
        loss, log_p = method_loss(v, rows, target, o['tau'], o['lambda'])
        (grad,) = torch.autograd.grad(loss, v)
        update_bank(self.bank, rows, v, log_p, index, columns, target, o['m'], o['update'])
        return grad


# --------------------------------------------------------------------------------------------
# The bench's step on synthetic images (timing does not depend on pixels): `run` and `serve`.


def resident():
    """(resident, peak resident) bytes of this process, from /proc/self/status."""
    with open('/proc/self/status') as f:
        status = f.read()
    kib = [int(re.search(rf'{field}:\s+(\d+)', status).group(1)) for field in ('VmRSS', 'VmHWM')]
    return kib[0] * 1024, kib[1] * 1024


class Bench:
    def __init__(self, o):
        self.o = o
        g = torch.Generator().manual_seed(0)
        n, b = o['bank'], o['batch']
        self.images = torch.randint(0, 256, (n, 1, SIDE, SIDE), dtype=torch.uint8, generator=g)
        self.baseline = resident()[0]  # before the model, the bank and the optimiser (the images left out, as ours leaves them out)
        self.method = MethodStep(o, self.images, F.normalize(torch.randn(n, o['dim'], generator=g), dim=1))
        self.order = torch.randperm(n, generator=g)
        self.fixed_v = F.normalize(torch.randn(b, o['dim'], generator=g), dim=1)
        self.steps = 0

    def next_index(self):
        n, b = self.o['bank'], self.o['batch']
        start = (self.steps % max(1, n // b)) * b
        self.steps += 1
        return self.order[start:start + b]

    def step(self):
        index = self.next_index()
        start = time.perf_counter()
        loss = self.method.step(index)
        ms = (time.perf_counter() - start) * 1000
        return ms, loss.item()

    def bank_part(self):
        index = self.next_index()
        start = time.perf_counter()
        self.method.bank_part(self.fixed_v, index)
        return (time.perf_counter() - start) * 1000

    def peak(self):
        """Peak resident bytes during one step above the resident bytes before the model existed (None where Linux cannot say)."""
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')  # resets VmHWM to the current resident size
        except OSError:
            return None
        self.step()
        return resident()[1] - self.baseline


def blas():
    """torch's BLAS as built (Debian's: 'generic', the system's libblas.so.3) and the library it loaded."""
    built = re.search(r'BLAS_INFO=(\w+)', torch.__config__.show())
    with open('/proc/self/maps') as f:
        paths = {line.split()[-1] for line in f if len(line.split()) >= 6}
    loaded = sorted({os.path.realpath(p) for p in paths if 'blas' in os.path.basename(p).lower()})
    return f"{built.group(1) if built else 'unknown'} ({', '.join(loaded) or 'no BLAS library loaded'})"


def describe(o):
    capability = re.search(r'CPU capability usage: (\S+)', torch.__config__.show())
    return {
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': blas(),
        'capability': capability.group(1) if capability else 'unknown',
        'mkldnn': torch.backends.mkldnn.is_available(),
        # libgomp spins at its barriers by default: on a busy machine PASSIVE (sleep) is far faster with 2+ threads
        'ompWaitPolicy': os.environ.get('OMP_WAIT_POLICY') or 'default',
        'affinity': sorted(os.sched_getaffinity(0)),
        'augment': 'ours exactly: the same Philox draws, crop and flip by affine_grid + grid_sample (bilinear, border)',
        'setting': o,
    }


def run(o):
    bench = Bench(o)
    for _ in range(o['warmup']):
        bench.step()
    rounds = []
    for _ in range(o['steps']):
        ms, loss = bench.step()
        rounds.append({'ms': ms, 'images/s': o['batch'] / (ms / 1000), 'loss': loss})
    rates = [r['images/s'] for r in rounds]
    result = describe(o)
    result.update(rounds=rounds, median_images_per_s=statistics.median(rates) if rates else None)
    print(json.dumps(result))


def serve(o):
    bench = Bench(o)
    print(json.dumps({'ready': True, **describe(o)}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == 'step':
            ms, loss = bench.step()
            reply = {'ms': ms, 'loss': loss}
        elif command == 'bank':
            reply = {'ms': bench.bank_part()}
        elif command == 'peak':
            reply = {'bytes': bench.peak()}
        elif command in ('quit', ''):
            break
        else:
            reply = {'error': f'unknown command {command!r}'}
        print(json.dumps(reply), flush=True)


# --------------------------------------------------------------------------------------------
# `check`: one step from our state, for test/torch-peer.test.ts. The tensor file format is
# src/engine/io/tensor-file.ts: "SGPU", version 1, header length, JSON header, 32-bit
# little-endian data, CRC-32.

DTYPES = {'f32': '<f4', 'i32': '<i4', 'u32': '<u4'}


def read_tensor_file(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic, version, length = struct.unpack_from('<III', data, 0)
    if magic != 0x55504753 or version != 1:
        raise ValueError(f'{path}: not an sslgpu tensor file of version 1')
    if zlib.crc32(data[:-4]) != struct.unpack_from('<I', data, len(data) - 4)[0]:
        raise ValueError(f'{path}: checksum mismatch')
    header = json.loads(data[12:12 + length])
    start = 12 + (length + 3) // 4 * 4
    tensors = {}
    for t in header['tensors']:
        count = math.prod(t['shape'])
        tensors[t['name']] = np.frombuffer(data, DTYPES[t['dtype']], count, start + t['offset']).reshape(t['shape'])
    return header['meta'], tensors


def write_tensor_file(path, meta, tensors):
    entries, chunks, offset = [], [], 0
    for name, array in tensors:
        kind = 'i32' if array.dtype.kind in 'iu' else 'f32'
        raw = np.ascontiguousarray(array, DTYPES[kind]).tobytes()
        entries.append({'name': name, 'dtype': kind, 'shape': list(array.shape), 'offset': offset})
        chunks.append(raw)
        offset += len(raw)
    header = json.dumps({'meta': meta, 'tensors': entries}).encode()
    body = struct.pack('<III', 0x55504753, 1, len(header)) + header + b'\0' * (-len(header) % 4) + b''.join(chunks)
    with open(path, 'wb') as f:
        f.write(body + struct.pack('<I', zlib.crc32(body)))


def check(source, target):
    meta, t = read_tensor_file(source)
    dtype = torch.float64 if meta.get('dtype') == 'f64' else torch.float32
    count = t['images'].shape[0]
    images = torch.from_numpy(t['images'].copy().view(np.uint8).reshape(count, 1, SIDE, SIDE))
    bank = torch.from_numpy(t['bank'].astype(np.float64 if dtype == torch.float64 else np.float32))
    method = MethodStep(meta, images, bank, dtype)
    state = {torch_name(name[len('encoder.'):]): torch.from_numpy(a.copy()) for name, a in t.items() if name.startswith('encoder.')}
    missing, unexpected = method.encoder.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith('num_batches_tracked')]
    if missing or unexpected:
        raise ValueError(f'{source}: state dict missing {missing}, unexpected {unexpected}')
    method.key, method.counter = meta['key'], meta['counter']
    index = torch.from_numpy(t['index'].astype(np.int64))
    columns = torch.from_numpy(t['columns'].astype(np.int64)) if 'columns' in t else None
    probe = {}
    loss = method.step(index, columns, probe)
    out = [('loss', np.array([loss.item()])), ('x', probe['x'].detach().numpy()), ('v', probe['v'].detach().numpy()),
           ('grad.v', probe['v'].grad.numpy())]
    out += [(f'grad.{engine_name(name)}', p.grad.numpy()) for name, p in method.encoder.named_parameters()]
    out += [(f'after.{engine_name(name)}', s.numpy()) for name, s in method.encoder.state_dict().items() if 'num_batches' not in name]
    out.append(('bank', method.bank.numpy()))
    write_tensor_file(target, {'torch': torch.__version__}, out)


def options(argv):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('mode', nargs='?', default='run', choices=['run', 'serve', 'check'])
    parser.add_argument('files', nargs='*', help='check: IN OUT pairs')
    add = parser.add_argument
    add('--width', type=float, default=0.5)
    add('--hidden', type=int, default=512)
    add('--dim', type=int, default=128)
    add('--bank', type=int, default=20000, help='bank rows N (and synthetic training images)')
    add('--negatives', type=int, default=4096, help='sampled negatives K (0: every row)')
    add('--batch', type=int, default=128)
    add('--tau', type=float, default=0.1)
    add('--lambda', dest='lam', type=float, default=20)
    add('--m', type=float, default=0.5)
    add('--lr', type=float, default=0.1)
    add('--momentum', type=float, default=0.9)
    add('--weight-decay', type=float, default=5e-4)
    add('--crop-min', type=float, default=0.7)
    add('--update', choices=['corrected', 'npid'], default='corrected')
    add('--threads', type=int, default=None, help='torch.set_num_threads (and OMP_NUM_THREADS); default: torch\'s own')
    add('--warmup', type=int, default=1)
    add('--steps', type=int, default=5)
    a = parser.parse_args(argv)
    if a.mode == 'check' and (not a.files or len(a.files) % 2):
        parser.error('check takes IN OUT pairs')
    o = {'width': a.width, 'hidden': a.hidden, 'dim': a.dim, 'bank': a.bank, 'negatives': a.negatives, 'batch': a.batch,
         'tau': a.tau, 'lambda': a.lam, 'm': a.m, 'lr': a.lr, 'momentum': a.momentum, 'weightDecay': a.weight_decay,
         'cropMin': a.crop_min, 'update': a.update, 'warmup': a.warmup, 'steps': a.steps}
    return a, o


def main(argv):
    a, o = options(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    if a.mode == 'check':
        for i in range(0, len(a.files), 2):
            check(a.files[i], a.files[i + 1])
    elif a.mode == 'serve':
        serve(o)
    else:
        run(o)


if __name__ == '__main__':
    main(sys.argv[1:])
