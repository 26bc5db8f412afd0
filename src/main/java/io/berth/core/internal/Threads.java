package io.berth.core.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Starts a named thread for one long-running piece of work: a virtual thread when asked for and the JVM has them
 * (Java 21+), a daemon platform thread otherwise. Berth compiles for Java 17, hence the method handle.
 */
public final class Threads {

  private static final MethodHandle START_VIRTUAL = findStartVirtual();

  private Threads() {
  }

  /** True when this JVM can start virtual threads. */
  public static boolean virtualThreadsAvailable() {
    return START_VIRTUAL != null;
  }

  public static Thread start(String name, boolean virtual, Runnable body) {
    if (virtual && START_VIRTUAL != null) {
      try {
        Thread t = (Thread) START_VIRTUAL.invoke(body);
        t.setName(name);
        return t;
      } catch (Throwable e) {
        throw new IllegalStateException("could not start a virtual thread", e);
      }
    }
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static MethodHandle findStartVirtual() {
    try {
      return MethodHandles.publicLookup().findStatic(Thread.class, "startVirtualThread",
          MethodType.methodType(Thread.class, Runnable.class));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }
}
