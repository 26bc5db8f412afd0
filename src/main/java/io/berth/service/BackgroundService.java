package io.berth.service;

/**
 * A long-running loop. {@link #execute} runs on a thread of its own (a platform thread, or a virtual thread when
 * configured on Java 21+), never on an event loop and never on the startup path: the host goes on starting the
 * next service at once, however long {@code execute} works before it first waits.
 *
 * <p>At shutdown the token is cancelled and the host waits for {@code execute} to return, within what is left of the
 * shutdown timeout; after that the thread is interrupted and the log says the service did not stop in time.
 * An exception thrown by {@code execute} is handled by the service's {@link ExceptionPolicy}.
 */
@FunctionalInterface
public interface BackgroundService {

  /** The loop: return when {@code token} is cancelled. */
  void execute(CancellationToken token) throws Exception;

  /** Called on the service's thread just before {@link #execute}, with what the service may need from the host. */
  default void init(ServiceContext context) {
  }
}
