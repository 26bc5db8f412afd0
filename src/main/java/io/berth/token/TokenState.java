package io.berth.token;

/** Where a token stands, as the admin API shows it. */
public enum TokenState {
  /** An unexpired token is held and its next refresh is scheduled. */
  VALID("valid"),
  /**
   * A fetch is under way or waiting for its retry, while an unexpired token is still served (or the first fetch
   * is still within its start timeout).
   */
  REFRESHING("refreshing"),
  /** No unexpired token is held: {@link Tokens#current} fails until a fetch succeeds. */
  UNAVAILABLE("unavailable");

  private final String label;

  TokenState(String label) {
    this.label = label;
  }

  /** The lower-case name used in JSON. */
  public String label() {
    return label;
  }
}
