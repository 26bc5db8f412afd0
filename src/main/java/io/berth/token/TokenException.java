package io.berth.token;

/**
 * Why a token operation failed, with a short {@link #code()} for HTTP error bodies: {@code unknown_token} (no token
 * of that name: 404), {@code token_unavailable} (no unexpired token), {@code refresh_failed} (the upstream refused
 * or could not be reached), {@code token_stopped} (the refresher stopped). Messages never contain a secret.
 */
public final class TokenException extends RuntimeException {

  public static final String UNKNOWN_TOKEN = "unknown_token";
  public static final String UNAVAILABLE = "token_unavailable";
  public static final String REFRESH_FAILED = "refresh_failed";
  public static final String STOPPED = "token_stopped";

  private final String code;
  private final String token;

  TokenException(String code, String token, String message) {
    super(message, null, false, false);
    this.code = code;
    this.token = token;
  }

  public String code() {
    return code;
  }

  /** The token's name. */
  public String token() {
    return token;
  }
}
