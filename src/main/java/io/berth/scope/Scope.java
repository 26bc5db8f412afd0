package io.berth.scope;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The services of one unit of work (a timed run, a work item, a fire-and-forget job). {@link #get} creates a scoped
 * service on first use and returns that same instance for the rest of the scope; singletons come from the registry.
 * Thread-safe, so work may hand its scope to another thread.
 * <p>
 * {@link #close()} closes the scoped instances; after that the scope resolves nothing, so work that kept a finished
 * unit's scope fails loudly instead of using disposed services.
 */
public final class Scope implements Resolver, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Scope.class);

  private final ServiceRegistry registry;
  private final String name;
  private final Instances instances;

  Scope(ServiceRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
    this.instances = new Instances("scope '" + name + "' is closed");
  }

  /** The name given to {@link ServiceRegistry#createScope(String)}. */
  public String name() {
    return name;
  }

  /**
   * Returns this scope's instance of a scoped {@code type}, or the registry's singleton.
   *
   * @throws IllegalStateException when the scope is closed ("scope 'name' is closed"); see also {@link Resolver#get}
   */
  @Override
  public <T> T get(Class<T> type) {
    instances.ensureOpen();
    return registry.resolve(type, this, Chain.EMPTY);
  }

  /**
   * Closes the AutoCloseable scoped instances, newest first. Each close is isolated: a failure is logged once with the
   * scope name and service type, and the others still close. Idempotent.
   */
  @Override
  public void close() {
    Created.closeInReverse(instances.closeAll(), (type, e) ->
        log.warn("Scope '{}': failed to close scoped service '{}'", name, type.getName(), e));
  }

  @Override
  public String toString() {
    return "Scope[" + name + (instances.closed() ? ", closed]" : "]");
  }

  <T> T scoped(Registration<T> registration, Chain chain) {
    return instances.get(registration, chain, inner -> new Resolver() {
      @Override
      public <D> D get(Class<D> dependency) {
        instances.ensureOpen();   // a factory that kept its resolver must not use it after the scope closed
        return registry.resolve(dependency, Scope.this, inner);
      }
    });
  }
}
