package io.berth.host;

/** The kinds of hosted service. */
public enum ServiceKind {
  HOSTED, BACKGROUND, TIMED, HTTP;

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
