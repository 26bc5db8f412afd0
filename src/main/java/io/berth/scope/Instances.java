package io.berth.scope;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The instances of one lifetime (the registry's singletons, or one scope's scoped services): created once under a
 * lock, remembered in creation order when closeable, and closed newest first. Thread-safe.
 */
final class Instances {

  private final Map<Class<?>, Object> instances = new ConcurrentHashMap<>();
  /** One lock for all creations, so that two threads building A->B and B->A cannot deadlock. */
  private final ReentrantLock lock = new ReentrantLock();
  private final List<Created> created = new ArrayList<>();
  private final String closedMessage;
  private volatile boolean closed;

  Instances(String closedMessage) {
    this.closedMessage = closedMessage;
  }

  /** Adds an instance made by the caller: it is returned by {@link #get} but never closed here. */
  void putReadyMade(Class<?> type, Object instance) {
    instances.put(type, instance);
  }

  /**
   * The instance of {@code registration}'s type, created on first use with a resolver for its dependencies
   * ({@code dependencies} gets the chain that includes this type, for cycle detection).
   */
  <T> T get(Registration<T> registration, Chain chain, Function<Chain, Resolver> dependencies) {
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
      T instance = registration.create(dependencies.apply(chain.push(type)));
      instances.put(type, instance);
      if (instance instanceof AutoCloseable closeable) {
        created.add(new Created(type, closeable));
      }
      return instance;
    } finally {
      lock.unlock();
    }
  }

  /** Marks these instances closed and returns the closeable ones to close (empty when already closed). */
  List<Created> closeAll() {
    lock.lock();
    try {
      if (closed) {
        return List.of();
      }
      closed = true;
      List<Created> toClose = List.copyOf(created);
      created.clear();
      instances.clear();
      return toClose;
    } finally {
      lock.unlock();
    }
  }

  boolean closed() {
    return closed;
  }

  void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(closedMessage);
    }
  }
}
