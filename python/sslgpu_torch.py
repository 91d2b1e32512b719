"""sslgpu's encoders in PyTorch.

`npm start -- export --checkpoint C --out encoder.safetensors` writes an encoder's weights and
BatchNorm statistics under the names of the modules below, with what rebuilds it in the file's
metadata (arch, width, head, hidden, dim, in_channels, size, mean, std). `load_encoder` reads
it (with the safetensors package where installed, else with the reader here) into an `Encoder`
in evaluation mode, whose forward pass gives sslgpu's h (the backbone's pooled features) and v
(the unit projection) for images normalised as sslgpu normalises them; `preprocess` makes
those from picture files: each picture's centre square, resized as sslgpu resizes it (area
averaging when shrinking, bilinear when enlarging, rounded to 8 bits), then
(value / 255 - mean) / std per channel.

    model, meta = load_encoder("encoder.safetensors")
    h, v = model(preprocess(["cat.png", "dog.png"], meta))

The layers follow src/models/ and src/method/encoder.ts exactly: fmnist-resnet, resnet18 (the
small-image ResNet-18) and mobilenetv2 (the small-image MobileNetV2); no layer has a bias but
the Linear ones; BatchNorm's eps is 1e-5.
"""

import json
import math
import struct

import torch
import torch.nn.functional as F
from torch import nn


def _round(x):
    """JavaScript's Math.round: halves round up (Python's round() goes to the even)."""
    return math.floor(x + 0.5)


class BasicBlock(nn.Module):
    """conv3x3·BN·ReLU·conv3x3·BN, plus the shortcut (conv1x1·BN where the shape changes), then ReLU."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(h + (self.shortcut(x) if self.shortcut is not None else x))


class _ResNet(nn.Module):
    """What both ResNets begin with: a 3x3 stem at stride 1 of C = base·width channels, BN, ReLU."""

    def __init__(self, base, width, in_channels):
        super().__init__()
        self.c = max(1, _round(base * width))
        self.stem = nn.Conv2d(in_channels, self.c, 3, 1, 1, bias=False)
        self.stemBn = nn.BatchNorm2d(self.c)

    def begin(self, x):
        return F.relu(self.stemBn(self.stem(x)))


class FmnistResNet(_ResNet):
    """A 3x3 stem and three BasicBlocks, C/2C/4C channels (C = 32 at width 1), global average pool."""

    def __init__(self, width=1.0, in_channels=1):
        super().__init__(32, width, in_channels)
        c = self.c
        self.stage1 = BasicBlock(c, c, 1)
        self.stage2 = BasicBlock(c, 2 * c, 2)
        self.stage3 = BasicBlock(2 * c, 4 * c, 2)
        self.features = 4 * c

    def forward(self, x):
        return self.stage3(self.stage2(self.stage1(self.begin(x)))).mean((2, 3))


class ResNet18(_ResNet):
    """ResNet-18 for small images: a 3x3 stem at stride 1, no max-pool, four stages of two BasicBlocks."""

    def __init__(self, width=1.0, in_channels=1):
        super().__init__(64, width, in_channels)
        c = self.c
        stage = lambda cin, cout, stride: nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1))  # noqa: E731
        self.layer1 = stage(c, c, 1)
        self.layer2 = stage(c, 2 * c, 2)
        self.layer3 = stage(2 * c, 4 * c, 2)
        self.layer4 = stage(4 * c, 8 * c, 2)
        self.features = 8 * c

    def forward(self, x):
        return self.layer4(self.layer3(self.layer2(self.layer1(self.begin(x))))).mean((2, 3))


def _divisible_by_8(channels):
    rounded = max(8, math.floor((channels + 4) / 8) * 8)
    return rounded + 8 if rounded < 0.9 * channels else rounded


def _conv_bn(cin, cout, kernel, stride=1, groups=1, linear=False):
    layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    return nn.Sequential(*layers, *([] if linear else [nn.ReLU6()]))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expansion):
        super().__init__()
        hidden = cin * expansion
        self.expand = _conv_bn(cin, hidden, 1) if expansion != 1 else None
        self.depthwise = _conv_bn(hidden, hidden, 3, stride, groups=hidden)
        self.project = _conv_bn(hidden, cout, 1, linear=True)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        h = self.project(self.depthwise(self.expand(x) if self.expand is not None else x))
        return h + x if self.residual else h


MOBILENETV2_BLOCKS = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 1), (6, 320, 1, 1)]


class MobileNetV2(nn.Module):
    """MobileNetV2's inverted residuals for small images (src/models/mobilenetv2.ts has the table)."""

    def __init__(self, width=1.0, in_channels=1):
        super().__init__()
        channels = _divisible_by_8(32 * width)
        self.stem = _conv_bn(in_channels, channels, 3)
        blocks = []
        for t, c, n, s in MOBILENETV2_BLOCKS:
            out = _divisible_by_8(c * width)
            for i in range(n):
                blocks.append(InvertedResidual(channels, out, s if i == 0 else 1, t))
                channels = out
        self.blocks = nn.ModuleList(blocks)
        self.features = _divisible_by_8(1280 * max(1.0, width))
        self.head = _conv_bn(channels, self.features, 1)

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x).mean((2, 3))


ARCHS = {"fmnist-resnet": FmnistResNet, "resnet18": ResNet18, "mobilenetv2": MobileNetV2}


class Encoder(nn.Module):
    """The backbone, then the projection head: forward gives (h, v), v = head(h) / ||head(h)||."""

    def __init__(self, arch, width, head="mlp", hidden=512, dim=128, in_channels=1):
        super().__init__()
        self.backbone = ARCHS[arch](width, in_channels)
        layers, inputs = [], self.backbone.features
        for _ in range({"linear": 0, "mlp2": 1, "mlp": 2}[head]):
            layers += [nn.Linear(inputs, hidden), nn.BatchNorm1d(hidden), nn.ReLU()]
            inputs = hidden
        self.head = nn.Sequential(*layers, nn.Linear(inputs, dim))

    def forward(self, x):
        h = self.backbone(x)
        return h, F.normalize(self.head(h), dim=1)


_DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_safetensors(path):
    """The tensors and the metadata of a .safetensors file (the safetensors package's reader where installed)."""
    try:
        from safetensors import safe_open
    except ImportError:
        safe_open = None
    if safe_open is not None:
        with safe_open(path, framework="pt") as f:
            return {name: f.get_tensor(name) for name in f.keys()}, f.metadata() or {}
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    metadata = header.pop("__metadata__", {})
    body = bytearray(data[8 + length :])
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = _DTYPES[entry["dtype"]]
        flat = torch.frombuffer(body[begin:end], dtype=dtype) if end > begin else torch.zeros(0, dtype=dtype)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, metadata


def load_encoder(path):
    """The Encoder an `npm start -- export` file holds, in evaluation mode, and the file's metadata."""
    tensors, meta = read_safetensors(path)
    if meta.get("format") != "sslgpu-encoder":
        raise ValueError(f"{path}: not an encoder that npm start -- export wrote")
    model = Encoder(meta["arch"], float(meta["width"]), meta["head"], int(meta["hidden"]), int(meta["dim"]), int(meta["in_channels"]))
    model.load_state_dict(tensors, strict=True)
    return model.eval(), meta


def _axis_taps(offset, length, size, o):
    """sslgpu's resize along one axis (src/data/images.ts): area weights when shrinking, bilinear when enlarging."""
    scale = length / size
    if length >= size:
        start, end = o * scale, (o + 1) * scale
        first = math.floor(start)
        weights, k = [], first
        while k < end:
            weights.append((min(end, k + 1) - max(start, k)) / scale)
            k += 1
        return offset + first, weights
    if length == 1:
        return offset, [1.0]
    x = min(max((o + 0.5) * scale - 0.5, 0), length - 1)
    first = min(math.floor(x), length - 2)
    return offset + first, [1 - (x - first), x - first]


def resize_square(rgb, size):
    """An [H, W, 3] picture's centre square resized to [3, size, size] as sslgpu does it, 0-255 rounded."""
    height, width = rgb.shape[0], rgb.shape[1]
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    image = rgb.to(torch.float64).permute(2, 0, 1)[:, top : top + side, :]  # the square's rows, every column
    across = torch.zeros(3, side, size, dtype=torch.float64)
    for j in range(size):
        first, weights = _axis_taps(left, side, size, j)
        column = torch.zeros(3, side, dtype=torch.float64)
        for k, w in enumerate(weights):
            column = column + w * image[:, :, first + k]
        across[:, :, j] = column
    out = torch.zeros(3, size, size, dtype=torch.float64)
    for i in range(size):
        first, weights = _axis_taps(top, side, size, i)
        row = torch.zeros(3, size, dtype=torch.float64)
        for k, w in enumerate(weights):
            row = row + w * across[:, first - top + k, :]
        out[:, i, :] = row
    return torch.clamp(torch.floor(out + 0.5), 0, 255)


def preprocess(paths, meta):
    """Pictures as the encoder of `meta` takes them: [N, in_channels, size, size], normalised.

    PNG files give sslgpu's inputs exactly; JPEG decoders differ (by a level here and there).
    Alpha is dropped, as sslgpu drops it; a colour picture for a one-channel encoder becomes
    its luminance (0.2989 r + 0.587 g + 0.114 b, rounded).
    """
    from PIL import Image

    size, channels = int(meta["size"]), int(meta["in_channels"])
    mean = torch.tensor(json.loads(meta["mean"]), dtype=torch.float32).view(-1, 1, 1)
    std = torch.tensor(json.loads(meta["std"]), dtype=torch.float32).view(-1, 1, 1)
    batch = []
    for path in paths:
        with Image.open(path) as picture:
            rgb = torch.frombuffer(bytearray(picture.convert("RGB").tobytes()), dtype=torch.uint8)
            rgb = rgb.reshape(picture.height, picture.width, 3)
        planes = resize_square(rgb, size)
        if channels == 1:
            planes = torch.clamp(torch.floor(0.2989 * planes[0] + 0.587 * planes[1] + 0.114 * planes[2] + 0.5), max=255)[None]
        batch.append((planes.to(torch.float32) / 255 - mean) / std)
    return torch.stack(batch)
