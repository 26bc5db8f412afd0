package io.berth.work;

import io.berth.config.ConfigReader;
import io.berth.core.HostOptions;
import io.berth.host.Host;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static io.berth.work.WorkTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Listing a queue's items newest first with a cursor, filtered by state and type; both stores. */
@ExtendWith(VertxExtension.class)
class ListItemsTest {

  @TempDir
  Path dir;

  private void bothStores(Vertx vertx, Consumer<Host.Builder> configure, Consumer<Host> test) {
    WorkTesting.bothStores(vertx, dir, configure, test);
  }

  @Test
  void pagesAreNewestFirstAndFiltersHold(Vertx vertx) {
    bothStores(vertx, b -> b.queue(new QueueOptions("q")).handler("a", ctx -> { }).handler("b", ctx -> { }), host -> {
      WorkQueue q = host.work().queue("q");
      List<String> ids = new ArrayList<>();
      for (String type : List.of("a", "b", "a", "b", "a", "a", "a", "a", "a", "a", "a", "a")) {
        ids.add(await(q.enqueue(new WorkItems.Request(type, null).delay(Duration.ofHours(1)))));
      }
      List<String> seen = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        WorkQueue.Page page = await(q.list(null, null, 5, cursor));
        page.items().forEach(s -> seen.add(s.id()));
        cursor = page.next();
        pages++;
      } while (cursor != null);
      assertThat(pages).isEqualTo(3);
      List<String> newestFirst = new ArrayList<>(ids);
      java.util.Collections.reverse(newestFirst);
      assertThat(seen).containsExactlyElementsOf(newestFirst);

      assertThat(await(q.list(null, "b", 10, null)).items()).extracting(ItemStatus::id)
          .containsExactly(ids.get(3), ids.get(1));
      await(q.cancel(ids.get(0)));
      assertThat(await(q.list(ItemState.CANCELLED, null, 10, null)).items()).extracting(ItemStatus::id)
          .containsExactly(ids.get(0));
      assertThat(await(q.list(ItemState.QUEUED, null, 100, null)).items()).hasSize(11);
      assertThat(WorkTesting.failure(q.list(null, null, 5, "garbage"))).isInstanceOf(IllegalArgumentException.class);
    });
  }
}
