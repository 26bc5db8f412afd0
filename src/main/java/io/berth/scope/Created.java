package io.berth.scope;

import java.util.List;
import java.util.function.BiConsumer;

/** A closeable instance that was created by the registry or a scope, remembered so it can be closed. */
record Created(Class<?> type, AutoCloseable instance) {

  /**
   * Closes {@code created} in reverse order. Each close is isolated: a failure goes to {@code onFailure} and the
   * rest still close.
   */
  static void closeInReverse(List<Created> created, BiConsumer<Class<?>, Exception> onFailure) {
    for (int i = created.size() - 1; i >= 0; i--) {
      Created c = created.get(i);
      try {
        c.instance.close();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        onFailure.accept(c.type, e);
      }
    }
  }
}
