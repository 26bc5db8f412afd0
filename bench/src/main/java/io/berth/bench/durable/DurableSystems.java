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
        () -> new DbSchedulerDurable(null, DbSchedulerDurable.Store.SQLITE),
        () -> new DbSchedulerDurable(null, DbSchedulerDurable.Store.H2_FILE),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, null),
        () -> new DbSchedulerDurable(null),
        QuartzDurable::new);
  }

  /** End-to-end throughput: each peer at its fastest setting. */
  public static List<Supplier<DurableSystem>> throughput() {
    return List.of(
        () -> new BerthDurable(BerthDurable.Store.SQLITE),
        () -> new BerthDurable(BerthDurable.Store.POSTGRES),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, true),
        () -> new DbSchedulerDurable(true, DbSchedulerDurable.Store.SQLITE),
        () -> new DbSchedulerDurable(true, DbSchedulerDurable.Store.H2_FILE),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, true),
        () -> new DbSchedulerDurable(true),
        QuartzDurable::new);
  }

  /** Enqueue-to-start at a fixed rate: the peers that poll at their fastest setting, then at their default. */
  public static List<Supplier<DurableSystem>> latency() {
    return List.of(
        () -> new BerthDurable(BerthDurable.Store.SQLITE),
        () -> new BerthDurable(BerthDurable.Store.POSTGRES),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, true),
        () -> new JobRunrDurable(BerthDurable.Store.SQLITE, false),
        () -> new DbSchedulerDurable(true, DbSchedulerDurable.Store.SQLITE),
        () -> new DbSchedulerDurable(false, DbSchedulerDurable.Store.SQLITE),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, true),
        () -> new JobRunrDurable(BerthDurable.Store.POSTGRES, false),
        () -> new DbSchedulerDurable(true),
        () -> new DbSchedulerDurable(false),
        QuartzDurable::new);
  }

  /** The parts of the durable workloads, for {@link #skippedInQuick}. */
  public enum Part { ACCEPT, E2E_THROUGHPUT, E2E_LATENCY }

  /**
   * Why quick mode leaves {@code sys} out of {@code part}, or null when it runs there. Quick mode keeps Berth and the
   * peers of the accept goals (JobRunr and db-scheduler on SQLite and PostgreSQL), and in the e2e runs one peer,
   * db-scheduler on SQLite at its fastest setting; it leaves out what no goal compares and whatever waits for a
   * poll of seconds per run (JobRunr: at least 5 s; any peer at its default poll), and Quartz (20-90 items/s).
   * The full run measures them all.
   */
  public static String skippedInQuick(Part part, DurableSystem sys) {
    if (sys instanceof BerthDurable) return null;
    if (sys.pollBound()) return "in quick mode (default poll: each run waits for it; measured in full mode)";
    if (sys instanceof QuartzDurable) return "in quick mode (slow: 20-90 items/s, no goal; measured in full mode)";
    if (sys instanceof DbSchedulerDurable d && d.store() == DbSchedulerDurable.Store.H2_FILE) {
      return "in quick mode (not fsync'd, not a goal's comparison; measured in full mode)";
    }
    if (part == Part.ACCEPT) return null;
    if (sys instanceof DbSchedulerDurable d && d.store() == DbSchedulerDurable.Store.SQLITE) return null;
    return "in quick mode (no e2e goal compares it; " + (sys instanceof JobRunrDurable ? "each run waits for"
        + " JobRunr's 5 s poll; " : "") + "measured in full mode)";
  }
}
