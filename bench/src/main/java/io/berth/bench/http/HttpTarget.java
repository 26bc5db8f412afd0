package io.berth.bench.http;

import io.berth.bench.core.BenchConfig;
import java.net.URI;

/**
 * Extension point for the HTTP-enqueue workload: something listening on 127.0.0.1 that accepts
 * {@code POST <url>} with a JSON body and {@code Authorization: Bearer <token>}. A Berth target
 * starts Berth (in-process or as a process) and returns
 * {@code http://127.0.0.1:<port>/api/v1/queues/default/items} plus its token.
 */
public interface HttpTarget {
  record Endpoint(URI url, String bearerToken) {}

  String name();

  Endpoint start(BenchConfig cfg) throws Exception;

  void close() throws Exception;

  default String notes() { return ""; }
}
