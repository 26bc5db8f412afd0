package io.berth.scope;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScopeTest {

  static final class Clock {
  }

  static final class UnitOfWork {
    final Clock clock;

    UnitOfWork(Clock clock) {
      this.clock = clock;
    }
  }

  interface Connection extends AutoCloseable {
    @Override
    void close();
  }

  interface Transaction extends AutoCloseable {
    @Override
    void close();
  }

  interface Cache extends AutoCloseable {
    @Override
    void close();
  }

  private final List<String> closed = new CopyOnWriteArrayList<>();

  @Test
  void sameInstanceWithinAScopeAndDifferentAcrossScopes() {
    ServiceRegistry registry = ServiceRegistry.builder()
        .singleton(Clock.class, r -> new Clock())
        .scoped(UnitOfWork.class, r -> new UnitOfWork(r.get(Clock.class)))
        .build();

    try (Scope first = registry.createScope("timed:ticker#1"); Scope second = registry.createScope("timed:ticker#2")) {
      UnitOfWork inFirst = first.get(UnitOfWork.class);

      assertThat(first.get(UnitOfWork.class)).isSameAs(inFirst);
      assertThat(second.get(UnitOfWork.class)).isNotSameAs(inFirst);
      assertThat(second.get(UnitOfWork.class).clock).isSameAs(inFirst.clock).isSameAs(registry.get(Clock.class));
      assertThat(first.get(Clock.class)).isSameAs(second.get(Clock.class));
    }
  }

  @Test
  void scopedInstancesCloseInReverseCreationOrderAndSingletonsStayOpen() {
    ServiceRegistry registry = ServiceRegistry.builder()
        .singleton(Cache.class, r -> () -> closed.add("cache"))
        .scoped(Connection.class, r -> () -> closed.add("connection"))
        .scoped(Transaction.class, r -> {
          r.get(Connection.class);
          r.get(Cache.class);
          return () -> closed.add("transaction");
        })
        .build();
    Scope scope = registry.createScope("work:default/item-1");
    scope.get(Transaction.class);

    scope.close();
    scope.close();

    assertThat(closed).containsExactly("transaction", "connection");
    registry.close();
    assertThat(closed).containsExactly("transaction", "connection", "cache");
  }

  @Test
  void failingCloseIsLoggedOnceAndDoesNotStopTheOthers() {
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(Connection.class, r -> () -> closed.add("connection"))
        .scoped(Transaction.class, r -> {
          r.get(Connection.class);
          return () -> {
            throw new IllegalStateException("rollback failed");
          };
        })
        .scoped(Cache.class, r -> {
          r.get(Transaction.class);
          return () -> closed.add("cache");
        })
        .build();
    Scope scope = registry.createScope("work:default/item-2");
    scope.get(Cache.class);
    ListAppender<ILoggingEvent> logs = captureLogs();

    try {
      scope.close();
    } finally {
      ((Logger) LoggerFactory.getLogger(Scope.class)).detachAppender(logs);
    }

    assertThat(closed).containsExactly("cache", "connection");
    assertThat(logs.list).singleElement().satisfies(event -> {
      assertThat(event.getFormattedMessage())
          .contains("work:default/item-2")
          .contains(Transaction.class.getName());
      assertThat(event.getThrowableProxy().getMessage()).isEqualTo("rollback failed");
    });
  }

  @Test
  void getAfterCloseFailsLoudly() {
    ServiceRegistry registry = ServiceRegistry.builder()
        .singleton(Clock.class, r -> new Clock())
        .scoped(UnitOfWork.class, r -> new UnitOfWork(r.get(Clock.class)))
        .build();
    Scope scope = registry.createScope("work:default/async-boom");
    scope.get(UnitOfWork.class);

    scope.close();

    assertThatThrownBy(() -> scope.get(UnitOfWork.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("scope 'work:default/async-boom' is closed");
    assertThatThrownBy(() -> scope.get(Clock.class)).hasMessage("scope 'work:default/async-boom' is closed");
  }

  @Test
  void resolverKeptByAScopedFactoryIsRefusedAfterClose() {
    Resolver[] kept = new Resolver[1];
    ServiceRegistry registry = ServiceRegistry.builder()
        .singleton(Clock.class, r -> new Clock())
        .scoped(UnitOfWork.class, r -> {
          kept[0] = r;
          return new UnitOfWork(null);
        })
        .build();
    Scope scope = registry.createScope("fire:job-7");
    scope.get(UnitOfWork.class);
    assertThat(kept[0].get(Clock.class)).isNotNull();

    scope.close();

    assertThatThrownBy(() -> kept[0].get(Clock.class)).hasMessage("scope 'fire:job-7' is closed");
  }

  @Test
  void scopeMayBeUsedFromAnotherThreadAndCreatesOnePerScope() throws Exception {
    AtomicInteger created = new AtomicInteger();
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(UnitOfWork.class, r -> {
          created.incrementAndGet();
          return new UnitOfWork(null);
        })
        .build();

    try (Scope scope = registry.createScope("work:default/item-3")) {
      List<CompletableFuture<UnitOfWork>> results = new CopyOnWriteArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(CompletableFuture.supplyAsync(() -> scope.get(UnitOfWork.class)));
      }
      UnitOfWork first = results.get(0).get(10, TimeUnit.SECONDS);
      for (CompletableFuture<UnitOfWork> result : results) {
        assertThat(result.get(10, TimeUnit.SECONDS)).isSameAs(first);
      }
    }
    assertThat(created).hasValue(1);
  }

  private static ListAppender<ILoggingEvent> captureLogs() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(Scope.class)).addAppender(appender);
    return appender;
  }
}
