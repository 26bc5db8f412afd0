package io.berth.bench.core;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Plain-text results table. The "Berth ÷ this" column is filled when a Berth system (name
 * starting with "Berth") has a figure for the same workload and figure name.
 */
public final class ResultTable {
  private ResultTable() {}

  /**
   * Berth's figure divided by this one. A system named after a store ("SQLite", "PostgreSQL") is compared with the
   * Berth system on the same store only, never across stores.
   */
  public static Optional<Double> berthRatio(Result r, List<Result> all) {
    if (r.isBerth() || Double.isNaN(r.value()) || r.value() == 0) return Optional.empty();
    String store = store(r.system());
    return all.stream()
        .filter(b -> b.isBerth() && b.workload().equals(r.workload()) && b.figure().equals(r.figure())
            && !Double.isNaN(b.value()) && (store == null || store.equals(store(b.system()))))
        .findFirst()
        .map(b -> b.value() / r.value());
  }

  /** "SQLite", "PostgreSQL" or null: the store a system's name says it runs on. */
  public static String store(String system) {
    // An H2 file is db-scheduler's own embedded store: shown against Berth on its embedded one, SQLite (its name
    // says it is not fsync'd per commit; the goal compares db-scheduler on SQLite).
    if (system.contains("SQLite") || system.contains("H2 file")) return "SQLite";
    if (system.contains("PostgreSQL")) return "PostgreSQL";
    return null;
  }

  public static String format(double v) {
    if (Double.isNaN(v)) return "n/a";
    double a = Math.abs(v);
    if (a >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
    if (a >= 100) return String.format(Locale.ROOT, "%.1f", v);
    if (a >= 1) return String.format(Locale.ROOT, "%.2f", v);
    return String.format(Locale.ROOT, "%.3f", v);
  }

  public static void print(List<Result> results, PrintStream out) {
    String[] head = {"workload", "system", "figure", "value", "unit", "Berth ÷ this", "notes"};
    List<String[]> rows = new ArrayList<>();
    for (Result r : results) {
      String ratio = berthRatio(r, results).map(x -> String.format(Locale.ROOT, "%.2f", x)).orElse("");
      rows.add(new String[] {r.workload(), r.system(), r.figure(), format(r.value()), r.unit(), ratio, r.notes()});
    }
    int[] w = new int[head.length];
    for (int i = 0; i < head.length; i++) w[i] = head[i].length();
    for (String[] row : rows) for (int i = 0; i < row.length; i++) w[i] = Math.max(w[i], row[i].length());
    StringBuilder sb = new StringBuilder();
    line(sb, head, w);
    StringBuilder sep = new StringBuilder();
    for (int i = 0; i < w.length; i++) sep.append(i == 0 ? "" : "-+-").append("-".repeat(w[i]));
    sb.append(sep).append('\n');
    String last = null;
    for (String[] row : rows) {
      if (last != null && !last.equals(row[0])) sb.append(sep).append('\n');
      last = row[0];
      line(sb, row, w);
    }
    out.print(sb);
    out.flush();
  }

  private static void line(StringBuilder sb, String[] cells, int[] w) {
    for (int i = 0; i < cells.length; i++) {
      if (i > 0) sb.append(" | ");
      boolean right = i == 3 || i == 5;
      String c = cells[i];
      String pad = " ".repeat(w[i] - c.length());
      if (i == cells.length - 1) sb.append(c);
      else sb.append(right ? pad + c : c + pad);
    }
    sb.append('\n');
  }
}
