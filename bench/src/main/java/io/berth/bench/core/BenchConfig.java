package io.berth.bench.core;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/** Command-line configuration plus every size that depends on quick/full mode. */
public record BenchConfig(boolean quick, int threads, Set<String> workloads, Set<String> systems,
                          Path resultsDir, String commit, int httpConnections, Path benchJar) {

  public String mode() { return quick ? "quick" : "full"; }

  public boolean workloadSelected(String name) { return workloads.isEmpty() || workloads.contains(name); }

  /** A system is selected if no filter was given or its name contains one of the filter words. */
  public boolean systemSelected(String systemName) {
    if (systems.isEmpty()) return true;
    String n = systemName.toLowerCase();
    return systems.stream().anyMatch(s -> n.contains(s.toLowerCase()));
  }

  public int warmups() { return 1; }
  public int reps() { return 3; }
  /** Repetitions for slow peers / long workloads. */
  public int slowReps() { return 3; }

  // workload 1: queue throughput
  public int throughputItems() { return quick ? 10_000 : 200_000; }
  // workload 2: latency
  public int latencyItems() { return quick ? 2_500 : 20_000; }
  public int latencyRatePerSec() { return 5_000; }
  // bound for any single queue run
  public Duration runTimeout() { return quick ? Duration.ofSeconds(15) : Duration.ofSeconds(60); }
  /** Items for a warm-up run: all of them in full mode, half in quick mode. */
  public int warmupItems(int items) { return quick ? Math.max(1, items / 2) : items; }
  // workload 3: timer
  public int timerTicks() { return quick ? 50 : 1_000; }
  public long timerPeriodMillis() { return 10; }
  // workload 4: start-to-ready
  public int startReps() { return quick ? 3 : 5; }
  public Duration startTimeout() { return Duration.ofSeconds(60); }
  // workload 5: http enqueue
  public Duration httpWarmup() { return quick ? Duration.ofSeconds(1) : Duration.ofSeconds(5); }
  public Duration httpDuration() { return quick ? Duration.ofMillis(1500) : Duration.ofSeconds(8); }
  public int httpReps() { return 3; }

  // durable workloads
  /** Concurrent producers of durable-accept and of the e2e throughput run. */
  public int durableProducers() { return 64; }
  /** How long each durable-accept repetition lets the producers run. */
  public Duration acceptDuration() { return quick ? Duration.ofMillis(600) : Duration.ofSeconds(4); }
  /** Items of one durable e2e throughput repetition (peers may cap it). */
  public int e2eItems() { return quick ? 3_000 : 100_000; }
  /** Items of the e2e warm-up run (the full count would double the workload's time). */
  public int e2eWarmupItems(int items) { return Math.max(1, Math.min(items / 2, 10_000)); }
  public int e2eRatePerSec() { return 1_000; }
  public int e2eLatencyItems() { return quick ? 500 : 3_000; }
  public Duration durableRunTimeout() { return quick ? Duration.ofSeconds(20) : Duration.ofSeconds(90); }
  public int durableWorkers() { return 4; }
  // recovery
  public int recoveryItems() { return quick ? 2_000 : 50_000; }
  /** Each recovery run starts two JVMs (the filler, then the jar): quick mode runs it once. */
  public int recoveryReps() { return quick ? 1 : slowReps(); }
  // memory
  public int memoryItems() { return quick ? 5_000 : 100_000; }
  // cluster
  public int clusterRatePerSec() { return 500; }
  public int clusterLatencyItems() { return quick ? 500 : 5_000; }
  public int clusterThroughputItems() { return quick ? 2_000 : 10_000; }
  public int failoverReps() { return quick ? 1 : 10; }
  public Duration childTimeout() { return Duration.ofSeconds(90); }
}
