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
        () -> new DbSchedulerDurable(null, true),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, null),
        () -> new DbSchedulerDurable(null),
        QuartzDurable::new);
  }

  /**
   * Quick mode keeps the e2e runs short: JobRunr on SQLite is left out (each of its runs waits at least one 5 s poll;
   * JobRunr on PostgreSQL stays), as are the peers at their default poll.
   */
  public static List<Supplier<DurableSystem>> quick(List<Supplier<DurableSystem>> all) {
    return all.stream().filter(s -> !s.get().name().startsWith("JobRunr SQLite")).toList();
  }

  /** End-to-end throughput: each peer at its fastest setting. */
  public static List<Supplier<DurableSystem>> throughput() {
    return List.of(
        () -> new BerthDurable(BerthDurable.Store.SQLITE),
        () -> new BerthDurable(BerthDurable.Store.POSTGRES),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, true),
        () -> new DbSchedulerDurable(true, true),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, true),
        () -> new DbSchedulerDurable(true),
        QuartzDurable::new);
  }

  /**
   * Enqueue-to-start at a fixed rate: the peers that poll at their fastest setting, then at their default (quick mode:
   * fastest only).
   */
  public static List<Supplier<DurableSystem>> latency(boolean quick) {
    if (quick) return quick(throughput());
    return List.of(
        () -> new BerthDurable(BerthDurable.Store.SQLITE),
        () -> new BerthDurable(BerthDurable.Store.POSTGRES),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, true),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, false),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, true),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, false),
        () -> new DbSchedulerDurable(true),
        () -> new DbSchedulerDurable(false),
        QuartzDurable::new);
  }
}
