package io.berth.bench.durable;

import java.util.List;
import java.util.function.Supplier;

/** The systems of the durable workloads, in table order. */
public final class DurableSystems {
  private DurableSystems() {}

  /** Accept: the poll interval does not matter, so each peer appears once. */
  public static List<Supplier<DurableSystem>> accept() {
    return List.of(
        () -> new BerthDurable(BerthDurable.Store.SQLITE),
        () -> new BerthDurable(BerthDurable.Store.POSTGRES),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, null),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, null),
        () -> new DbSchedulerDurable(null),
        QuartzDurable::new);
  }

  /** End-to-end throughput and quick-mode latency: each peer at its fastest setting. */
  public static List<Supplier<DurableSystem>> throughput() {
    return List.of(
        () -> new BerthDurable(BerthDurable.Store.SQLITE),
        () -> new BerthDurable(BerthDurable.Store.POSTGRES),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, true),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, true),
        () -> new DbSchedulerDurable(true),
        QuartzDurable::new);
  }

  /** Enqueue-to-start at a fixed rate: the peers that poll at their default and at their fastest setting. */
  public static List<Supplier<DurableSystem>> latency(boolean quick) {
    if (quick) return throughput();
    return List.of(
        () -> new BerthDurable(BerthDurable.Store.SQLITE),
        () -> new BerthDurable(BerthDurable.Store.POSTGRES),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, false),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, true),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, false),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, true),
        () -> new DbSchedulerDurable(false),
        () -> new DbSchedulerDurable(true),
        QuartzDurable::new);
  }
}
