package io.berth.scope;

import java.util.function.Function;

/** What the registry knows about one service type. */
record Registration<T>(Class<T> type, Lifetime lifetime, Function<Resolver, ? extends T> factory) {

  /** Runs the factory, checking that it kept its promise. */
  T create(Resolver resolver) {
    T instance = factory.apply(resolver);
    if (instance == null) {
      throw new IllegalStateException("Factory for service '" + type.getName() + "' returned null");
    }
    return type.cast(instance);
  }
}
