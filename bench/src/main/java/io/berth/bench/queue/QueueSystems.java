package io.berth.bench.queue;

import java.util.List;
import java.util.function.Supplier;

/** Registry of queue systems measured by the throughput and latency workloads. */
public final class QueueSystems {
  private QueueSystems() {}

  /** Fresh instances, in table order. Add the Berth system here (one line). */
  public static List<Supplier<QueueSystem>> all() {
    return List.of(
        BerthQueueSystem::new,
        BerthBusQueueSystem::new,
        ThreadPoolSystem::new,
        VertxEventBusSystem::new,
        QuartzSystem::new,
        DbSchedulerSystem::new,
        JobRunrSystem::new
    );
  }
}
