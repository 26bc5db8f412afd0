package io.berth.bench.core;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The goals of the durable and clustered work (issues 12 and 16), checked against the figures of this run: each line
 * gives the figure, the target, the ratio (figure ÷ target for "at least", target ÷ figure for "below") and whether it
 * holds. A goal whose figures are missing (system skipped or not selected) says so.
 */
public final class Goals {
  private Goals() {}

  /** One goal: {@code value} compared with {@code target}; for a peer-relative goal value is Berth ÷ peer. */
  public record Check(String goal, double value, String unit, double target, boolean atLeast, String missing,
                      String info) {
    public Check(String goal, double value, String unit, double target, boolean atLeast, String missing) {
      this(goal, value, unit, target, atLeast, missing, null);
    }

    /** The same comparison shown for information only ({@code why}): it has no verdict. */
    Check info(String why) {
      return new Check(goal, value, unit, target, atLeast, missing, why);
    }

    public Optional<Boolean> holds() {
      if (info != null || missing != null || Double.isNaN(value)) return Optional.empty();
      return Optional.of(atLeast ? value >= target : value < target);
    }

    public double ratio() {
      return atLeast ? value / target : target / value;
    }
  }

  static Optional<Double> figure(List<Result> rs, String workload, String system, String figure) {
    return rs.stream().filter(r -> r.workload().equals(workload) && r.system().equals(system)
        && r.figure().equals(figure) && !Double.isNaN(r.value())).map(Result::value).findFirst();
  }

  static Check absolute(List<Result> rs, String goal, String workload, String system, String figure, String unit,
                        double target, boolean atLeast) {
    Optional<Double> v = figure(rs, workload, system, figure);
    return new Check(goal, v.orElse(Double.NaN), unit, target, atLeast,
        v.isPresent() ? null : "no figure for " + system + " (" + workload + ")");
  }

  static Check relative(List<Result> rs, String goal, String workload, String berth, String peer, String figure,
                        double times) {
    Optional<Double> b = figure(rs, workload, berth, figure);
    Optional<Double> p = figure(rs, workload, peer, figure);
    String missing = b.isEmpty() ? "no figure for " + berth : p.isEmpty() ? "no figure for " + peer : null;
    return new Check(goal, missing == null ? b.get() / p.get() : Double.NaN, "×", times, true, missing);
  }

  public static List<Check> check(List<Result> rs) {
    List<Check> c = new ArrayList<>();
    c.add(absolute(rs, "durable accept on SQLite ≥ 10,000 items/s", "durable-accept", "Berth SQLite (FULL)", "items/s",
        "items/s", 10_000, true));
    c.add(relative(rs, "durable accept on SQLite ≥ 5× JobRunr on SQLite", "durable-accept", "Berth SQLite (FULL)",
        "JobRunr SQLite", "items/s", 5));
    c.add(relative(rs, "durable accept on SQLite ≥ 5× db-scheduler on SQLite", "durable-accept",
        "Berth SQLite (FULL)", "db-scheduler SQLite (FULL)", "items/s", 5));
    c.add(relative(rs, "durable accept on SQLite vs db-scheduler on an H2 file", "durable-accept",
        "Berth SQLite (FULL)", "db-scheduler H2 file (not fsync'd)", "items/s", 5)
        .info("H2 does not fsync each commit, so its ack is not durable: not the goal's comparison"));
    c.add(absolute(rs, "durable accept on PostgreSQL ≥ 5,000 items/s", "durable-accept", "Berth PostgreSQL", "items/s",
        "items/s", 5_000, true));
    c.add(relative(rs, "durable accept on PostgreSQL ≥ 3× db-scheduler", "durable-accept", "Berth PostgreSQL",
        "db-scheduler PostgreSQL", "items/s", 3));
    c.add(relative(rs, "durable accept on PostgreSQL ≥ 3× JobRunr", "durable-accept", "Berth PostgreSQL",
        "JobRunr PostgreSQL", "items/s", 3));
    c.add(absolute(rs, "durable e2e on SQLite ≥ 5,000 items/s", "durable-e2e", "Berth SQLite (FULL)", "items/s",
        "items/s", 5_000, true));
    c.add(relative(rs, "durable e2e on SQLite ≥ 5× JobRunr on SQLite (poll 5 s)", "durable-e2e",
        "Berth SQLite (FULL)", "JobRunr SQLite (poll 5 s, its minimum)", "items/s", 5));
    c.add(relative(rs, "durable e2e on SQLite ≥ 5× db-scheduler on SQLite (fastest)", "durable-e2e",
        "Berth SQLite (FULL)", "db-scheduler SQLite (FULL; immediate execution, poll 100 ms)", "items/s", 5));
    c.add(absolute(rs, "enqueue-to-start p99 < 10 ms at 1,000/s (SQLite)", "durable-e2e", "Berth SQLite (FULL)",
        "start p99 @1000/s", "ms", 10, false));
    c.add(absolute(rs, "enqueue-to-start p99 < 10 ms at 1,000/s (PostgreSQL)", "durable-e2e", "Berth PostgreSQL",
        "start p99 @1000/s", "ms", 10, false));
    c.add(absolute(rs, "cross-node enqueue-to-start p99 < 20 ms at 500/s", "cluster", "Berth 2 nodes PostgreSQL",
        "cross-node p99 @500/s", "ms", 20, false));
    c.add(absolute(rs, "singleton failover ≤ 6 s median", "cluster", "Berth 2 nodes PostgreSQL", "failover median",
        "s", 6.0001, false));
    c.add(relativeSame(rs, "in-memory HTTP enqueue ≥ 0.7× a bare Vert.x route", "http-enqueue", "Berth admin route",
        "bare Vert.x route", "requests/s", 0.7, true));
    c.add(relativeSame(rs, "java -jar to ready ≤ 1.5× a bare Vert.x jar", "start-to-ready", "Berth jar",
        "bare Vert.x server", "ready", 1.5, false));
    c.add(relativeSame(rs, "java -jar CPU time to ready vs a bare Vert.x jar", "start-to-ready", "Berth jar",
        "bare Vert.x server", "CPU to ready", 1.5, false)
        .info("the work each start does, nearly independent of the machine's load"));
    return c;
  }

  static Check relativeSame(List<Result> rs, String goal, String workload, String berth, String peer, String figure,
                            double times, boolean atLeast) {
    Optional<Double> b = figure(rs, workload, berth, figure);
    Optional<Double> p = figure(rs, workload, peer, figure);
    String missing = b.isEmpty() ? "no figure for " + berth : p.isEmpty() ? "no figure for " + peer : null;
    return new Check(goal, missing == null ? b.get() / p.get() : Double.NaN, "×", atLeast ? times : times + 1e-9,
        atLeast, missing);
  }

  public static void print(List<Check> checks, PrintStream out) {
    out.println();
    out.println("Goals (ratio > 1 means the goal holds with room):");
    for (Check c : checks) {
      String verdict = c.info() != null && c.missing() == null ? "for information: " + c.info()
          : c.holds().map(h -> h ? "holds" : "DOES NOT HOLD").orElse("n/a: " + c.missing());
      String v = Double.isNaN(c.value()) ? "n/a" : ResultTable.format(c.value()) + " " + c.unit();
      String ratio = Double.isNaN(c.value()) ? "" : String.format(Locale.ROOT, "ratio %.2f, ", c.ratio());
      out.printf("  %-55s %-16s %s%s%n", c.goal(), v, ratio, verdict);
    }
  }

  public static JsonArray json(List<Check> checks) {
    JsonArray a = new JsonArray();
    for (Check c : checks) {
      a.add(new JsonObject().put("goal", c.goal()).put("value", Double.isNaN(c.value()) ? null : c.value())
          .put("unit", c.unit()).put("target", c.target()).put("atLeast", c.atLeast())
          .put("ratio", Double.isNaN(c.value()) ? null : c.ratio())
          .put("holds", c.holds().orElse(null)).put("missing", c.missing()).put("info", c.info()));
    }
    return a;
  }
}
