package io.berth.scope;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A small service registry with two lifetimes, in the spirit of the .NET host's service provider (no reflection, no
 * injection: factories ask a {@link Resolver} for what they need).
 * <ul>
 *   <li><b>singleton</b>: one instance for the host, created lazily on first {@link #get}, exactly once even when
 *   many threads ask at the same time, and closed by {@link #close()};</li>
 *   <li><b>scoped</b>: one instance per {@link Scope} (a timed run, a work item, a fire-and-forget job), closed with
 *   the scope.</li>
 * </ul>
 * The registry is the root resolver: it hands out singletons and refuses scoped services ("scope validation"), also
 * when a singleton's factory asks for one, because a singleton must not capture a scoped instance. Circular
 * dependencies fail with the cycle in the message. Thread-safe.
 */
public final class ServiceRegistry implements Resolver, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServiceRegistry.class);

  private final Map<Class<?>, Registration<?>> registrations;
  private final Instances singletons = new Instances("service registry is closed");

  private ServiceRegistry(Builder builder) {
    this.registrations = Map.copyOf(builder.registrations);
    builder.instances.forEach(singletons::putReadyMade);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Returns the singleton registered for {@code type}; see {@link Resolver#get} for the failures. */
  @Override
  public <T> T get(Class<T> type) {
    return resolve(type, null, Chain.EMPTY);
  }

  /** True when {@code type} is registered (as a singleton, a ready-made instance or a scoped service). */
  public boolean has(Class<?> type) {
    return registrations.containsKey(type);
  }

  /**
   * Opens a scope for one unit of work. {@code name} identifies it in log lines, e.g. {@code "timed:ticker#12"} or
   * {@code "work:default/item-id"}. The caller closes it when the work ends.
   *
   * @throws IllegalStateException when the registry is closed
   */
  public Scope createScope(String name) {
    ensureOpen();
    return new Scope(this, Objects.requireNonNull(name, "name"));
  }

  /**
   * Closes the AutoCloseable singletons this registry created, newest first. Each close is isolated: a failure is
   * logged with the service type and the others still close. Instances registered ready-made with
   * {@link Builder#singletonInstance(Class, Object)} belong to the caller and are not closed. Idempotent; afterwards
   * {@link #get} and {@link #createScope} fail.
   */
  @Override
  public void close() {
    Created.closeInReverse(singletons.closeAll(),
        (type, e) -> log.warn("Failed to close singleton service '{}'", type.getName(), e));
  }

  /** Resolves {@code type} for {@code scope} (null: the root) while the services in {@code chain} are being built. */
  <T> T resolve(Class<T> type, Scope scope, Chain chain) {
    Objects.requireNonNull(type, "type");
    ensureOpen();
    Registration<T> registration = registration(type);
    if (registration.lifetime() == Lifetime.SINGLETON) {
      return singleton(registration, chain);
    }
    if (scope == null) {
      throw scopedFromRoot(type, chain);
    }
    return scope.scoped(registration, chain);
  }

  private <T> T singleton(Registration<T> registration, Chain chain) {
    return singletons.get(registration, chain, inner -> new Resolver() {
      @Override
      public <D> D get(Class<D> dependency) {
        return resolve(dependency, null, inner);
      }
    });
  }

  @SuppressWarnings("unchecked")
  private <T> Registration<T> registration(Class<T> type) {
    Registration<?> registration = registrations.get(type);
    if (registration == null) {
      throw new IllegalArgumentException("No service registered for type '" + type.getName() + "'");
    }
    return (Registration<T>) registration;
  }

  private static IllegalStateException scopedFromRoot(Class<?> type, Chain chain) {
    if (chain.isEmpty()) {
      return new IllegalStateException("Cannot resolve scoped service '" + type.getName()
          + "' from the root provider: scoped services live in a scope (a timed run, a work item or a"
          + " fire-and-forget job); use scope.get(...) there");
    }
    String singleton = chain.current().getName();
    return new IllegalStateException("Cannot resolve scoped service '" + type.getName() + "' from singleton '"
        + singleton + "' (" + chain.describe(type) + "): a singleton lives for the host and must not capture a"
        + " scoped service; register '" + singleton + "' as scoped, or resolve '" + type.getName()
        + "' from a scope when it is needed");
  }

  private void ensureOpen() {
    singletons.ensureOpen();
  }

  /** Collects registrations; each type may be registered once. */
  public static final class Builder {

    private final Map<Class<?>, Registration<?>> registrations = new LinkedHashMap<>();
    private final Map<Class<?>, Object> instances = new LinkedHashMap<>();

    private Builder() {
    }

    /** Registers a singleton built by {@code factory} on first use. */
    public <T> Builder singleton(Class<T> type, Function<Resolver, ? extends T> factory) {
      return add(new Registration<>(type, Lifetime.SINGLETON, Objects.requireNonNull(factory, "factory")));
    }

    /**
     * Registers a ready-made singleton. The caller owns it: {@link ServiceRegistry#close()} does not close it.
     * (Not an overload of {@code singleton}: with a lambda argument, Java could not choose between the two.)
     */
    public <T> Builder singletonInstance(Class<T> type, T instance) {
      T checked = type.cast(Objects.requireNonNull(instance, "instance"));
      add(new Registration<>(type, Lifetime.SINGLETON, resolver -> checked));
      instances.put(type, checked);
      return this;
    }

    /** Registers a scoped service built by {@code factory} on first use in each {@link Scope}. */
    public <T> Builder scoped(Class<T> type, Function<Resolver, ? extends T> factory) {
      return add(new Registration<>(type, Lifetime.SCOPED, Objects.requireNonNull(factory, "factory")));
    }

    public ServiceRegistry build() {
      return new ServiceRegistry(this);
    }

    private Builder add(Registration<?> registration) {
      Class<?> type = Objects.requireNonNull(registration.type(), "type");
      if (registrations.containsKey(type)) {
        throw new IllegalArgumentException("Service type '" + type.getName() + "' is already registered (as "
            + registrations.get(type).lifetime().name().toLowerCase(java.util.Locale.ROOT) + ")");
      }
      registrations.put(type, registration);
      return this;
    }
  }
}
