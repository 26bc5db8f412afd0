package io.berth.bench.child;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A child's trace for {@link ClusterTrace}: the items it ran (client send, handler start) plus, when the product
 * was built with the diagnostic {@code io.berth.work.Trace} (bench/diagnostics/cluster-trace.patch: `git apply` it) and runs with
 * {@code -Dberth.trace=true}, its per-item stage timestamps and its {@code berth.due} publishes sent and received.
 * Read by reflection, so that the bench builds against a product without it.
 */
final class TraceDump {
  private TraceDump() {}

  private static Class<?> trace() {
    try {
      return Class.forName("io.berth.work.Trace");
    } catch (ClassNotFoundException e) {
      return null;
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T field(Class<?> c, String name) {
    try {
      return (T) c.getField(name).get(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code {"runs": {id: [t0, start]}, "stages": {id: [...]}, "pubSent": {seq: micros}, "pubRecv": {...}}}. */
  static JsonObject dump(Map<String, long[]> runs) {
    JsonObject o = new JsonObject();
    JsonObject r = new JsonObject();
    runs.forEach((id, v) -> r.put(id, new JsonArray().add(v[0]).add(v[1])));
    o.put("runs", r);
    Class<?> c = trace();
    if (c != null) {
      JsonObject stages = new JsonObject();
      Map<String, long[]> items = field(c, "ITEMS");
      items.forEach((id, v) -> {
        JsonArray a = new JsonArray();
        for (long x : v) a.add(x);
        stages.put(id, a);
      });
      o.put("stages", stages);
      for (String name : new String[] {"PUB_SENT", "PUB_RECV"}) {
        JsonObject m = new JsonObject();
        Map<Long, Long> map = field(c, name);
        map.forEach((k, v) -> m.put(Long.toString(k), v));
        o.put(name.equals("PUB_SENT") ? "pubSent" : "pubRecv", m);
      }
    }
    return o;
  }

  static void reset() {
    Class<?> c = trace();
    if (c == null) return;
    try {
      c.getMethod("reset").invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
