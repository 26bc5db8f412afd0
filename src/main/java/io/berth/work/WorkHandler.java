package io.berth.work;

/**
 * Runs one type of work item, blocking: called on a worker thread, never on an event loop, so it may do blocking
 * I/O. It should return soon after {@link WorkContext#token()} is cancelled (timeout or shutdown). Throwing marks
 * the item failed; the queue logs it once and goes on with the next item.
 */
@FunctionalInterface
public interface WorkHandler {

  void handle(WorkContext context) throws Exception;
}
