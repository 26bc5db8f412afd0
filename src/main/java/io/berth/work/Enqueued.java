package io.berth.work;

/**
 * The outcome of an enqueue: the item's id, and whether this enqueue created it ({@code false}: an unfinished item
 * of the queue had the same unique key, and its id is returned; nothing was created).
 */
public record Enqueued(String id, boolean created) {
}
