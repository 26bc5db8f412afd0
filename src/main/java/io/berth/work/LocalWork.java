package io.berth.work;

import io.vertx.core.Future;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A work item that is code rather than data: for in-process use only. It is carried on the event bus with a local
 * codec and never leaves the JVM, so a durable store or a cluster cannot take it; use a typed item for that.
 */
public final class LocalWork {

  /** The type shown in status and logs when none is given. */
  public static final String DEFAULT_TYPE = "local";

  final String type;
  final Handlers.Entry handler;

  private LocalWork(String type, WorkHandler blocking, AsyncWorkHandler async) {
    this.type = Objects.requireNonNull(type, "type");
    this.handler = new Handlers.Entry(blocking, async);
  }

  /** Blocking work, run on a worker thread. */
  public static LocalWork of(Consumer<WorkContext> work) {
    Objects.requireNonNull(work, "work");
    return new LocalWork(DEFAULT_TYPE, work::accept, null);
  }

  /** Blocking work that may throw, with a type for status and logs. */
  public static LocalWork of(String type, WorkHandler work) {
    return new LocalWork(type, Objects.requireNonNull(work, "work"), null);
  }

  /** Asynchronous work: the item ends when the future completes. */
  public static LocalWork async(Function<WorkContext, Future<?>> work) {
    Objects.requireNonNull(work, "work");
    return new LocalWork(DEFAULT_TYPE, null, work::apply);
  }

  /** Asynchronous work with a type for status and logs. */
  public static LocalWork async(String type, AsyncWorkHandler work) {
    return new LocalWork(type, null, Objects.requireNonNull(work, "work"));
  }

  public String type() {
    return type;
  }
}
