package io.berth.scope;

/** How long a registered service lives. */
enum Lifetime {
  /** One instance for the host, created on first use, closed by {@link ServiceRegistry#close()}. */
  SINGLETON,
  /** One instance per {@link Scope}, created on first use in that scope, closed with the scope. */
  SCOPED
}
