package io.berth.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Notices when this process was split off the cluster by a pause of its own (SIGSTOP, a long GC, a suspended VM):
 * a gap in its own timer longer than Hazelcast's heartbeat timeout, followed by members it had before the pause
 * missing from its view for {@link #CONFIRM} (the others dropped it, and it dropped them). Hazelcast would go on
 * with two clusters until its split-brain merge (minutes later), and merges Vert.x's event-bus state badly; a node
 * split off must not go on as a cluster of its own, so it stops (the caller's {@code onSplit}) and a supervisor
 * starts it again, when it rejoins afresh. Its singletons are safe meanwhile: their leases live in the store.
 *
 * <p>Runs on a Vert.x timer; reading Hazelcast's local member list does no I/O.
 */
final class SplitWatch {

  private static final Logger log = LoggerFactory.getLogger(SplitWatch.class);

  static final long TICK_MS = 500;
  /** How long members must stay missing after a pause before this node counts itself split off. */
  static final Duration CONFIRM = Duration.ofSeconds(2);

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final long timeoutNanos;
  private final Runnable onSplit;
  private long timer = -1;
  private long last;
  /** The other members as of the last tick before a pause. */
  private Set<UUID> before = Set.of();
  /** After a pause: the members it had before; empty when no pause is being watched. */
  private Set<UUID> suspects = Set.of();
  private long pauseEndedAt;
  private long missingSince;
  private volatile boolean splitOff;

  SplitWatch(Vertx vertx, HazelcastInstance hazelcast, Runnable onSplit) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.onSplit = onSplit;
    this.timeoutNanos = TimeUnit.SECONDS.toNanos(heartbeatTimeoutSeconds(hazelcast));
  }

  /** Hazelcast's {@code hazelcast.max.no.heartbeat.seconds} (Berth sets 5; Hazelcast's own default is 60). */
  static long heartbeatTimeoutSeconds(HazelcastInstance hazelcast) {
    String s = hazelcast.getConfig().getProperty("hazelcast.max.no.heartbeat.seconds");
    try {
      return s == null ? 60 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return 60;
    }
  }

  void start() {
    last = System.nanoTime();
    before = others();
    timer = vertx.setPeriodic(TICK_MS, id -> tick());
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** True once this node found itself split off the cluster by a pause. */
  boolean splitOff() {
    return splitOff;
  }

  private void tick() {
    long now = System.nanoTime();
    long gap = now - last;
    last = now;
    if (splitOff || !hazelcast.getLifecycleService().isRunning()) {
      return;
    }
    Set<UUID> members = others();
    if (gap > timeoutNanos) {
      suspects = before;
      pauseEndedAt = now;
      missingSince = 0;
      log.warn("This process did not run for {} ms (paused: SIGSTOP, a long GC or a suspended machine), longer than"
          + " the cluster's heartbeat timeout ({} s): the other members may have dropped it", ms(gap),
          TimeUnit.NANOSECONDS.toSeconds(timeoutNanos));
    }
    if (suspects.isEmpty()) {
      before = members;
      return;
    }
    Set<UUID> gone = new HashSet<>(suspects);
    gone.removeAll(members);
    if (gone.isEmpty()) {
      missingSince = 0;
      if (now - pauseEndedAt > 2 * timeoutNanos) {
        suspects = Set.of();   // still in the cluster with everyone it had: the pause passed unnoticed
        before = members;
      }
      return;
    }
    if (missingSince == 0) {
      missingSince = now;
    } else if (now - missingSince >= CONFIRM.toNanos()) {
      splitOff = true;
      stop();
      log.error("This node was split off the cluster by its pause: {} of its {} other member(s) are gone from its"
          + " view and it from theirs. It must not go on as a cluster of its own: stopping (exit code 1); start it"
          + " again to rejoin", gone.size(), suspects.size());
      onSplit.run();
    }
  }

  private Set<UUID> others() {
    Set<UUID> ids = new HashSet<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      if (!m.localMember()) {
        ids.add(m.getUuid());
      }
    }
    return ids;
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
