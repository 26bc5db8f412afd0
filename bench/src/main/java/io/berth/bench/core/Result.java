package io.berth.bench.core;

import java.util.List;

/**
 * One reported figure: the median of {@code samples} (one sample per measured repetition).
 *
 * @param workload       workload name, e.g. "queue-throughput"
 * @param system         system name, e.g. "ThreadPoolExecutor(4)"; Berth systems start with "Berth"
 * @param figure         what was measured, e.g. "items/s", "p99"
 * @param value          median over the repetitions
 * @param unit           unit of {@code value}
 * @param higherIsBetter direction, for readers of the JSON
 * @param samples        per-repetition values (warm-up excluded)
 * @param notes          caveats such as "items reduced to 5000"
 */
public record Result(String workload, String system, String figure, double value, String unit,
                     boolean higherIsBetter, List<Double> samples, String notes) {

  public boolean isBerth() {
    return system.regionMatches(true, 0, "berth", 0, 5);
  }
}
