package io.berth.work;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-memory store: FIFO claims, transitions counted per state, statuses kept, unrun items handed back at stop. */
class MemoryItemStoreTest {

  private static final Handlers.Entry NOOP = new Handlers.Entry(ctx -> { }, null);

  private final MemoryItemStore store = new MemoryItemStore(new QueueOptions("q").capacity(10).statusRetention(1));

  private static Item item(String id) {
    return new Item(id, "t", new JsonObject(), NOOP);
  }

  @Test
  void itemsAreClaimedOldestFirstAndCountedPerState() {
    Item a = item("a");
    Item b = item("b");
    assertThat(store.append(a).succeeded()).isTrue();
    assertThat(store.append(b).succeeded()).isTrue();
    assertThat(store.hasDue()).isTrue();
    assertThat(store.count(ItemState.QUEUED)).isEqualTo(2);

    Item first = store.claim();
    first.start();
    store.started(first);
    assertThat(first).isSameAs(a);
    assertThat(store.count(ItemState.QUEUED)).isEqualTo(1);
    assertThat(store.count(ItemState.RUNNING)).isEqualTo(1);
    assertThat(store.status("a").orElseThrow().state()).isEqualTo(ItemState.RUNNING);

    first.end(ItemState.FAILED, "IllegalStateException: boom");
    store.finished(first);
    assertThat(store.count(ItemState.RUNNING)).isZero();
    assertThat(store.count(ItemState.FAILED)).isEqualTo(1);
    ItemStatus status = store.status("a").orElseThrow();
    assertThat(status.state()).isEqualTo(ItemState.FAILED);
    assertThat(status.error()).isEqualTo("IllegalStateException: boom");
    assertThat(status.queue()).isEqualTo("q");

    Item second = store.claim();
    second.start();
    second.end(ItemState.SUCCEEDED, null);
    store.finished(second);
    // statusRetention 1: the older finished item's status is gone.
    assertThat(store.status("a")).isEmpty();
    assertThat(store.status("b").orElseThrow().state()).isEqualTo(ItemState.SUCCEEDED);
    assertThat(store.claim()).isNull();
    assertThat(store.hasDue()).isFalse();
  }

  @Test
  void theStopHandsBackTheItemsNeverRunKeepsTheirStatusAndRefusesLaterAppends() {
    store.append(item("a"));
    store.append(item("b"));

    assertThat(store.stop().lost()).containsExactly("a", "b");

    assertThat(store.claim()).isNull();
    assertThat(store.count(ItemState.QUEUED)).isZero();
    assertThat(store.status("a").orElseThrow().state()).isEqualTo(ItemState.QUEUED);
    Future<String> late = store.append(item("c"));
    assertThat(late.failed()).isTrue();
    assertThat(((WorkException) late.cause()).code()).isEqualTo(WorkException.STOPPING);
    assertThat(store.status("c")).isEmpty();
  }
}
