package io.berth.scope;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

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
  private final Map<Class<?>, Object> instances = new ConcurrentHashMap<>();
  private final List<Created> created = new ArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private volatile boolean closed;

  Scope(ServiceRegistry registry, String name) {
    this.registry = registry;
    this.name = name;
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
    ensureOpen();
    return registry.resolve(type, this, Chain.EMPTY);
  }

  /**
   * Closes the AutoCloseable scoped instances, newest first. Each close is isolated: a failure is logged once with the
   * scope name and service type, and the others still close. Idempotent.
   */
  @Override
  public void close() {
    List<Created> toClose;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      toClose = List.copyOf(created);
      created.clear();
      instances.clear();
    } finally {
      lock.unlock();
    }
    Created.closeInReverse(toClose, (type, e) ->
        log.warn("Scope '{}': failed to close scoped service '{}'", name, type.getName(), e));
  }

  @Override
  public String toString() {
    return "Scope[" + name + (closed ? ", closed]" : "]");
  }

  <T> T scoped(Registration<T> registration, Chain chain) {
    Class<T> type = registration.type();
    ensureOpen();
    Object existing = instances.get(type);
    if (existing != null) {
      return type.cast(existing);
    }
    lock.lock();
    try {
      ensureOpen();
      existing = instances.get(type);
      if (existing != null) {
        return type.cast(existing);
      }
      chain.checkNoCycle(type);
      Chain inner = chain.push(type);
      T instance = registration.create(new Resolver() {
        @Override
        public <D> D get(Class<D> dependency) {
          ensureOpen();
          return registry.resolve(dependency, Scope.this, inner);
        }
      });
      instances.put(type, instance);
      if (instance instanceof AutoCloseable closeable) {
        created.add(new Created(type, closeable));
      }
      return instance;
    } finally {
      lock.unlock();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("scope '" + name + "' is closed");
    }
  }
}
