package io.berth.bench.core;

import java.util.Arrays;
import java.util.List;

public final class Stats {
  private Stats() {}

  public static double median(List<Double> values) {
    if (values.isEmpty()) return Double.NaN;
    double[] a = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    int n = a.length;
    return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2.0;
  }

  public static double nanosToMillis(double nanos) {
    return nanos / 1_000_000.0;
  }
}
