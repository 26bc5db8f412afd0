package io.berth.metrics;

import io.berth.core.HostEvent;
import io.berth.core.HostListener;
import io.berth.core.HostView;
import io.berth.core.ServiceInfo;
import io.berth.core.ServiceEvent;
import io.berth.core.ServiceKind;
import io.berth.core.ServiceState;
import io.berth.core.TimedRunEvent;
import io.berth.work.StoreStats;
import io.berth.work.WorkQueue;
import io.berth.work.WorkQueues;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Berth's own meters. Queue depth, in-flight items, service states and a timed service's skipped ticks and next run
 * are read from the host when scraped; timed runs are counted and timed from host events; token services' starts
 * hand them to {@link TokenMeters}. The listener wants {@code timed-run} and {@code service} events only, and keeps
 * each meter once built. Items are not metered here: the queues' workers feed {@link ItemMeters} directly.
 */
final class BerthMeters implements HostListener {

  private static final Duration[] SLOS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30),
      Duration.ofMinutes(2)};

  private final MeterRegistry registry;
  private final HostView host;
  private final TokenMeters tokens;
  private final Map<RunKey, Counter> runs = new ConcurrentHashMap<>();
  private final Map<String, Timer> runDurations = new ConcurrentHashMap<>();
  private final Set<String> bound = ConcurrentHashMap.newKeySet();

  private record RunKey(String service, String outcome) {
  }

  BerthMeters(MeterRegistry registry, HostView host) {
    this.registry = registry;
    this.host = host;
    this.tokens = new TokenMeters(registry, host);
  }

  @Override
  public boolean wants(String topic) {
    return TimedRunEvent.TOPIC.equals(topic) || ServiceEvent.TOPIC.equals(topic);
  }

  @Override
  public void onEvent(HostEvent event) {
    if (event instanceof TimedRunEvent run) {
      onRun(run);
    } else if (event instanceof ServiceEvent s && s.service().startsWith(TokenMeters.SERVICE_PREFIX)) {
      tokens.watch(s.service());   // as it starts, before its first fetch
    }
  }

  private void onRun(TimedRunEvent e) {
    runs.computeIfAbsent(new RunKey(e.service(), e.outcome()), k -> Counter.builder("berth.timed.runs")
            .description("Runs of a timed service, per outcome")
            .tags("service", k.service(), "outcome", k.outcome()).register(registry))
        .increment();
    runDurations.computeIfAbsent(e.service(), s -> Timer.builder("berth.timed.run.duration")
            .description("Run time of a timed service's runs").tag("service", s)
            .serviceLevelObjectives(SLOS).register(registry))
        .record(e.durationMs(), TimeUnit.MILLISECONDS);
  }

  /** Registers the meters read from the host (once per queue and service); called before each scrape. */
  void bind() {
    host.feature(WorkQueues.class).ifPresent(queues -> {
      queues.storeStats().filter(stats -> bound.add("store")).ifPresent(stats -> {
        FunctionTimer.builder("berth.store.commit", stats, StoreStats::commits, StoreStats::commitSeconds,
            TimeUnit.SECONDS).description("Commits of the durable store (transactions or batches) and their time")
            .register(registry);
        FunctionCounter.builder("berth.store.operations", stats, StoreStats::operations)
            .description("Operations the commits carried: divided by the commits, the group size of group commit")
            .register(registry);
      });
      for (String name : queues.names()) {
        if (bound.add("queue:" + name)) {
          WorkQueue q = queues.queue(name);
          Gauge.builder("berth.queue.depth", q, w -> w.stats().depth())
              .description("Items admitted and waiting for a worker").tag("queue", name).register(registry);
          Gauge.builder("berth.queue.in.flight", q, w -> w.stats().inFlight())
              .description("Items handed to a worker and not finished").tag("queue", name).register(registry);
          Gauge.builder("berth.queue.capacity", q, w -> w.stats().capacity())
              .description("Items the queue admits at most").tag("queue", name).register(registry);
          FunctionCounter.builder("berth.queue.enqueued", q, w -> w.stats().enqueued())
              .description("Items admitted since start").tag("queue", name).register(registry);
          FunctionCounter.builder("berth.queue.rejected", q, w -> w.stats().rejected())
              .description("Enqueues refused since start").tag("queue", name).register(registry);
        }
      }
    });
    for (ServiceInfo s : host.services()) {
      String name = s.name();
      if (!bound.add("service:" + name)) {
        continue;
      }
      for (ServiceState state : ServiceState.values()) {
        Gauge.builder("berth.service.state", () -> state(name) == state ? 1 : 0)
            .description("1 for the state a service is in, 0 for the others")
            .tags("service", name, "kind", s.kind().label(), "state", state.label()).register(registry);
      }
      if (s.kind() == ServiceKind.TIMED) {
        FunctionCounter.builder("berth.timed.skipped", this, m -> m.details(name).getLong("skipped", 0L))
            .description("Ticks of a timed service coalesced because its runs were still going")
            .tag("service", name).register(registry);
        Gauge.builder("berth.timed.next.run.seconds", this, m -> m.secondsToNextRun(name))
            .description("Seconds until a timed service's next scheduled run (NaN: none planned)")
            .tag("service", name).register(registry);
      }
    }
  }

  private ServiceState state(String service) {
    for (ServiceInfo s : host.services()) {
      if (s.name().equals(service)) {
        return s.state();
      }
    }
    return null;
  }

  private JsonObject details(String service) {
    for (ServiceInfo s : host.services()) {
      if (s.name().equals(service)) {
        return s.details();
      }
    }
    return new JsonObject();
  }

  private double secondsToNextRun(String service) {
    String next = details(service).getString("nextRunAt");
    if (next == null) {
      return Double.NaN;
    }
    return Math.max(0, Duration.between(Instant.now(), Instant.parse(next)).toMillis() / 1000.0);
  }
}
