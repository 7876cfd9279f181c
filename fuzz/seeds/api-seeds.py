#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Seed corpus of the api harness (fuzz/api.c), written to OUT_DIR:

  api-seeds.py OUT_DIR [TRACE...]

The checked-in corpus was made with the bare-metal traces of traces/samples
and three of `pasidsim gen {churn,exhaustion,mixed} --bare-metal --ops=60
--seed=3`, then merged (libFuzzer -merge=1 -use_counters=0) with a 60 s
campaign's corpus.

Each bare-metal trace becomes one input per flavour: its
iommu_pasid_* and ioasid_* operations in the harness's encoding (the first
four consumers and two ioasid sets; private-data names become tokens 1-3;
IDs written as numbers, or as names of IDs the trace got, are passed by
value). Hand-written scenarios follow: exhaustion, vendor ranges, the
stop/free modes of for_each, allocation failures in each allocating step.
File names are the content's SHA-1, like libFuzzer's.
"""
import hashlib
import os
import re
import struct
import sys

OP = dict(init=0, exit=1, alloc=2, free=3, find=4, for_each=5, ioasid_alloc=6,
          ioasid_free=7, ioasid_find=8, set_data=9, set_ops=10, fault=11, null=12)
OPS_NONE, OPS_NARROW, OPS_WIDEN, OPS_FAIL, OPS_POSITIVE, OPS_EMPTY = range(6)
MAXU = 0xFFFFFFFF


def rng(lo, hi):
    """pick_range(): mode 0 small, 5 the whole space, 7 u32 + delta."""
    if lo < 64 and 0 <= hi - lo < 32:
        return bytes([0, lo, hi - lo])
    if lo == 0 and hi >= 0xFFFFF:
        return bytes([5])
    if hi < lo:
        return bytes([6, 0, 0])
    return bytes([7]) + struct.pack(">I", lo) + bytes([min(hi - lo, 255)])


def ident(i):
    """pick_id() by value."""
    if 0 <= i < 48:
        return bytes([192 + i])
    return bytes([252]) + struct.pack(">I", i & MAXU)


def init(c, lo=0, hi=0, ops=OPS_NONE):
    zero = lo == 0 and hi == 0
    return bytes([OP["init"], c, ops]) + rng(lo, hi) + bytes([1 if zero else 0])


def alloc(c, lo=0, hi=MAXU - 1, tok=1):
    return bytes([OP["alloc"], c, tok]) + rng(lo, hi)


def free(c, i):
    return bytes([OP["free"], c]) + ident(i)


def find(c, i):
    return bytes([OP["find"], c]) + ident(i)


def for_each(c, mode=0, stop=1):
    return bytes([OP["for_each"], c, mode, stop - 1])


def ioasid_alloc(s, lo, hi, tok=1):
    return bytes([OP["ioasid_alloc"], s, tok]) + rng(lo, hi)


def ioasid_free(i):
    return bytes([OP["ioasid_free"]]) + ident(i)


def ioasid_find(s, i):
    return bytes([OP["ioasid_find"], s]) + ident(i)


def set_data(i, tok):
    return bytes([OP["set_data"]]) + ident(i) + bytes([tok])


def exit_(c):
    return bytes([OP["exit"], c])


def set_ops(k):
    return bytes([OP["set_ops"], k])


def fault(mask):
    return bytes([OP["fault"], mask])


def num(v, names):
    if v in names:
        return names[v]
    if v in ("invalid", "INVALID"):
        return MAXU
    try:
        return int(v, 0)
    except ValueError:
        return None


def from_trace(path):
    cons, sets, toks, names = {}, {"null": 2}, {"null": 0}, {}
    out = b""
    for line in open(path):
        line = line.split("#")[0].strip()
        f = line.split()
        if len(f) < 4 or not f[0].isdigit():
            continue
        op, args, res = f[3], {}, None
        rest = f[4:]
        if "=" in rest:
            res = rest[rest.index("=") + 1] if rest.index("=") + 1 < len(rest) else None
            rest = rest[:rest.index("=")]
        for a in rest:
            if "=" in a:
                k, v = a.split("=", 1)
                args[k] = v
        c = cons.setdefault(args.get("c"), len(cons)) if "c" in args else None
        if c is not None and c >= 4:
            continue
        s = sets.setdefault(args.get("set", "null"), len(sets) - 1) % 3
        t = toks.setdefault(args.get("priv", "null"), len(toks)) % 4
        lo = num(args.get("min", "0"), names) or 0
        hi = num(args.get("max", "0"), names)
        hi = lo if hi is None else hi
        i = num(args.get("id", "0"), names)
        if op == "iommu_pasid_init":
            out += init(c, lo, hi)
        elif op == "iommu_pasid_alloc":
            out += alloc(c, lo, min(hi, MAXU - 1), t)
        elif op in ("iommu_pasid_free", "iommu_pasid_find") and i is not None:
            out += (free if op.endswith("free") else find)(c, i)
        elif op == "iommu_pasid_for_each":
            out += for_each(c)
        elif op == "iommu_pasid_exit":
            out += exit_(c)
        elif op == "ioasid_alloc":
            out += ioasid_alloc(s, lo, min(hi, MAXU - 1), t)
        elif op == "ioasid_free" and i is not None:
            out += ioasid_free(i)
        elif op == "ioasid_find" and i is not None:
            out += ioasid_find(s, i)
        elif op == "ioasid_set_data" and i is not None:
            out += set_data(i, t)
        else:
            continue
        if res is not None and op.endswith("alloc") and re.match(r"^[A-Za-z_]\w*$", res) \
                and res not in ("invalid",):
            pass  # a named result: its value is unknown here
        elif res is not None and op.endswith("alloc") and res.isdigit():
            names.setdefault(res, int(res))
    return out


def scenarios():
    yield init(0) + b"".join(alloc(0, tok=k % 4) for k in range(6)) + for_each(0)
    yield init(0, 100, 103) + b"".join(alloc(0) for _ in range(5)) + free(0, 101) + alloc(0)
    yield init(0) + init(1, 5, 8) + alloc(0) + alloc(1) + find(0, 5) + find(1, 1) + free(1, 1)
    yield set_ops(OPS_NARROW) + init(0) + alloc(0) + init(1, 0, 0, OPS_WIDEN) + alloc(1)
    yield set_ops(OPS_FAIL) + init(0) + set_ops(OPS_NARROW) + set_ops(OPS_NONE) + init(0)
    yield init(0, 0, 0, OPS_POSITIVE) + init(1, 0, 0, OPS_EMPTY) + init(2, 20, 30, OPS_NARROW)
    yield init(0) + b"".join(alloc(0, 1, 8) for _ in range(4)) + for_each(0, 1, 2) + \
        for_each(0, 2) + for_each(0)
    yield init(0) + alloc(0) + exit_(0) + alloc(0) + init(0, 3, 9) + alloc(0) + exit_(0)
    yield ioasid_alloc(0, 1, 4) + ioasid_alloc(0, 1, 4) + ioasid_find(1, 1) + \
        set_data(1, 2) + ioasid_find(2, 1) + ioasid_free(1) + ioasid_find(2, 1)
    yield init(0) + ioasid_alloc(2, 1, 1) + alloc(0) + free(0, 1) + find(0, 1) + set_data(2, 3) + \
        find(0, 2)
    for mask in (1, 2, 3, 4, 0xFF, 0x10):
        yield init(0) + fault(mask) + alloc(0) + fault(mask) + ioasid_alloc(0, 0, 9) + \
            alloc(0) + for_each(0)
    yield init(0, 0xFFFF0, 0xFFFFF) + alloc(0, 0xFFFFE, MAXU - 1) + alloc(0) + alloc(0)
    yield ioasid_alloc(2, 0, MAXU - 1) + ioasid_alloc(1, MAXU - 2, MAXU - 1) + ioasid_free(0)
    yield init(0) + b"".join(bytes([OP["null"], 0, k]) + ident(1) for k in range(8))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    inputs = []
    for t in sys.argv[2:]:
        if "mode bare-metal" in open(t).read():
            body = from_trace(t)
            if body:
                # the churn trace is long: the harness stops after 64 operations
                inputs += [bytes([fl]) + body for fl in (0, 1)]
    for s in scenarios():
        inputs += [bytes([fl]) + s for fl in (0, 1)]
    for data in inputs:
        with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    print(f"api-seeds: {len(inputs)} inputs in {out}")


if __name__ == "__main__":
    main()
