package io.berth.work;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes an object by reference between verticles of one JVM: no copy, no encoding. Encoding for the wire is
 * refused on purpose, as local work (a lambda) cannot cross a cluster.
 */
final class LocalCodec implements MessageCodec<Object, Object> {

  static final String NAME = "berth.local";
  static final DeliveryOptions DELIVERY = new DeliveryOptions().setCodecName(NAME).setLocalOnly(true);

  /** Registers the codec once per Vert.x instance (several hosts may share one). */
  static void register(Vertx vertx) {
    try {
      vertx.eventBus().registerCodec(new LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // Another host on this Vert.x registered it first: the same codec, nothing to do.
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, Object o) {
    throw new UnsupportedOperationException("local work never leaves the JVM");
  }

  @Override
  public Object decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("local work never leaves the JVM");
  }

  @Override
  public Object transform(Object o) {
    return o;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
