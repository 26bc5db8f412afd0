package io.berth.scope;

/**
 * The services being created on behalf of one {@code get} call, innermost last: {@code A -> B} means A's factory is
 * asking for B. Immutable, so a resolver handed to a factory keeps its own path.
 */
final class Chain {

  static final Chain EMPTY = new Chain(null, null);

  private final Class<?> type;
  private final Chain parent;

  private Chain(Class<?> type, Chain parent) {
    this.type = type;
    this.parent = parent;
  }

  Chain push(Class<?> next) {
    return new Chain(next, this);
  }

  boolean isEmpty() {
    return type == null;
  }

  /** The service whose factory is running, or null at the top. */
  Class<?> current() {
    return type;
  }

  /** Fails when creating {@code next} would need {@code next} itself. */
  void checkNoCycle(Class<?> next) {
    for (Chain c = this; !c.isEmpty(); c = c.parent) {
      if (c.type == next) {
        throw new IllegalStateException("Circular dependency between services: " + describe(next));
      }
    }
  }

  /** "A -> B -> next", with fully qualified names. */
  String describe(Class<?> next) {
    StringBuilder path = new StringBuilder(next.getName());
    for (Chain c = this; !c.isEmpty(); c = c.parent) {
      path.insert(0, c.type.getName() + " -> ");
    }
    return path.toString();
  }
}
