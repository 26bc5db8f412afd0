package io.berth.bench.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/**
 * Shared repetition logic: {@code warmups} unrecorded runs, then {@code reps} recorded runs.
 * Each run returns named figures; the harness reports the median of each figure.
 */
public final class Harness {
  private Harness() {}

  /** A single run: returns figure name -> value (insertion ordered). */
  @FunctionalInterface
  public interface Run {
    Map<String, Double> run(int index) throws Exception;
  }

  /** Outcome of a repeated measurement. {@code aborted} means a run failed or timed out. */
  public record Repeated(Map<String, List<Double>> samples, String abortReason) {
    public double median(String figure) {
      List<Double> s = samples.get(figure);
      return s == null ? Double.NaN : Stats.median(s);
    }
  }

  /** Thrown by a run that did not finish in its time bound; carries partial figures. */
  public static final class RunTimeout extends Exception {
    public final Map<String, Double> partial;

    public RunTimeout(String message, Map<String, Double> partial) {
      super(message);
      this.partial = partial;
    }
  }

  public static Repeated repeat(String label, int warmups, int reps, Run run) {
    Map<String, List<Double>> samples = new LinkedHashMap<>();
    String abort = null;
    for (int i = 0; i < warmups + reps; i++) {
      boolean warm = i < warmups;
      String tag = warm ? "warm-up " + (i + 1) + "/" + warmups : "rep " + (i - warmups + 1) + "/" + reps;
      long t0 = System.nanoTime();
      Map<String, Double> figures;
      try {
        figures = run.run(i);
      } catch (RunTimeout e) {
        Log.progress("%s %s: TIMEOUT %s", label, tag, e.getMessage());
        abort = "timeout: " + e.getMessage();
        if (!warm && e.partial != null) add(samples, e.partial);
        break;
      } catch (Exception e) {
        Log.progress("%s %s: FAILED %s", label, tag, e);
        abort = "failed: " + e;
        break;
      }
      Log.progress("%s %s: %s (%.1fs)", label, tag, figures, (System.nanoTime() - t0) / 1e9);
      if (!warm) add(samples, figures);
    }
    return new Repeated(samples, abort);
  }

  private static void add(Map<String, List<Double>> samples, Map<String, Double> figures) {
    figures.forEach((k, v) -> samples.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
  }

  /** Converts a figure of a repeated measurement into a {@link Result}. */
  public static Result result(String workload, String system, Repeated r, String figure, String unit,
                              boolean higherIsBetter, String notes) {
    List<Double> s = r.samples().getOrDefault(figure, List.of());
    String n = notes == null ? "" : notes;
    if (r.abortReason() != null) n = (n.isEmpty() ? "" : n + "; ") + r.abortReason();
    if (!s.isEmpty() && s.size() < 3) n = (n.isEmpty() ? "" : n + "; ") + "only " + s.size() + " rep(s)";
    return new Result(workload, system, figure, Stats.median(s), unit, higherIsBetter, List.copyOf(s), n);
  }
}
