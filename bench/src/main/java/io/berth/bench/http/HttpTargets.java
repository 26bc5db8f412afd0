package io.berth.bench.http;

import java.util.List;
import java.util.function.Supplier;

public final class HttpTargets {
  private HttpTargets() {}

  /** Add the Berth HTTP API here (one line). */
  public static List<Supplier<HttpTarget>> all() {
    return List.of(
        BerthHttpTarget::new,
        BareVertxHttpTarget::new
    );
  }
}
