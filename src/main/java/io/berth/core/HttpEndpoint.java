package io.berth.core;

import io.vertx.core.net.SocketAddress;

/** The HTTP service's bound address, which the host hands to the lifetime once the server listens. */
public interface HttpEndpoint {
  SocketAddress boundAddress();
}
