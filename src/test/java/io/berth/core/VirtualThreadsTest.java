package io.berth.core;

import io.berth.host.Host;
import io.berth.service.Schedule;
import io.berth.testing.Await;
import io.berth.work.QueueOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** With {@code virtualThreads: true} on Java 21+, user code runs on virtual threads (on 17 this class is skipped). */
@ExtendWith(VertxExtension.class)
@EnabledForJreRange(min = JRE.JAVA_21)
class VirtualThreadsTest {

  @Test
  void backgroundLoopsTimedRunsAndWorkItemsRunOnVirtualThreads(Vertx vertx) {
    Map<String, Boolean> virtual = new ConcurrentHashMap<>();
    Host host = Host.builder().vertx(vertx)
        .options(new HostOptions().virtualThreads(true))
        .background("loop", token -> {
          virtual.put("background", isVirtual());
          token.sleep(Duration.ofMinutes(1));
        })
        .timed("tick", Schedule.every(Duration.ofMillis(20)), run -> virtual.put("timed", isVirtual()))
        .queue(new QueueOptions("q"))
        .handler("probe", ctx -> virtual.put("item", isVirtual()))
        .build();

    Await.result(host.start());
    Await.result(host.work().queue("q").enqueue("probe", new JsonObject()));
    await().until(() -> virtual.size() == 3);
    Await.result(host.stop());

    assertThat(virtual).containsEntry("background", true).containsEntry("timed", true).containsEntry("item", true);
  }

  private static boolean isVirtual() {
    try {
      return (boolean) Thread.class.getMethod("isVirtual").invoke(Thread.currentThread());
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }
}
