package io.berth.work;

import io.berth.config.ConfigException;
import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.core.ServiceInfo;
import io.berth.core.ServiceKind;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Queues come from code and from {@code queues.<name>}; every key is validated. */
@ExtendWith(VertxExtension.class)
class QueueConfigTest {

  @Test
  void configOverridesCodeAndDeclaresQueuesOfItsOwn(Vertx vertx) {
    JsonObject json = new JsonObject().put("queues", new JsonObject()
        .put("default", new JsonObject().put("capacity", 7).put("fullMode", "reject").put("concurrency", 2)
            .put("enqueueTimeout", "250ms").put("timeout", "3s").put("statusRetention", 50))
        .put("reports", new JsonObject()));
    ConfigReader config = ConfigReader.of(json, Map.of("BERTH_QUEUES_REPORTS_CONCURRENCY", "1"), Map.of());
    Host host = Host.builder().vertx(vertx).config(config)
        .queue(new QueueOptions("default").capacity(1000))
        .handler("log", ctx -> { })
        .build();
    config.rejectUnknownKeys();

    QueueOptions d = host.work().queue("default").options();
    assertThat(d.capacity()).isEqualTo(7);
    assertThat(d.fullMode()).isEqualTo(FullMode.REJECT);
    assertThat(d.concurrency()).isEqualTo(2);
    assertThat(d.enqueueTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(d.statusRetention()).isEqualTo(50);
    QueueOptions r = host.work().queue("reports").options();
    assertThat(r.capacity()).isEqualTo(100);
    assertThat(r.concurrency()).isEqualTo(1);
    assertThat(host.work().names()).containsExactly("default", "reports");
    assertThat(host.work().queue("reports").types()).containsExactly("log");
    assertThat(host.services()).extracting(ServiceInfo::name).containsExactly("fire", "queue:default", "queue:reports");
    assertThat(host.services()).extracting(ServiceInfo::kind)
        .containsExactly(ServiceKind.HOSTED, ServiceKind.QUEUE, ServiceKind.QUEUE);
  }

  @Test
  void badQueueConfigNamesTheKey(Vertx vertx) {
    ConfigReader badMode = ConfigReader.of(new JsonObject().put("queues", new JsonObject()
        .put("q", new JsonObject().put("fullMode", "drop"))));
    assertThatThrownBy(() -> Host.builder().vertx(vertx).config(badMode).build())
        .isInstanceOf(ConfigException.class).hasMessageContaining("queues.q.fullMode");

    ConfigReader typo = ConfigReader.of(new JsonObject().put("queues", new JsonObject()
        .put("q", new JsonObject().put("capacty", 5))));
    Host.builder().vertx(vertx).config(typo).build();
    assertThatThrownBy(typo::rejectUnknownKeys)
        .isInstanceOf(ConfigException.class).hasMessageContaining("queues.q.capacty");

    assertThatThrownBy(() -> Host.builder().vertx(vertx).handler("nowhere", "t", ctx -> { }).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nowhere'");
  }

  @Test
  void enqueueBeforeTheHostStartsIsRefused(Vertx vertx) {
    Host host = Host.builder().vertx(vertx).queue(new QueueOptions("q")).handler("t", ctx -> { }).build();
    Throwable e = WorkTesting.failure(host.work().queue("q").enqueue("t", new JsonObject()));
    assertThat(((WorkException) e).code()).isEqualTo(WorkException.STOPPING);
    assertThat(e).hasMessage("queue 'q' is not running yet");
    await(host.start());
    await(host.stop());
  }
}
