package io.berth.scope;

/**
 * Hands out registered services. The {@link ServiceRegistry} itself is the root resolver (singletons only); a
 * {@link Scope} resolves scoped services too. Factories receive a resolver so they can ask for their dependencies.
 */
public interface Resolver {

  /**
   * Returns the instance of {@code type} for this resolver, creating it on first use.
   *
   * @throws IllegalArgumentException when no service is registered for {@code type}
   * @throws IllegalStateException when the service cannot be resolved here: a scoped service asked for from the root
   *     or from a singleton, a circular dependency, or a closed scope or registry
   */
  <T> T get(Class<T> type);
}
