package io.berth.service;

/**
 * A unit of work run on a {@link Schedule}. Each run executes on a worker thread (or a virtual thread), never on an
 * event loop, with a scope of its own and a token cancelled by the run's timeout or by shutdown. By default a run
 * never starts while the previous one is still going. A run that throws is logged and recorded; the schedule goes on.
 */
@FunctionalInterface
public interface TimedService {

  void run(RunContext run) throws Exception;
}
