package io.berth.bench.start;

import java.util.List;
import java.util.function.Supplier;

public final class StartTargets {
  private StartTargets() {}

  /** Add the Berth jar here (one line). */
  public static List<Supplier<StartTarget>> all() {
    return List.of(
        BerthJarTarget::new,
        BareServerTarget::new
    );
  }
}
