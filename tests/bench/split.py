#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Make a bench-only variant of dm-band's source for the split scenario.

    split.py SRCDIR VARIANT
    split.py --list          the variants it makes, in order

Edits SRCDIR's dm-band.c and include/dm-band-policy.h (a staged copy,
never the tree) so that the module built from them does one step less of
the fast path than the next variant.  The split scenario times each, one writer of
synchronous 4 KiB reads in the default group (as the cost scenario's
1group), beside dm-linear in the same round; each step's cost is the
difference from the variant before it:

  remap     map() returns right after the remap: dm's per-bio data and its
            end_io call, none of dm-band's own logic
  lookup    and the group's lookup and the bio's cost (the fast path's
            first steps), then returns: no lease, no counters
  noatomic  the whole path, but the lease's charge and completion are
            plain reads (no compare-and-exchange, no clock read at the
            lease's last completion, and its tokens never run out)
  noslow    the lease's atomics and clock back, its tokens still never
            run out: no renewal under the lock every epoch
  (full)    the module as it is (not made here)

Exits 2, naming what it could not find, when the source has changed under
one of the edits: make check's smoke run of the bench catches that.
"""
import sys

REMAP = ("\tbio->bi_iter.bi_sector = bc->start +\n"
         "\t\tdm_target_offset(ti, bio->bi_iter.bi_sector);\n")
LOOKUP = """\tif (READ_ONCE(bg->pool.nr_leased) && !band_must_pass(bio)) {
\t\trcu_read_lock();
\t\tgrp = band_classify(bd, bio);
\t\tcost = band_bio_cost(bg, bio);
\t\trcu_read_unlock();
\t\tif (grp && cost)
\t\t\treturn DM_MAPIO_REMAPPED;
\t}
"""
TOKENS = """\tt = atomic64_read(&g->lease.tokens);
\tdo {
\t\tif (t < (s64)cost)
\t\t\tgoto undo;
\t} while (!atomic64_try_cmpxchg(&g->lease.tokens, &t, t - cost));
\treturn BAND_LEASE_OK;
"""
# The variants in the order the guest times them, and what each adds to
# the one before it ("full": the module under test, not made here).  The
# bench reads this list: run.sh (split.py --list) and report.py.
STEPS = [("remap", "dm's per-bio data and end_io call"),
         ("lookup", "the group's lookup and the bio's cost"),
         ("noatomic", "counters, per-bio fields, end_io's fast branch"),
         ("noslow", "the lease's atomics and its last completion's clock"),
         ("full", "the lease's renewal under the lock each epoch")]
CHARGE = "static inline enum band_lease_result\nband_lease_charge("
DONE = "static inline enum band_lease_end band_lease_done("


def fail(what):
    print(f"split.py: {what} not found: the fast path has changed; "
          "update tests/bench/split.py", file=sys.stderr)
    sys.exit(2)


def replace(src, old, new, what):
    if src.count(old) != 1:
        fail(what)
    return src.replace(old, new)


def body(src, start, what):
    """The text of the function starting at @start, through its '}'."""
    i = src.find(start)
    j = src.find("\n}\n", i)
    if i < 0 or j < 0:
        fail(what)
    return src[i:j + 3]


def main():
    if sys.argv[1:] == ["--list"]:
        print(" ".join(v for v, _ in STEPS if v != "full"))
        return
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    d, v = sys.argv[1], sys.argv[2]
    target, policy = d + "/dm-band.c", d + "/include/dm-band-policy.h"
    t = open(target).read()
    p = open(policy).read()
    if v == "remap":
        t = replace(t, REMAP, REMAP + "\treturn DM_MAPIO_REMAPPED;\n", "band_map()'s remap")
    elif v == "lookup":
        t = replace(t, REMAP, REMAP + LOOKUP, "band_map()'s remap")
    elif v == "noatomic":
        p = p.replace(body(p, CHARGE, "band_lease_charge()"),
                      CHARGE + "struct band_pgroup *g, u64 cost, u32 *gen)\n{\n"
                      "\t*gen = (u32)(atomic64_read(&g->lease.state) >> 32);\n"
                      "\treturn BAND_LEASE_OK;\n}\n")
        p = p.replace(body(p, DONE, "band_lease_done()"),
                      DONE + "struct band_pgroup *g,\n"
                      "\t\t\t\t\t\t  u32 gen)\n{\n"
                      "\treturn BAND_LEASE_DONE;\n}\n")
    elif v == "noslow":
        p = replace(p, TOKENS, "\tt = 0;\n\treturn BAND_LEASE_OK;\n",
                    "band_lease_charge()'s token loop")
        p = replace(p, "undo:\n", "undo: __maybe_unused;\n", "band_lease_charge()'s undo label")
    else:
        print(f"split.py: unknown variant {v} (remap lookup noatomic noslow)", file=sys.stderr)
        sys.exit(2)
    open(target, "w").write(t)
    open(policy, "w").write(p)


if __name__ == "__main__":
    main()
