package io.berth.testing;

import io.berth.host.Host;
import io.berth.core.ServiceInfo;
import io.berth.core.ServiceKind;

/** Finds services of a host in tests, whatever the host's own services (fire, queues) around them. */
public final class Services {
  private Services() {
  }

  /** The only service of {@code kind}. */
  public static ServiceInfo only(Host host, ServiceKind kind) {
    return host.services().stream().filter(s -> s.kind() == kind).reduce((a, b) -> {
      throw new AssertionError("more than one " + kind.label() + " service");
    }).orElseThrow(() -> new AssertionError("no " + kind.label() + " service"));
  }

  /** The service named {@code name}. */
  public static ServiceInfo named(Host host, String name) {
    return host.services().stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no service named " + name));
  }
}
