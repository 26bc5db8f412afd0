package io.berth.work;

import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.List;

/**
 * How a durable store writes an item's state and errors into a row and reads them back: a {@code retrying} item is
 * stored {@code queued} (claimable at its run time) with attempts behind it, and its attempt errors are a JSON array.
 * Shared by the stores with rows, SQLite and PostgreSQL.
 */
final class StoredItems {

  private StoredItems() {
  }

  /** The state written for {@code state}: a retrying item is stored {@code queued}. */
  static String stored(ItemState state) {
    return (state == ItemState.RETRYING ? ItemState.QUEUED : state).label();
  }

  /** The state shown for a row: a queued row with attempts behind it is {@code retrying}. */
  static ItemState shown(String state, int attempts) {
    ItemState s = ItemState.fromLabel(state);
    return s == ItemState.QUEUED && attempts > 0 ? ItemState.RETRYING : s;
  }

  /** The errors column: a JSON array, or null for none. */
  static String errorsColumn(List<String> errors) {
    return errors == null || errors.isEmpty() ? null : new JsonArray(errors).encode();
  }

  /** The errors of a row (null: none). */
  static List<String> errors(String json) {
    if (json == null) {
      return List.of();
    }
    List<String> list = new ArrayList<>();
    for (Object o : new JsonArray(json)) {
      list.add(String.valueOf(o));
    }
    return list;
  }

  /** A cancel that found {@code item} started (or ended meanwhile): its worker cancels it, if it still runs. */
  static ItemStore.Cancel running(Item item, String queue) {
    ItemState now = item.state();
    return new ItemStore.Cancel(now.isFinal() ? now : ItemState.RUNNING, item.snapshot(queue));
  }

  /**
   * The position a listing cursor names: items with a lower admission number come next (null: from the newest).
   *
   * @throws IllegalArgumentException for a cursor no store of rows made
   */
  static long cursor(String cursor) {
    try {
      return cursor == null ? Long.MAX_VALUE : Long.parseLong(cursor);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a cursor of this queue: " + cursor);
    }
  }
}
