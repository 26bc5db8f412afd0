package io.berth.admin;

import io.vertx.core.Future;

/**
 * Runs a timed service now, for {@code POST /api/v1/services/{name}/trigger}. The admin API has already checked that
 * the service exists and is timed. The future fails with an {@link ApiException} of status 409 (code
 * {@code already_running}) when the service is running and its overlap is not allowed.
 */
@FunctionalInterface
public interface ServiceTrigger {

  Future<Void> trigger(String service);

  /** Until timed services can be triggered: every trigger answers 501. */
  ServiceTrigger UNSUPPORTED = service -> Future.failedFuture(new ApiException(501, "not_implemented",
      "Triggering timed service '" + service + "' is not supported by this host."));
}
