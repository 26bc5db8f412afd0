package io.berth.admin;

import io.berth.core.HostView;
import io.berth.core.ServiceInfo;
import io.berth.core.ServiceState;
import io.berth.work.WorkQueues;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What {@code /health/ready} answers: ready while the host runs, no critical service failed
 * ({@code services.<name>.critical}, true by default) and every registered health check is UP.
 */
final class Readiness {

  /** A user's health check: its procedure completes the promise with a status, or fails, within {@code timeout}. */
  record Check(String name, Duration timeout, Handler<Promise<Status>> procedure) {
  }

  private final List<Check> checks;
  private final Set<String> notCritical;
  private HealthChecks health;

  Readiness(List<Check> checks, Set<String> notCritical) {
    this.checks = List.copyOf(checks);
    this.notCritical = Set.copyOf(notCritical);
  }

  /** The readiness answer: {@code ready} and the body listing failed services and every check. */
  record Answer(boolean ready, JsonObject body) {
  }

  Future<Answer> evaluate(Vertx vertx, HostView host) {
    JsonArray failed = new JsonArray();
    boolean criticalFailed = false;
    for (ServiceInfo s : host.services()) {
      if (s.state() == ServiceState.FAILED) {
        boolean critical = !notCritical.contains(s.name());
        criticalFailed |= critical;
        failed.add(new JsonObject().put("service", s.name()).put("error", s.error()).put("critical", critical));
      }
    }
    boolean running = host.lifetime().isReady();
    // A store that cannot be reached refuses every enqueue: not ready, so a load balancer sends work elsewhere.
    boolean storeOk = host.feature(WorkQueues.class).map(WorkQueues::storeAvailable).orElse(true);
    boolean servicesOk = !criticalFailed && storeOk;
    JsonObject body = new JsonObject().put("state", host.lifetime().state().label()).put("failed", failed);
    if (!storeOk) {
      body.put("store", "unavailable");
    }
    if (checks.isEmpty()) {
      return Future.succeededFuture(answer(running && servicesOk, body.put("checks", new JsonArray())));
    }
    return checks(vertx).checkStatus().map(result -> {
      JsonArray list = new JsonArray();
      boolean up = true;
      for (CheckResult c : result.getChecks()) {
        boolean ok = CheckResult.isUp(c);
        up &= ok;
        JsonObject json = new JsonObject().put("id", c.getId()).put("status", ok ? "UP" : "DOWN");
        if (c.getData() != null && !c.getData().isEmpty()) {
          json.put("data", c.getData());
        }
        if (c.getFailure() != null) {
          json.put("error", String.valueOf(c.getFailure().getMessage()));
        }
        list.add(json);
      }
      return answer(running && servicesOk && up, body.put("checks", list));
    });
  }

  private static Answer answer(boolean ready, JsonObject body) {
    JsonObject ordered = new JsonObject().put("status", ready ? "ready" : "not-ready").mergeIn(body);
    return new Answer(ready, ordered);
  }

  private synchronized HealthChecks checks(Vertx vertx) {
    if (health == null) {
      health = HealthChecks.create(vertx);
      for (Check c : checks) {
        health.register(c.name(), c.timeout().toMillis(), c.procedure());
      }
    }
    return health;
  }
}
