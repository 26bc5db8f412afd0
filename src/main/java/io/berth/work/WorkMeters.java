package io.berth.work;

/**
 * Meters a queue's workers feed directly, without building a host event: the hook for per-item metrics on the hot
 * path. A metrics module provides one as a feature ({@code ModuleContext.provide(WorkMeters.class, ...)}); each queue
 * takes one {@link Recorder} per worker when it starts. Item events ({@link ItemEvent}) still go to host listeners
 * that want them; a meter fed here should not count them as well.
 *
 * <p>Why not a host listener: a listener is asked per transition, gets an event built for it, and counts from
 * whatever thread calls it, so it needs thread-local or shared cells. A worker's recorder is called by that worker
 * only, one call at a time (the worker's context runs its tasks in order, with a happens-before edge between them,
 * whichever pool thread or virtual thread runs them), so it may count with plain writes into cells of its own.
 */
public interface WorkMeters {

  /** A recorder for one worker of {@code queue}: called only by that worker, never concurrently. */
  Recorder worker(String queue);

  /** A recorder for {@code queue}'s transitions made elsewhere (a cancel of a waiting item): thread-safe. */
  Recorder shared(String queue);

  /** One worker's (or the shared) counts; every method must be cheap and must not block or throw. */
  interface Recorder {

    /** An item's first attempt started, {@code waitNanos} after the item was admitted. */
    void waited(long waitNanos);

    /**
     * An attempt of an item of {@code type} ended with {@code outcome}: a final state, or {@code retrying} for one
     * that failed and runs again. {@code runNanos}: its run time; negative when it did not run (cancelled while
     * waiting) or is unknown.
     */
    void ended(String type, ItemState outcome, long runNanos);
  }
}
