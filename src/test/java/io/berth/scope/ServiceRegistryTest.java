package io.berth.scope;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceRegistryTest {

  static final class Clock {
  }

  static final class Repository {
    final Clock clock;

    Repository(Clock clock) {
      this.clock = clock;
    }
  }

  static final class RequestContext {
  }

  static final class A {
  }

  static final class B {
  }

  static final class C {
  }

  /** Records its name in {@code log} when closed. */
  record Closing(String name, List<String> log) implements AutoCloseable {
    @Override
    public void close() {
      log.add(name);
    }
  }

  @Test
  void singletonIsCreatedLazilyOnceAndWiredFromItsDependencies() {
    AtomicInteger created = new AtomicInteger();
    ServiceRegistry registry = ServiceRegistry.builder()
        .singleton(Clock.class, r -> {
          created.incrementAndGet();
          return new Clock();
        })
        .singleton(Repository.class, r -> new Repository(r.get(Clock.class)))
        .build();

    assertThat(created).hasValue(0);
    Repository repository = registry.get(Repository.class);

    assertThat(registry.get(Repository.class)).isSameAs(repository);
    assertThat(repository.clock).isSameAs(registry.get(Clock.class));
    assertThat(created).hasValue(1);
  }

  @Test
  void readyMadeSingletonIsReturnedAndNotClosedByTheRegistry() {
    List<String> closed = new ArrayList<>();
    Closing instance = new Closing("given", closed);
    ServiceRegistry registry = ServiceRegistry.builder().singletonInstance(Closing.class, instance).build();

    assertThat(registry.get(Closing.class)).isSameAs(instance);
    registry.close();

    assertThat(closed).isEmpty();
  }

  @Test
  void duplicateRegistrationNamesTheType() {
    ServiceRegistry.Builder builder = ServiceRegistry.builder().singleton(Clock.class, r -> new Clock());

    assertThatThrownBy(() -> builder.scoped(Clock.class, r -> new Clock()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + Clock.class.getName() + "'")
        .hasMessageContaining("already registered");
  }

  @Test
  void unknownTypeFails() {
    ServiceRegistry registry = ServiceRegistry.builder().build();

    assertThatThrownBy(() -> registry.get(Clock.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("No service registered for type '" + Clock.class.getName() + "'");
  }

  @Test
  void scopedServiceFromRootFailsWithScopeValidationMessage() {
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(RequestContext.class, r -> new RequestContext())
        .build();

    assertThatThrownBy(() -> registry.get(RequestContext.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot resolve scoped service '" + RequestContext.class.getName() + "' from the root provider:"
            + " scoped services live in a scope (a timed run, a work item or a fire-and-forget job);"
            + " use scope.get(...) there");
  }

  @Test
  void singletonDependingOnScopedFailsEvenWhenAskedFromAScope() {
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(RequestContext.class, r -> new RequestContext())
        .singleton(Repository.class, r -> {
          r.get(RequestContext.class);
          return new Repository(null);
        })
        .build();

    try (Scope scope = registry.createScope("work:default/1")) {
      assertThatThrownBy(() -> scope.get(Repository.class))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("Cannot resolve scoped service '" + RequestContext.class.getName()
              + "' from singleton '" + Repository.class.getName() + "'")
          .hasMessageContaining("must not capture a scoped service");
    }
    assertThatThrownBy(() -> registry.get(Repository.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("Cannot resolve scoped service");
  }

  @Test
  void circularDependencyIsReportedWithTheCycle() {
    ServiceRegistry registry = ServiceRegistry.builder()
        .singleton(A.class, r -> {
          r.get(B.class);
          return new A();
        })
        .singleton(B.class, r -> {
          r.get(C.class);
          return new B();
        })
        .singleton(C.class, r -> {
          r.get(A.class);
          return new C();
        })
        .build();

    assertThatThrownBy(() -> registry.get(A.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Circular dependency between services: "
            + A.class.getName() + " -> " + B.class.getName() + " -> " + C.class.getName() + " -> "
            + A.class.getName());
  }

  @Test
  void selfDependencyIsACycle() {
    ServiceRegistry registry = ServiceRegistry.builder()
        .scoped(A.class, r -> {
          r.get(A.class);
          return new A();
        })
        .build();

    try (Scope scope = registry.createScope("s")) {
      assertThatThrownBy(() -> scope.get(A.class))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(A.class.getName() + " -> " + A.class.getName());
    }
  }

  @Test
  void concurrentFirstAccessCreatesTheSingletonOnce() throws Exception {
    int threads = 16;
    AtomicInteger created = new AtomicInteger();
    CountDownLatch allAsking = new CountDownLatch(threads);
    ServiceRegistry registry = ServiceRegistry.builder()
        .singleton(Clock.class, r -> {
          created.incrementAndGet();
          awaitQuietly(allAsking); // keep the first creation open until every thread has asked
          return new Clock();
        })
        .build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Clock>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          allAsking.countDown();
          return registry.get(Clock.class);
        }));
      }
      Clock first = results.get(0).get(10, TimeUnit.SECONDS);
      for (Future<Clock> result : results) {
        assertThat(result.get(10, TimeUnit.SECONDS)).isSameAs(first);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(created).hasValue(1);
  }

  @Test
  void failedFactoryIsRetriedOnNextGet() {
    AtomicInteger attempts = new AtomicInteger();
    ServiceRegistry registry = ServiceRegistry.builder()
        .singleton(Clock.class, r -> {
          if (attempts.incrementAndGet() == 1) {
            throw new IllegalStateException("not yet");
          }
          return new Clock();
        })
        .build();

    assertThatThrownBy(() -> registry.get(Clock.class)).hasMessage("not yet");
    assertThat(registry.get(Clock.class)).isNotNull();
  }

  @Test
  void closeClosesSingletonsInReverseCreationOrderIsolatedAndOnce() {
    List<String> closed = new CopyOnWriteArrayList<>();
    ServiceRegistry registry = ServiceRegistry.builder()
        .singleton(Closing.class, r -> new Closing("base", closed))
        .singleton(AutoCloseable.class, r -> {
          r.get(Closing.class);
          return () -> {
            closed.add("failing");
            throw new IllegalStateException("boom");
          };
        })
        .singleton(Repository.class, r -> new Repository(null))
        .build();
    registry.get(AutoCloseable.class); // creates base, then the failing one
    registry.get(Repository.class); // not closeable: ignored

    registry.close();
    registry.close();

    assertThat(closed).containsExactly("failing", "base");
    assertThatThrownBy(() -> registry.get(Closing.class))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("service registry is closed");
    assertThatThrownBy(() -> registry.createScope("late")).isInstanceOf(IllegalStateException.class);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
