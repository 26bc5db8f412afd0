package io.berth.work;

/**
 * Admission's answer for an item whose unique key an unfinished item already has: nothing was created, and
 * {@link #id} is the first item's. Internal: {@link WorkQueue} turns it into an {@link Enqueued}, the event bus into
 * a reply with the id, the admin API into a 200. No stack trace.
 */
final class Duplicate extends RuntimeException {

  final String id;

  Duplicate(String id) {
    super("an unfinished item has the same key: " + id, null, false, false);
    this.id = id;
  }
}
