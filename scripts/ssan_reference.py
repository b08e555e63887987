"""A second, independent PyTorch implementation of the SSAN models of docs/model.md.

This is the model of docs/model.md written in PyTorch 1.13, as plainly as possible, so that
scripts/make-ssan-fixtures.py can produce golden outputs and gradients for the TypeScript models in
src/ssan/models. It is not used for training. Every module's state_dict() keys are exactly the
TypeScript module's keys (the names are the TypeScript field names, camelCase where the TypeScript
is, e.g. `temporalValue`).

Conventions shared by every attention block (docs/model.md#the-ssa-block):
- the input x is (N*T, C, H, W), the frames of a clip contiguous: frame t of clip n is at row n*T + t;
- C' = C // reduction is the embedding width, P = H*W the positions of a frame;
- the output is Z = x + bn(out(Y)): a 1x1 conv back to C channels (W_z), a BatchNorm, the residual.

The backbone is torchvision's ResNet (through scripts/tiny_torchvision.py, any width); attention and the
temporal shift are inserted by giving each torchvision block two slots, `shift` (on the residual branch
before conv1) and `attention` (after conv1-bn1-relu, before conv2), and a forward that uses them.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import resnet as tv

from tiny_torchvision import build_resnet

ATTN_SCALES = ("len", "none", "dot")
CAM_STYLES = ("qk", "danet")
TA_VALUES = ("shared_v", "x_hat", "separate_g")


# ---------------------------------------------------------------------------------------------------
# Normalising an affinity


def normalise(energy, attn_scale, length, num_keys):
    """Affinities -> attention weights over the last axis (the keys).

    'len': softmax(energy / sqrt(length)), `length` being the contraction length of the dot products;
    'none': softmax(energy); 'dot': no softmax, energy / num_keys (NL's dot-product variant).
    """
    if attn_scale == "len":
        return torch.softmax(energy / math.sqrt(length), dim=-1)
    if attn_scale == "none":
        return torch.softmax(energy, dim=-1)
    if attn_scale == "dot":
        return energy / num_keys
    raise ValueError(f"attn_scale must be one of {ATTN_SCALES}; got {attn_scale!r}")


def clips(x, num_segments):
    """N*T (batch of frames) -> N, checking that whole clips were given."""
    if x.shape[0] % num_segments != 0:
        raise ValueError(f"batch of {x.shape[0]} frames is not a whole number of clips of {num_segments}")
    return x.shape[0] // num_segments


def frames_to_clip_vectors(t, num_segments):
    """(N*T, C', H, W) -> (N, T, C'*H*W): each frame flattened in (C', H, W) order."""
    n = clips(t, num_segments)
    return t.reshape(n, num_segments, -1)


def init_embedding(conv):
    """New convs of an attention block: normal(0, 0.01), bias 0 (docs/model.md#output-and-initialisation)."""
    nn.init.normal_(conv.weight, 0.0, 0.01)
    nn.init.zeros_(conv.bias)


def zero_bn(channels):
    """The output BatchNorm, gamma = beta = 0 so that the block starts as the identity
    (docs/model.md#output-and-initialisation)."""
    bn = nn.BatchNorm2d(channels)
    nn.init.zeros_(bn.weight)
    nn.init.zeros_(bn.bias)
    return bn


# ---------------------------------------------------------------------------------------------------
# SSA (docs/model.md#the-ssa-block)


class SSA(nn.Module):
    """Separable self-attention: spatial (position + channel) attention per frame, then temporal attention per clip."""

    def __init__(self, channels, num_segments, reduction=2, channel_branch=True, ta_value="shared_v",
                 temporal_kernel=3, attn_scale="len", cam_style="qk"):
        super().__init__()
        if reduction not in (1, 2) or channels % reduction != 0:
            raise ValueError(f"SSA: reduction must be 1 or 2 and divide channels={channels}; got {reduction}")
        if ta_value not in TA_VALUES:
            raise ValueError(f"SSA: ta_value must be one of {TA_VALUES}; got {ta_value!r}")
        if temporal_kernel not in (1, 3):
            raise ValueError(f"SSA: temporal_kernel must be 1 or 3; got {temporal_kernel}")
        if attn_scale not in ATTN_SCALES:
            raise ValueError(f"SSA: attn_scale must be one of {ATTN_SCALES}; got {attn_scale!r}")
        if cam_style not in CAM_STYLES:
            raise ValueError(f"SSA: cam_style must be one of {CAM_STYLES}; got {cam_style!r}")
        if cam_style == "danet" and attn_scale == "dot":
            raise ValueError("SSA: cam_style 'danet' is a softmax form; it has no 'dot' variant")
        inner = channels // reduction
        self.num_segments = num_segments
        self.inner = inner
        self.channel_branch = channel_branch
        self.ta_value = ta_value
        self.attn_scale = attn_scale
        self.cam_style = cam_style

        # Registration order = state-dict order, as in the TypeScript module.
        self.query = nn.Conv2d(channels, inner, 1)
        self.key = nn.Conv2d(channels, inner, 1)
        self.value = nn.Conv2d(channels, inner, 1)
        pad = (temporal_kernel - 1) // 2
        # One conv gives the temporal query (channels [0, C')) and key ([C', 2C')).
        self.temporal = nn.Conv3d(inner, 2 * inner, (temporal_kernel, 1, 1), padding=(pad, 0, 0))
        if ta_value == "separate_g":
            self.temporalValue = nn.Conv3d(inner, inner, 1)
        self.out = nn.Conv2d(inner, channels, 1)
        self.bn = zero_bn(channels)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Conv3d)):
                init_embedding(m)

    def channel_attention(self, q, k):
        """A_C (N*T, C', C') from q, k of shape (N*T, C', P)."""
        energy = q @ k.transpose(1, 2)
        num_positions = q.shape[2]
        if self.cam_style == "qk":
            return normalise(energy, self.attn_scale, num_positions, self.inner)
        # DANet's CAM: softmax(rowmax(E) - E) of the (scaled) energy, i.e. softmax(-E).
        if self.attn_scale == "len":
            energy = energy / math.sqrt(num_positions)
        return torch.softmax(energy.max(dim=-1, keepdim=True).values - energy, dim=-1)

    def forward(self, x):
        nt, _, h, w = x.shape
        t = self.num_segments
        n = clips(x, t)
        ci, p = self.inner, h * w
        q, k, v = self.query(x), self.key(x), self.value(x)  # (N*T, C', H, W) each
        q_flat, k_flat, v_flat = (e.reshape(nt, ci, p) for e in (q, k, v))  # (N*T, C', P)

        # Position branch: every position attends to every position of its frame.
        energy_s = q_flat.transpose(1, 2) @ k_flat  # (N*T, P, P)
        a_s = normalise(energy_s, self.attn_scale, ci, p)
        x_hat = a_s @ v_flat.transpose(1, 2)  # (N*T, P, C')
        x_hat = x_hat.transpose(1, 2)  # channel-major (N*T, C', P)

        # Channel branch: every channel attends to every channel, over the frame's positions.
        if self.channel_branch:
            x_hat = x_hat + self.channel_attention(q_flat, k_flat) @ v_flat

        # Temporal embeddings from X^ laid out as a video (N, C', T, H, W).
        x_hat_video = x_hat.reshape(n, t, ci, h, w).permute(0, 2, 1, 3, 4)
        q_t, k_t = self.temporal(x_hat_video).chunk(2, dim=1)  # (N, C', T, H, W) each

        def clip_vectors(video):  # (N, C', T, H, W) -> (N, T, C'*H*W) in (C', H, W) order
            return video.permute(0, 2, 1, 3, 4).reshape(n, t, ci * p)

        d = ci * p
        energy_t = clip_vectors(q_t) @ clip_vectors(k_t).transpose(1, 2)  # (N, T, T)
        a_t = normalise(energy_t, self.attn_scale, d, t)
        if self.ta_value == "shared_v":
            v_t = frames_to_clip_vectors(v, t)
        elif self.ta_value == "x_hat":
            v_t = clip_vectors(x_hat_video)
        else:
            v_t = clip_vectors(self.temporalValue(x_hat_video))
        y = (a_t @ v_t).reshape(nt, ci, h, w)
        return x + self.bn(self.out(y))


# ---------------------------------------------------------------------------------------------------
# Non-local baselines (docs/model.md#non-local-blocks)


class NonLocal(nn.Module):
    """Embedded-Gaussian non-local block over a clip ('3d'), a frame ('2d') or the frames of a clip ('1d')."""

    def __init__(self, channels, kind, num_segments, reduction=2, attn_scale="len", sub_sample=False):
        super().__init__()
        if kind not in ("3d", "2d", "1d"):
            raise ValueError(f"NonLocal: kind must be '3d', '2d' or '1d' here; got {kind!r}")
        if sub_sample and kind == "1d":
            raise ValueError("NonLocal: sub_sample pools positions; the 1d block has none to pool")
        if attn_scale not in ATTN_SCALES:
            raise ValueError(f"NonLocal: attn_scale must be one of {ATTN_SCALES}; got {attn_scale!r}")
        inner = channels // reduction
        self.kind = kind
        self.num_segments = num_segments
        self.inner = inner
        self.attn_scale = attn_scale
        self.sub_sample = sub_sample
        self.theta = nn.Conv2d(channels, inner, 1)
        self.phi = nn.Conv2d(channels, inner, 1)
        self.g = nn.Conv2d(channels, inner, 1)
        self.out = nn.Conv2d(inner, channels, 1)
        self.bn = zero_bn(channels)
        for m in (self.theta, self.phi, self.g, self.out):
            init_embedding(m)

    def forward(self, x):
        nt, _, h, w = x.shape
        t, ci = self.num_segments, self.inner
        n = clips(x, t)
        theta, phi, g = self.theta(x), self.phi(x), self.g(x)  # (N*T, C', H, W)
        if self.sub_sample:
            # As TSM / mmcv: pool the outputs of phi and g, 2x2 stride 2, frame by frame.
            phi, g = F.max_pool2d(phi, 2, 2), F.max_pool2d(g, 2, 2)

        if self.kind == "1d":
            queries = frames_to_clip_vectors(theta, t)  # (N, T, D)
            keys = frames_to_clip_vectors(phi, t)
            values = frames_to_clip_vectors(g, t)
            length = ci * h * w
        else:
            # Rows are the attending units: a clip ('3d') or a frame ('2d'); columns are their positions.
            units = n if self.kind == "3d" else nt

            def positions(e):  # (N*T, C', h', w') -> (units, positions, C')
                return e.reshape(units, -1, ci, e.shape[2] * e.shape[3]).permute(0, 1, 3, 2).reshape(units, -1, ci)

            queries, keys, values = positions(theta), positions(phi), positions(g)
            length = ci
        attention = normalise(queries @ keys.transpose(1, 2), self.attn_scale, length, keys.shape[1])
        y = attention @ values
        if self.kind == "1d":
            y = y.reshape(nt, ci, h, w)
        else:
            # Back from (units, positions, C') with positions ordered (frame, h, w).
            y = y.reshape(nt, h * w, ci).transpose(1, 2).reshape(nt, ci, h, w)
        return x + self.bn(self.out(y))


class StackedNonLocal(nn.Module):
    """2D+1D NL, stacked: a whole 2d block, then a whole 1d block (two W_z, two residuals)."""

    def __init__(self, channels, num_segments, **options):
        super().__init__()
        self.spatial = NonLocal(channels, "2d", num_segments, **options)
        self.temporal = NonLocal(channels, "1d", num_segments, **options)

    def forward(self, x):
        return self.temporal(self.spatial(x))


def non_local(channels, kind, num_segments, reduction=2, attn_scale="len", sub_sample=False, fusion="fused"):
    """A non-local block of any kind; '2d1d' fused is SSA without the channel branch, a separate temporal
    value and 1x1x1 temporal embeddings (docs/model.md#the-table-5-chain, its first row)."""
    if kind == "2d1d":
        if sub_sample:
            raise ValueError("non_local: sub_sample applies to kinds '3d' and '2d' only")
        if fusion == "fused":
            return SSA(channels, num_segments, reduction=reduction, channel_branch=False, ta_value="separate_g",
                       temporal_kernel=1, attn_scale=attn_scale)
        if fusion == "stacked":
            return StackedNonLocal(channels, num_segments, reduction=reduction, attn_scale=attn_scale)
        raise ValueError(f"non_local: fusion must be 'fused' or 'stacked'; got {fusion!r}")
    return NonLocal(channels, kind, num_segments, reduction=reduction, attn_scale=attn_scale, sub_sample=sub_sample)


# ---------------------------------------------------------------------------------------------------
# TSM's temporal shift (docs/model.md#tsm)


class TemporalShift(nn.Module):
    """Shifts 1/8 of the channels one frame back in time and 1/8 one frame forward (zeros at the ends)."""

    def __init__(self, num_segments):
        super().__init__()
        self.num_segments = num_segments

    def forward(self, x):
        nt, c, h, w = x.shape
        t = self.num_segments
        video = x.reshape(clips(x, t), t, c, h, w)
        fold = c // 8
        out = torch.zeros_like(video)
        out[:, :-1, :fold] = video[:, 1:, :fold]  # frame t sees frame t+1
        out[:, 1:, fold:2 * fold] = video[:, :-1, fold:2 * fold]  # frame t sees frame t-1
        out[:, :, 2 * fold:] = video[:, :, 2 * fold:]
        return out.reshape(nt, c, h, w)


# ---------------------------------------------------------------------------------------------------
# torchvision blocks with the two slots


def bottleneck_forward(block, x):
    """torchvision's Bottleneck.forward with the shift before conv1 and the attention after relu(bn1(conv1))."""
    out = block.shift(x) if block.shift is not None else x
    out = block.relu(block.bn1(block.conv1(out)))
    if block.attention is not None:
        out = block.attention(out)
    out = block.relu(block.bn2(block.conv2(out)))
    out = block.bn3(block.conv3(out))
    identity = block.downsample(x) if block.downsample is not None else x
    return block.relu(out + identity)


def basic_block_forward(block, x):
    """torchvision's BasicBlock.forward with the same two slots."""
    out = block.shift(x) if block.shift is not None else x
    out = block.relu(block.bn1(block.conv1(out)))
    if block.attention is not None:
        out = block.attention(out)
    out = block.bn2(block.conv2(out))
    identity = block.downsample(x) if block.downsample is not None else x
    return block.relu(out + identity)


class SlottedBottleneck(tv.Bottleneck):
    forward = bottleneck_forward


class SlottedBasicBlock(tv.BasicBlock):
    forward = basic_block_forward


def add_slots(block):
    """Turns a torchvision block into its slotted subclass, with empty `shift` and `attention` slots placed
    where the TypeScript block declares them (shift first, attention right after bn1), so state dicts list
    their keys in the same order."""
    block.__class__ = SlottedBottleneck if isinstance(block, tv.Bottleneck) else SlottedBasicBlock
    modules = list(block._modules.items())
    block._modules.clear()
    block._modules["shift"] = None
    for name, m in modules:
        block._modules[name] = m
        if name == "bn1":
            block._modules["attention"] = None


# ---------------------------------------------------------------------------------------------------
# Placement (docs/model.md#placements) and the TSN wrapper (docs/model.md#tsn-wrapper-and-consensus)

PLACEMENTS = {
    "A_odd": {"layer2": [1, 3], "layer3": [1, 3, 5]},
    "A_even": {"layer2": [0, 2], "layer3": [0, 2, 4]},
    "B": {"layer1": [0, 2], "layer2": [1, 2, 3]},
    "res2": {"layer2": [1, 3]},
    "res3": {"layer3": [1, 3, 5]},
    "res4": {"layer4": [0, 2]},
}
STAGES = ("layer1", "layer2", "layer3", "layer4")


class TSN(nn.Module):
    """Frames of N clips through a 2D backbone, dropout, a new fc, then the average over the T frames."""

    def __init__(self, backbone, num_features, num_classes, num_segments, dropout=0.5):
        super().__init__()
        self.num_segments = num_segments
        self.backbone = backbone
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(num_features, num_classes)
        nn.init.normal_(self.fc.weight, 0.0, 0.001)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        n, t = x.shape[:2]
        if t != self.num_segments:
            raise ValueError(f"TSN: expected {self.num_segments} segments per clip; got input {tuple(x.shape)}")
        features = self.backbone(x.reshape(n * t, *x.shape[2:]))
        logits = self.fc(self.dropout(features))
        return logits.reshape(n, t, -1).mean(dim=1)


def create_model(arch, depth, num_classes, num_segments, width=64, placement="A_odd", ssa=None, nl=None,
                 dropout=0.5):
    """The createModel of the TypeScript side: arch 'ssan', 'tsn', 'tsm', 'nl3d', 'nl2d', 'nl1d' or 'nl2d1d'."""
    backbone = build_resnet(depth, width=width)
    num_features = backbone.fc.in_features
    backbone.fc = nn.Identity()
    for stage in STAGES:
        for block in getattr(backbone, stage):
            add_slots(block)

    if arch == "tsm":
        # Every block; every other block (even indices) for very deep nets, as TSM does for ResNet-101.
        every = 2 if len(backbone.layer3) >= 23 else 1
        for stage in STAGES:
            for i, block in enumerate(getattr(backbone, stage)):
                if i % every == 0:
                    block.shift = TemporalShift(num_segments)
    elif arch != "tsn":
        where = PLACEMENTS[placement] if isinstance(placement, str) else placement
        for stage, indices in where.items():
            for i in indices:
                block = getattr(backbone, stage)[i]
                channels = block.conv1.out_channels
                if arch == "ssan":
                    block.attention = SSA(channels, num_segments, **(ssa or {}))
                elif arch.startswith("nl"):
                    block.attention = non_local(channels, arch[2:], num_segments, **(nl or {}))
                else:
                    raise ValueError(f"create_model: unknown arch {arch!r}")
    return TSN(backbone, num_features, num_classes, num_segments, dropout)
