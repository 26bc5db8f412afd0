package io.berth.core;

/** The kinds of hosted service; {@code QUEUE} is a work queue ({@code queue:<name>}), run on an event loop. */
public enum ServiceKind {
  HOSTED, BACKGROUND, TIMED, HTTP, QUEUE;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
