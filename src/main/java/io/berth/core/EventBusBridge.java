package io.berth.core;

import io.berth.service.ApplicationLifetime;
import io.vertx.core.Vertx;

/**
 * Publishes lifetime and service events on the event bus ({@code berth.lifetime}, {@code berth.services}), where
 * verticles of this node (and, clustered, of every node) can consume them without knowing the host.
 */
final class EventBusBridge implements HostListener {

  private final Vertx vertx;

  EventBusBridge(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public boolean wants(String topic) {
    return topic.equals(LifetimeEvent.TOPIC) || topic.equals(ServiceEvent.TOPIC);
  }

  @Override
  public void onEvent(HostEvent event) {
    String address = event.topic().equals(LifetimeEvent.TOPIC) ? ApplicationLifetime.ADDRESS : HostCore.SERVICES_ADDRESS;
    vertx.eventBus().publish(address, event.toJson());
  }
}
