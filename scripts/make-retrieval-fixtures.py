"""Generate the HowTo100M parity fixtures for ssan.retrieval (test/fixtures/retrieval/*.json).

Run from the repository root, with the interpreter that has PyTorch (1.13) and numpy:

    /usr/bin/python3 scripts/make-retrieval-fixtures.py

CI never runs this script: the JSON files are committed, and test/ssan/retrieval/*.test.ts compares
our retrieval code against them. Re-run it only when a case changes, and commit the result.

What is transcribed here (antoine77340/howto100m @50af0ff), in this project's own code:
- model.py Net with Sentence_Maxpool, Gated_Embedding_Unit and Context_Gating (batch norm off, though
  the BatchNorm1d is built, as Context_Gating always builds it, so the state dict has its keys);
  the reference ops are kept where they matter to the check: F.glu on the concatenation,
  F.normalize, th.max(x, dim=1)[0];
- loss.py MaxMarginRankingLoss with n_pair = 1 (no negative weighting);
- metrics.py compute_metrics (numpy), plus the mean rank on the same ranks;
- the loaders' _tokenize_text and _words_to_we, with a dict for the word vectors.

Everything is deterministic (a fixed seed per case) and in float64. Files:

- model.json: {"cases": [{name, config, stateDict, video, words, videoEmb, textEmb, similarity,
  backward: {gradOutput, grads}, losses: [{margin, loss, grads}]}]}; grads are keyed by state-dict
  name plus "video" and "words"; losses only for square cases.
- loss.json: {"cases": [{name, similarity, losses: [{margin, loss, grad}]}]}.
- metrics.json: {"cases": [{name, dtype, similarity, metrics: {r1, r5, r10, medianRank, meanRank,
  ranks}}]}; non-finite values are written as the strings "nan", "inf", "-inf".
- text.json: {"tokenize": [{sentence, words}], "wordsToVectors": {dim, vectors, cases: [{words,
  maxWords, output}]}}.

An entry is {"shape": [...], "values": [flat row-major values]} (plus "dtype": "int64" for integers).
"""

import json
import os
import re

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "retrieval")


def entry(t):
    t = t.detach() if isinstance(t, torch.Tensor) else torch.as_tensor(t)
    e = {"shape": list(t.shape)}
    if t.dtype == torch.int64:
        e["dtype"] = "int64"
        e["values"] = [int(v) for v in t.reshape(-1).tolist()]
    else:
        e["values"] = [float(v) for v in t.reshape(-1).tolist()]
    return e


def non_finite_safe(values):
    """Floats as JSON numbers, with NaN and infinities as strings (JSON has no literal for them)."""
    out = []
    for v in values:
        v = float(v)
        if v != v:
            out.append("nan")
        elif v in (float("inf"), float("-inf")):
            out.append("inf" if v > 0 else "-inf")
        else:
            out.append(v)
    return out


# ------------------------------------------------------------------ HowTo100M's model, transcribed

class Gate(nn.Module):
    """Context gating: x times a sigmoid gate computed from x (HowTo100M: GLU of [x, fc(x)])."""

    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)
        self.batch_norm = nn.BatchNorm1d(dim)  # present in the state dict, never applied

    def forward(self, x):
        return F.glu(torch.cat((x, self.fc(x)), 1), 1)


class GatedUnit(nn.Module):
    def __init__(self, in_dim, dim):
        super().__init__()
        self.fc = nn.Linear(in_dim, dim)
        self.cg = Gate(dim)

    def forward(self, x):
        return F.normalize(self.cg(self.fc(x)))


class MaxpoolText(nn.Module):
    def __init__(self, word_dim, dim):
        super().__init__()
        self.fc = nn.Linear(word_dim, dim)
        self.out_dim = dim

    def forward(self, words):
        return torch.max(F.relu(self.fc(words)), dim=1)[0]


class JointNet(nn.Module):
    def __init__(self, video_dim, word_dim, embd_dim, sentence_dim):
        super().__init__()
        self.text_pooling = MaxpoolText(word_dim, sentence_dim if sentence_dim > 0 else embd_dim)
        self.GU_text = GatedUnit(self.text_pooling.out_dim, embd_dim)
        self.GU_video = GatedUnit(video_dim, embd_dim)

    def embed(self, video, words):
        return self.GU_video(video), self.GU_text(self.text_pooling(words))

    def forward(self, video, words):
        v, t = self.embed(video, words)
        return t @ v.t()


def ranking_loss(s, margin):
    """Bidirectional max-margin loss over all pairs, diagonal included, averaged over the n² pairs."""
    own = torch.diagonal(s)
    videos_for_text = F.relu(margin + s - own.unsqueeze(1))
    texts_for_video = F.relu(margin + s - own.unsqueeze(0))
    return (videos_for_text + texts_for_video).mean()


# ------------------------------------------------------------------ model cases

def words_batch(gen, lengths, max_words, word_dim):
    """Word vectors [B, max_words, word_dim] with `lengths[i]` real words then zero padding rows."""
    w = torch.zeros(len(lengths), max_words, word_dim)
    for i, n in enumerate(lengths):
        w[i, :n] = torch.randn(n, word_dim, generator=gen)
    return w


def model_case(name, seed, video_dim, word_dim, embd_dim, sentence_dim, lengths, n_videos, max_words,
               margins=()):
    torch.manual_seed(seed)
    net = JointNet(video_dim, word_dim, embd_dim, sentence_dim)
    gen = torch.Generator().manual_seed(seed + 1)
    # Random batch-norm state: loading it must work, and it must change nothing.
    for unit in (net.GU_text, net.GU_video):
        bn = unit.cg.batch_norm
        with torch.no_grad():
            bn.weight.copy_(torch.randn(bn.weight.shape, generator=gen))
            bn.bias.copy_(torch.randn(bn.bias.shape, generator=gen))
            bn.running_mean.copy_(torch.randn(bn.running_mean.shape, generator=gen))
            bn.running_var.copy_(torch.rand(bn.running_var.shape, generator=gen) + 0.5)
            bn.num_batches_tracked.fill_(7)
    net.eval()
    video = torch.randn(n_videos, video_dim, generator=gen)
    words = words_batch(gen, lengths, max_words, word_dim)
    state = {k: entry(v) for k, v in net.state_dict().items()}

    def run(objective):
        net.zero_grad()
        v = video.clone().requires_grad_(True)
        w = words.clone().requires_grad_(True)
        s = net(v, w)
        out = objective(s)
        out.backward()
        grads = {k: entry(p.grad) for k, p in net.named_parameters() if p.grad is not None}
        grads["video"] = entry(v.grad)
        grads["words"] = entry(w.grad)
        return out, grads

    with torch.no_grad():
        video_emb, text_emb = net.embed(video, words)
        similarity = net(video, words)
    grad_output = torch.randn(similarity.shape, generator=gen)
    _, backward_grads = run(lambda s: (s * grad_output).sum())
    case = {
        "name": name,
        "config": {"videoDim": video_dim, "wordDim": word_dim, "embdDim": embd_dim, "sentenceDim": sentence_dim},
        "wordCounts": lengths,
        "stateDict": state,
        "video": entry(video),
        "words": entry(words),
        "videoEmb": entry(video_emb),
        "textEmb": entry(text_emb),
        "similarity": entry(similarity),
        "backward": {"gradOutput": entry(grad_output), "grads": backward_grads},
        "losses": [],
    }
    for m in margins:
        loss, grads = run(lambda s: ranking_loss(s, m))
        case["losses"].append({"margin": m, "loss": float(loss), "grads": grads})
    return case


def model_cases():
    return [
        # Captions of 6, 3, 1 and 0 known words: zero padding rows tie under the max, and an all-OOV one.
        model_case("square, padded captions", 10, video_dim=7, word_dim=5, embd_dim=4, sentence_dim=-1,
                   lengths=[6, 3, 1, 0], n_videos=4, max_words=6, margins=(0.1, 1.0)),
        model_case("square, sentence_dim 6", 20, video_dim=5, word_dim=4, embd_dim=3, sentence_dim=6,
                   lengths=[2, 5, 4, 1, 3], n_videos=5, max_words=5, margins=(0.1, 0.5)),
        model_case("3 texts, 5 videos", 30, video_dim=6, word_dim=3, embd_dim=5, sentence_dim=-1,
                   lengths=[4, 2, 1], n_videos=5, max_words=4),
    ]


# ------------------------------------------------------------------ loss cases

def loss_case(name, s, margins):
    out = {"name": name, "similarity": entry(s), "losses": []}
    for m in margins:
        x = s.clone().requires_grad_(True)
        loss = ranking_loss(x, m)
        loss.backward()
        out["losses"].append({"margin": m, "loss": float(loss), "grad": entry(x.grad)})
    return out


def loss_cases():
    gen = torch.Generator().manual_seed(40)
    unit = F.normalize(torch.randn(6, 8, generator=gen))
    other = F.normalize(torch.randn(6, 8, generator=gen))
    return [
        loss_case("one pair", torch.tensor([[0.3]]), (0.1, 1.0)),
        loss_case("random 5x5", torch.randn(5, 5, generator=gen), (0.1, 1.0, 0.0)),
        loss_case("cosines 6x6", unit @ other.t(), (0.1, 1.0)),
        loss_case("well separated 4x4", torch.eye(4) * 2 - 1 + 0.01 * torch.randn(4, 4, generator=gen), (0.1, 1.0)),
    ]


# ------------------------------------------------------------------ metrics (numpy)

def howto_metrics(s):
    """compute_metrics, transcribed: every sorted position holding the diagonal value is a rank."""
    neg_sorted = np.sort(-s, axis=1)
    own = -np.diag(s)[:, np.newaxis]
    with np.errstate(invalid="ignore"):
        _, ranks = np.nonzero(neg_sorted - own == 0)
    total = len(ranks)
    return {
        "r1": float(np.sum(ranks == 0)) / total,
        "r5": float(np.sum(ranks < 5)) / total,
        "r10": float(np.sum(ranks < 10)) / total,
        "medianRank": float(np.median(ranks) + 1),
        "meanRank": float(np.mean(ranks) + 1),
        "ranks": sorted(int(r) for r in ranks),
    }


def metrics_case(name, s):
    dtype = "float32" if s.dtype == np.float32 else "float64"
    return {
        "name": name,
        "dtype": dtype,
        "similarity": {"shape": list(s.shape), "values": non_finite_safe(s.reshape(-1).tolist())},
        "metrics": howto_metrics(s),
    }


def metrics_cases():
    rng = np.random.default_rng(50)
    n = 12
    non_finite = rng.normal(size=(5, 5))
    non_finite[0, 0] = np.nan      # a NaN diagonal: no rank for row 0
    non_finite[1, 1] = np.inf      # an infinite diagonal: inf - inf is NaN, no rank either
    non_finite[2, 0] = np.nan      # NaN elsewhere sorts last
    non_finite[2, 4] = np.inf      # +inf elsewhere is above any finite diagonal
    non_finite[3, 1] = -np.inf
    non_finite[4, 4] = non_finite[4, 2]  # and a tie
    partial_ties = np.round(rng.normal(size=(30, 30)), 1)
    return [
        metrics_case("identity 12x12", np.eye(n)),
        metrics_case("negated identity 6x6 (each match last)", -np.eye(6)),
        metrics_case("ramp 12x12 (text i ranks its video n-1-i)", np.tile(np.arange(n, dtype=np.float64), (n, 1))),
        metrics_case("anti-diagonal 5x5 (ties with the zeros)", np.fliplr(np.eye(5)).copy()),
        metrics_case("all equal 4x4", np.full((4, 4), 0.5)),
        metrics_case("rounded random 30x30 (many ties)", partial_ties),
        metrics_case("random 40x40", rng.normal(size=(40, 40))),
        metrics_case("random float32 25x25", rng.normal(size=(25, 25)).astype(np.float32)),
        metrics_case("non-finite 5x5", non_finite),
    ]


# ------------------------------------------------------------------ text inputs

def tokenize(sentence):
    return re.findall(r"[\w']+", str(sentence))


def words_to_vectors(words, vectors, max_words, dim):
    """_words_to_we with a dict: drop unknown words, keep the first max_words, pad with zero rows."""
    known = [w for w in words if w in vectors]
    out = np.zeros((max_words, dim), dtype=np.float32)
    rows = np.array([vectors[w] for w in known[:max_words]], dtype=np.float32).reshape(-1, dim)
    out[: len(rows)] = rows
    return out


def text_fixture():
    sentences = [
        "A man is cooking pasta in the kitchen.",
        "Don't stop -- it's   people's\tchoice!\nNext line",
        "snake_case words, hyphen-ated and 3.14 numbers_2",
        "Café naïve résumé Ölçü",
        "東京 の 2020 オリンピック",
        "e\u0301 combining accent; ① circled; ½ half; Ⅻ roman",
        "'quoted' and ''double''",
        "",
        "   ...!!!   ",
    ]
    dim = 3
    rng = np.random.default_rng(60)
    vocab = ["a", "man", "is", "cooking", "pasta", "kitchen", "Man", "don't", "the"]
    vectors = {w: rng.normal(size=dim).astype(np.float32) for w in vocab}
    cases = []
    for words, max_words in [
        (["a", "man", "is", "cooking", "pasta"], 8),         # padding
        (["the", "man", "is", "cooking", "pasta", "in", "the", "kitchen"], 4),  # truncation after OOV drop
        (["A", "MAN", "xyz"], 3),                            # all out of vocabulary (case-sensitive)
        (["Man", "man", "dont", "don't"], 3),
        ([], 2),
    ]:
        cases.append({"words": words, "maxWords": max_words,
                      "output": entry(torch.from_numpy(words_to_vectors(words, vectors, max_words, dim)).double())})
    return {
        "tokenize": [{"sentence": s, "words": tokenize(s)} for s in sentences],
        "wordsToVectors": {
            "dim": dim,
            "vectors": {w: [float(x) for x in v] for w, v in vectors.items()},
            "cases": cases,
        },
    }


def write(name, obj):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, allow_nan=False)
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    write("model.json", {"cases": model_cases()})
    write("loss.json", {"cases": loss_cases()})
    write("metrics.json", {"cases": metrics_cases()})
    write("text.json", text_fixture())
