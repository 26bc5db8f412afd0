package io.berth.work;

import io.vertx.core.Future;

/**
 * Runs one type of work item without blocking: called on a worker thread, the item ends when the returned future
 * completes (failing marks it failed). It still holds one of the queue's {@code concurrency} slots until then.
 */
@FunctionalInterface
public interface AsyncWorkHandler {

  Future<?> handle(WorkContext context) throws Exception;
}
