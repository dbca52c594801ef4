"""How a long-running expense-sync process (``serve``, ``worker``) sets itself up.

**The garbage collector.** A sync holds thousands of live objects at once (request
bodies, Beancount's parse of the ledger, the entries it appends), and CPython's default
collector (a young collection every 700 allocations, a full one whenever the long-lived
heap grows by a quarter) walks that heap again and again while it grows: measured with
``benchmarks/beancount_sync.py``, 10,000 expenses synced in 2.9 s with the defaults and
1.8 s with these settings. So, once the process has started:

- ``gc.freeze()`` moves everything alive at start-up (modules, the ORM's mappings,
  settings) out of the collector's sight for good: it is never garbage;
- young collections run every 50,000 allocations instead of 700, and a full collection
  only after 100 middle ones (or more, by CPython's own rule), so a sync's short-lived
  cycles are still reclaimed young while the long-lived heap is seldom walked.

The cost is memory held by cyclic garbage between young collections: at most the
objects of 50,000 allocations, a few megabytes.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (50_000, 20, 100)  # young, middle, full; CPython's defaults: (700, 10, 10)


def tune_garbage_collector() -> None:
    """Freeze what start-up left alive and collect less often (see the module's text).
    Call once the process has imported and built what it keeps."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
