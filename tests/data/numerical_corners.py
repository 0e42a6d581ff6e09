#!/usr/bin/env python3
"""PyTorch's answers at the numerical corners checked by tests/numerical_corners.rs.

Run with a Python that has torch (CPU) installed:

    python tests/data/numerical_corners.py > /tmp/torch_corners.rs

It prints the `TORCH` table at the end of tests/numerical_corners.rs, from
its `BEGIN GENERATED` line to its `END GENERATED` line: one entry per key
`corner/case/dtype/quantity`, every value as an f64 literal (f32 results are
exact in f64). Inputs are printed too (quantity `x`, ...), so the Rust test
reads its inputs from the same table as the answers. Replace the block in
the test with the output.

Every value is computed by torch in the named dtype, forward and backward
through autograd. Elementwise functions are evaluated one element per
tensor: PyTorch's f32 CPU kernels for large tensors may take another path
(e.g. gelu through oneDNN: NaN at +inf and inf at 3e38 for tensors of 17
elements; inf and 3e38 for one element, as in f64). The script prints such
differences as comments.
"""
import math

import torch
import torch.nn.functional as F

INF = float("inf")
DTYPES = {"f32": torch.float32, "f64": torch.float64}
ENTRIES = []


def lit(v):
    if math.isnan(v):
        return "NAN"
    if math.isinf(v):
        return "INF" if v > 0 else "-INF"
    r = repr(float(v))
    return r


def put(key, values):
    if isinstance(values, torch.Tensor):
        values = values.detach().double().flatten().tolist()
    ENTRIES.append((key, [float(v) for v in values]))


def comment(text):
    ENTRIES.append((None, text))


def t(values, dt, grad=True):
    return torch.tensor(values, dtype=dt, requires_grad=grad)


# ---------------------------------------------------------------- layer norm
# Rows 0 and 1 constant, row 2 not; upstream gradient W (loss = Σ y·W).
LN_CONSTANTS = {"small": (0.1, -7.3), "large": (3.0, 1e4)}
LN_W = [[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0], [0.25, -1.0, 1.5]]
LN_GAMMA = [0.5, 2.0, -1.5]
LN_BETA = [0.1, -0.2, 0.3]
for dname, dt in DTYPES.items():
    for cname, (c0, c1) in LN_CONSTANTS.items():
        xs = [[c0] * 3, [c1] * 3, [1.0, 2.0, 4.0]]
        for affine in [True, False]:
            for eps in [1e-5, 0.0]:
                x = t(xs, dt)
                g = t(LN_GAMMA, dt) if affine else None
                b = t(LN_BETA, dt) if affine else None
                y = F.layer_norm(x, (3,), g, b, eps=eps)
                (y * torch.tensor(LN_W, dtype=dt)).sum().backward()
                key = f"layer_norm/{cname}_{'affine' if affine else 'plain'}_eps{eps:g}/{dname}"
                put(key + "/x", x)
                put(key + "/y", y)
                put(key + "/dx", x.grad)
                # PyTorch's backward expands dx = c1·dy + c2·x + c3 and
                # dγ = Σ dy·(x - μ)·rstd: scales are the sizes of the terms.
                xd = x.detach().double()
                mean = xd.mean(-1, keepdim=True)
                rstd = 1.0 / torch.sqrt(xd.var(-1, unbiased=False, keepdim=True) + eps)
                gam = torch.tensor(LN_GAMMA if affine else [1.0] * 3, dtype=torch.float64)
                gdy = (torch.tensor(LN_W, dtype=torch.float64) * gam).abs()
                c2 = ((gdy.sum(-1, keepdim=True) * mean.abs() + (gdy * xd.abs()).sum(-1, keepdim=True))
                      * rstd ** 3 / 3)
                dx_scale = rstd * gdy + c2 * (xd.abs() + mean.abs()) + gdy.sum(-1, keepdim=True) * rstd / 3
                put(key + "/dx_scale", dx_scale.flatten())
                if affine:
                    put(key + "/dgamma", g.grad)
                    put(key + "/dbeta", b.grad)
                    w_abs = torch.tensor(LN_W, dtype=torch.float64).abs()
                    put(key + "/dgamma_scale", (w_abs * (xd.abs() + mean.abs()) * rstd).sum(0))
put("layer_norm/w", [v for r in LN_W for v in r])
put("layer_norm/gamma", LN_GAMMA)
put("layer_norm/beta", LN_BETA)

# ---------------------------------------------------------------- batch norm
# PyTorch's CPU kernel computes y = x·α + (β - μ·α), α = γ/√(σ² + eps): for
# a constant channel that is 0 up to the rounding of |x·α|. `*/y_scale` is
# that magnitude, per element; `*/dx_scale` and `*/dgamma_scale` the
# magnitude of the terms of dx and of Σ dy·(x - μ)·invstd, which cancel; the
# test allows rel·max(|want|, scale).
BN_CONSTANTS = [0.1, -7.3, 3.0, 1e4]
BN_GAMMA = [0.5, -2.0]
BN_BETA = [0.1, 0.3]


def bn_case(prefix, dt, x_values, shape, w_values, affine, module):
    bn = module(2, affine=affine).to(dt)
    if affine:
        with torch.no_grad():
            bn.weight.copy_(torch.tensor(BN_GAMMA, dtype=dt))
            bn.bias.copy_(torch.tensor(BN_BETA, dtype=dt))
    x = torch.tensor(x_values, dtype=dt).reshape(shape).requires_grad_(True)
    w = torch.tensor(w_values, dtype=dt).reshape(shape)
    y = bn(x)
    (y * w).sum().backward()
    put(prefix + "/x", x)
    put(prefix + "/y", y)
    put(prefix + "/dx", x.grad)
    axes = [0] + list(range(2, x.dim()))
    xd = x.detach().double()
    mean = xd.mean(axes, keepdim=True)
    var = xd.var(axes, unbiased=False, keepdim=True)
    invstd = 1.0 / torch.sqrt(var + 1e-5)
    gamma = torch.tensor(BN_GAMMA if affine else [1.0, 1.0], dtype=torch.float64)
    gshape = [1, 2] + [1] * (x.dim() - 2)
    gamma = gamma.reshape(gshape)
    put(prefix + "/y_scale", (xd.abs() * invstd * gamma.abs()).flatten())
    # dx = invstd·γ·(dy - mean(dy) - x̂·mean(dy·x̂)): the size of its terms.
    dy = w.double()
    xhat = (xd - mean) * invstd
    terms = dy.abs() + dy.abs().mean(axes, keepdim=True) + xhat.abs() * (dy * xhat).abs().mean(axes, keepdim=True)
    put(prefix + "/dx_scale", (invstd * gamma.abs() * terms).flatten())
    if affine:
        put(prefix + "/dgamma", bn.weight.grad)
        put(prefix + "/dbeta", bn.bias.grad)
        put(prefix + "/dgamma_scale", (w.double().abs() * xd.abs() * invstd).sum(axes).flatten())
    put(prefix + "/running_mean", bn.running_mean)
    put(prefix + "/running_var", bn.running_var)
    # Evaluation mode afterwards, on the same input.
    bn.eval()
    x2 = torch.tensor(x_values, dtype=dt).reshape(shape).requires_grad_(True)
    y2 = bn(x2)
    (y2 * w).sum().backward()
    put(prefix + "/eval_y", y2)
    put(prefix + "/eval_dx", x2.grad)
    if affine:
        bn.weight.grad = None
        bn.bias.grad = None
        x3 = torch.tensor(x_values, dtype=dt).reshape(shape)
        (bn(x3) * w).sum().backward()
        put(prefix + "/eval_dgamma", bn.weight.grad)
        put(prefix + "/eval_dbeta", bn.bias.grad)


BN1_W = [1.0, 0.5, -2.0, 1.5, 3.0, -1.0]
BN2_W = [1.0, 0.5, -2.0, 1.5, 3.0, -1.0, 0.25, 2.0, -0.5, 1.25, 0.75, -1.5, 2.5, -0.25, 1.0, 0.5]
for dname, dt in DTYPES.items():
    for c in BN_CONSTANTS:
        for affine in [True, False]:
            kind = "affine" if affine else "plain"
            # BatchNorm1d [N=3, C=2]: feature 0 constant, feature 1 varied.
            x1 = [c, 1.0, c, 2.0, c, 4.0]
            bn_case(f"batch_norm1d/{c:g}_{kind}/{dname}", dt, x1, [3, 2], BN1_W, affine,
                    torch.nn.BatchNorm1d)
            # BatchNorm2d [N=2, C=2, H=2, W=2]: channel 0 constant.
            varied = [1.0, 2.0, 4.0, -1.0, 0.5, 3.0, 2.5, -2.0]
            x2 = [c] * 4 + varied[:4] + [c] * 4 + varied[4:]
            bn_case(f"batch_norm2d/{c:g}_{kind}/{dname}", dt, x2, [2, 2, 2, 2], BN2_W, affine,
                    torch.nn.BatchNorm2d)
put("batch_norm/gamma", BN_GAMMA)
put("batch_norm/beta", BN_BETA)
put("batch_norm1d/w", BN1_W)
put("batch_norm2d/w", BN2_W)

# ------------------------------------------------- softmax family, one row each
SOFTMAX_ROWS = {
    "one_neg_inf": [0.0, -INF, 1.0],
    "all_neg_inf": [-INF, -INF, -INF],
    "one_pos_inf": [INF, 0.0, 1.0],
    "two_pos_inf": [INF, INF, 0.0],
    "pos_and_neg_inf": [INF, -INF, 0.0],
    "neg_and_pos_inf": [-INF, 0.0, INF],
    "ties_and_neg_inf": [0.0, 0.0, -INF],
    "mixed_1e4": [1e4, -1e4, 0.0],
    "mixed_3e38": [3e38, -3e38, 0.0],
    "tied_3e38": [3e38, 3e38, 1.0],
}
SOFTMAX_W = [1.0, 2.0, 3.0]
put("softmax/w", SOFTMAX_W)
for dname, dt in DTYPES.items():
    for rname, row in SOFTMAX_ROWS.items():
        for fname, f in [("softmax", lambda x: F.softmax(x, -1)),
                         ("log_softmax", lambda x: F.log_softmax(x, -1)),
                         ("logsumexp", lambda x: torch.logsumexp(x, -1))]:
            x = t([row], dt)
            y = f(x)
            w = torch.tensor(SOFTMAX_W if y.numel() == 3 else [1.0], dtype=dt).reshape(y.shape)
            (y * w).sum().backward()
            key = f"{fname}/{rname}/{dname}"
            put(key + "/x", x)
            put(key + "/y", y)
            put(key + "/dx", x.grad)

# ---------------------------------------------------------------- class losses
CE_CASES = {
    "target_at_max": ([[1e4, -1e4, 0.0]], [0]),
    "target_at_min": ([[1e4, -1e4, 0.0]], [1]),
    "target_at_zero": ([[1e4, -1e4, 0.0]], [2]),
    "all_plus_1e4": ([[1e4, 1e4, 1e4]], [1]),
    "all_minus_1e4": ([[-1e4, -1e4, -1e4]], [1]),
    "two_rows": ([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], [0, 2]),
    "masked_class_is_target": ([[0.0, -INF, 1.0]], [1]),
    "masked_class_not_target": ([[0.0, -INF, 1.0]], [0]),
    "plus_minus_3e38": ([[3e38, -3e38, 0.0]], [1]),
}
for dname, dt in DTYPES.items():
    for cname, (rows, targets) in CE_CASES.items():
        for ls in [0.0, 0.1]:
            x = t(rows, dt)
            loss = F.cross_entropy(x, torch.tensor(targets), label_smoothing=ls)
            loss.backward()
            key = f"cross_entropy/{cname}_ls{ls:g}/{dname}"
            put(key + "/x", x)
            put(key + "/targets", targets)
            put(key + "/loss", [loss.item()])
            put(key + "/dx", x.grad)
    for cname, (rows, targets) in {
        "plus_minus_1e4": ([[1e4, -1e4, 0.0]], [1]),
        "neg_inf_at_target": ([[-INF, 0.0, 0.0]], [0]),
        "neg_inf_elsewhere": ([[-INF, 0.0, 0.0]], [1]),
    }.items():
        x = t(rows, dt)
        loss = F.nll_loss(x, torch.tensor(targets))
        loss.backward()
        key = f"nll/{cname}/{dname}"
        put(key + "/x", x)
        put(key + "/targets", targets)
        put(key + "/loss", [loss.item()])
        put(key + "/dx", x.grad)

# ------------------------------------------------------ BCE with logits
BCE_POINTS = [(1e4, 1.0), (-1e4, 0.0), (1e4, 0.0), (-1e4, 1.0), (1e4, 0.25),
              (INF, 1.0), (-INF, 0.0), (INF, 0.0), (-INF, 1.0), (3e38, 0.0), (-3e38, 1.0)]
for dname, dt in DTYPES.items():
    for i, (xv, yv) in enumerate(BCE_POINTS):
        x, y = t([xv], dt), t([yv], dt)
        loss = F.binary_cross_entropy_with_logits(x, y)
        loss.backward()
        key = f"bce_with_logits/point{i}/{dname}"
        put(key + "/x", x)
        put(key + "/y", y)
        put(key + "/loss", [loss.item()])
        put(key + "/dx", x.grad)
        put(key + "/dy", y.grad)
    for cname, (xs, ys) in {"batch_1e4": ([1e4, -1e4, 1e4, -1e4, 0.0], [1.0, 0.0, 0.0, 1.0, 0.5]),
                            "batch_3e38": ([3e38, -3e38], [0.0, 1.0])}.items():
        x, y = t(xs, dt), t(ys, dt)
        loss = F.binary_cross_entropy_with_logits(x, y)
        loss.backward()
        key = f"bce_with_logits/{cname}/{dname}"
        put(key + "/x", x)
        put(key + "/y", y)
        put(key + "/loss", [loss.item()])
        put(key + "/dx", x.grad)
        put(key + "/dy", y.grad)

# ---------------------------------------------------------------- activations
ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "elu": lambda x: F.elu(x, 1.0),
    "elu_alpha_0.5": lambda x: F.elu(x, 0.5),
    "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "softplus": F.softplus,
    "softplus_beta2_threshold5": lambda x: F.softplus(x, beta=2.0, threshold=5.0),
    "silu": F.silu,
    "softsign": F.softsign,
    "exp": torch.exp,
}
ACT_POINTS = [1e4, -1e4, INF, -INF, 3e38, -3e38, 100.0, -100.0, 0.0]
put("activation/x", ACT_POINTS)


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


for dname, dt in DTYPES.items():
    for name, f in ACTIVATIONS.items():
        ys, ds = [], []
        for v in ACT_POINTS:
            x = t([v], dt)
            y = f(x)
            y.sum().backward()
            ys.append(y.item())
            ds.append(x.grad.item())
            # The same point in a 17-element tensor (the vectorized path).
            xb = torch.full((17,), v, dtype=dt, requires_grad=True)
            yb = f(xb)
            yb.sum().backward()
            if not (same(yb[0].item(), ys[-1]) and same(xb.grad[0].item(), ds[-1])):
                comment(f"{name} {dname} at {v!r}: one element gives ({ys[-1]!r}, {ds[-1]!r}), "
                        f"17 elements give ({yb[0].item()!r}, {xb.grad[0].item()!r})")
        put(f"activation/{name}/{dname}/y", ys)
        put(f"activation/{name}/{dname}/dx", ds)

# ------------------------------------------------------- clip_grad_norm_
# Two parameters; max_norm 1. `norm` is what clip_grad_norm_ returns, `g0`,
# `g1` the clipped gradients; checked for foreach=None, False and True.
CLIP_CASES = {
    "squares_overflow_1e20": ([1e20, 1.0], [3.0]),
    "squares_overflow_3e38": ([3e38, 1.0], [1.0]),
    "squares_overflow_1e20_and_3e38": ([1e20, 3e38], [2.0]),
    "sum_of_squares_overflows_4x1e19": ([1e19, 1e19, 1e19, 1e19], [1.0]),
    "infinite_element": ([INF, 1.0], [1.0]),
    "nan_element": ([float("nan"), 1.0], [1.0]),
    "ordinary_3_4": ([3.0, 4.0], [0.0]),
    "squares_underflow_1e-25": ([1e-25], [1e-25]),
    "squares_underflow_1e-30_with_1": ([1e-30, 1e-30], [1.0]),
}
for dname, dt in DTYPES.items():
    for cname, gs in CLIP_CASES.items():
        results = []
        for foreach in [None, False, True]:
            ps = [torch.nn.Parameter(torch.zeros(len(g), dtype=dt)) for g in gs]
            for p, g in zip(ps, gs):
                p.grad = torch.tensor(g, dtype=dt)
            norm = torch.nn.utils.clip_grad_norm_(ps, 1.0, foreach=foreach)
            results.append([norm.item()] + [v for p in ps for v in p.grad.tolist()])
        assert all(all(same(a, b) for a, b in zip(results[0], r)) for r in results), cname
        key = f"clip_grad_norm/{cname}/{dname}"
        put(key + "/g0", gs[0])
        put(key + "/g1", gs[1])
        put(key + "/norm", [results[0][0]])
        put(key + "/clipped_g0", results[0][1:1 + len(gs[0])])
        put(key + "/clipped_g1", results[0][1 + len(gs[0]):])

print("// BEGIN GENERATED by tests/data/numerical_corners.py")
print(f"// torch {torch.__version__}")
print("#[rustfmt::skip]")
print("#[allow(clippy::approx_constant)] // PyTorch's numbers, e.g. ln 2, as printed")
print("const TORCH: &[(&str, &[f64])] = &[")
for key, values in ENTRIES:
    if key is None:
        print(f"    // {values}")
    else:
        print(f'    ("{key}", &[{", ".join(lit(v) for v in values)}]),')
print("];")
print("// END GENERATED")
