package io.berth.testing;

import io.berth.service.BackgroundService;
import io.berth.service.CancellationToken;
import io.berth.service.HostedService;
import io.berth.service.ServiceContext;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;

/** Records what services do, in order, from any thread. */
public final class Recorder {

  private final List<String> events = new ArrayList<>();

  public synchronized void add(String event) {
    events.add(event);
  }

  public synchronized List<String> events() {
    return List.copyOf(events);
  }

  /** A hosted service that records "start:NAME" and "stop:NAME". */
  public HostedService hosted(String name) {
    return new HostedService() {
      @Override
      public Future<Void> start(ServiceContext context) {
        add("start:" + name);
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> stop(ServiceContext context) {
        add("stop:" + name);
        return Future.succeededFuture();
      }
    };
  }

  /** A background service that records "execute:NAME", waits for its token, then records "exit:NAME". */
  public BackgroundService background(String name) {
    return (CancellationToken token) -> {
      add("execute:" + name);
      token.future().toCompletionStage().toCompletableFuture().join();
      add("exit:" + name);
    };
  }
}
