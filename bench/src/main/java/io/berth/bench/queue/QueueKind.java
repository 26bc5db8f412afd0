package io.berth.bench.queue;

/** Which queue workload is asking, so a system can cap its item count per workload. */
public enum QueueKind { THROUGHPUT, LATENCY }
