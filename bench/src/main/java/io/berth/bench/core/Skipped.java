package io.berth.bench.core;

/**
 * Thrown by a system that cannot run in this build (for example: the product refuses {@code store.type: postgres}
 * because it has no PostgreSQL store yet). The workload prints {@code skipped: <reason>} and goes on.
 */
public final class Skipped extends Exception {
  public Skipped(String reason) {
    super(reason);
  }

  /** A row of the table saying why a system did not run. */
  public Result row(String workload, String system) {
    return new Result(workload, system, "skipped", Double.NaN, "", true, java.util.List.of(), "skipped: " + getMessage());
  }
}
