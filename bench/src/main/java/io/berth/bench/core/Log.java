package io.berth.bench.core;

/** Progress goes to stderr so that stdout carries only the results table. */
public final class Log {
  private Log() {}

  public static void progress(String fmt, Object... args) {
    System.err.println("[bench] " + String.format(fmt, args));
  }
}
