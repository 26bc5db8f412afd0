package io.berth.cli;

import io.berth.admin.HttpOptions;
import io.berth.metrics.MetricsModule;
import io.berth.config.ConfigException;
import io.berth.config.ConfigLoader;
import io.berth.config.ConfigReader;
import io.berth.host.Host;
import io.berth.core.HostStartException;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code java -jar berth.jar [--conf FILE]}: runs the default host until SIGTERM, Ctrl+C or the admin shutdown
 * route. Exit codes: 0 after a clean stop, 1 when a service failed, 2 for a configuration error.
 *
 * <p>Client subcommands talk to a running host's admin API: {@code berth status} and
 * {@code berth enqueue --queue Q --type T --payload JSON}; they exit 1 with the server's message when it refuses.
 */
@Command(name = "berth", mixinStandardHelpOptions = true, versionProvider = BerthCommand.Version.class,
    description = "Runs hosted services and background work on Vert.x.",
    subcommands = {StatusCommand.class, EnqueueCommand.class, CommandLine.HelpCommand.class})
public final class BerthCommand implements Callable<Integer> {

  static final int OK = 0;
  static final int FAILED = 1;
  static final int CONFIG_ERROR = 2;

  private static final Logger log = LoggerFactory.getLogger(BerthCommand.class);

  /** The file read when no {@code --conf} is given; without it, the host runs on the built-in defaults. */
  static final Path DEFAULT_CONF = Path.of("conf/config.json");

  @Option(names = "--conf", paramLabel = "FILE",
      description = "The JSON configuration file (default: conf/config.json when present, else built-in defaults).")
  Path conf;

  /** Vert.x, created on a thread of its own while the arguments are parsed, when they ask to run the host. */
  private CompletableFuture<Vertx> earlyVertx;
  /** Created first: Vert.x reports its HTTP server, event bus and pools to it only if it is created with it. */
  private final MetricsModule metrics = new MetricsModule();

  public static void main(String[] args) {
    BerthCommand command = new BerthCommand();
    if (runsTheHost(args)) {
      // Creating Vert.x takes a good part of the start-up; it needs nothing from the arguments, so it overlaps
      // with picocli and logging starting up on the other core.
      command.earlyVertx = CompletableFuture.supplyAsync(command::newVertx, r -> {
        Thread t = new Thread(r, "berth-vertx-init");
        t.setDaemon(true);
        t.start();
      });
    }
    Path conf = plainRun(args);
    int code;
    if (conf != null) {
      // The usual launch (no arguments, or only --conf FILE) runs the host without building picocli's model of
      // the commands: 176 classes and 0.3 s of CPU on a cold JVM, on the start's critical path. Anything else,
      // help and errors included, goes through picocli as before.
      command.conf = conf == NO_CONF ? null : conf;
      code = command.callAsPicocliWould();
    } else {
      code = new CommandLine(command).execute(args);
    }
    System.exit(code);
  }

  /** What {@link #plainRun} answers for a launch without {@code --conf}. */
  private static final Path NO_CONF = Path.of("");

  /**
   * The {@code --conf} file when {@code args} are exactly those of a plain run ({@code []}, {@code --conf FILE} or
   * {@code --conf=FILE}, FILE neither empty nor an option nor a picocli {@code @file}), {@link #NO_CONF} without
   * one; null for anything else.
   */
  static Path plainRun(String[] args) {
    String file;
    if (args.length == 0) {
      return NO_CONF;
    } else if (args.length == 1 && args[0].startsWith("--conf=")) {
      file = args[0].substring("--conf=".length());
    } else if (args.length == 2 && args[0].equals("--conf")) {
      file = args[1];
    } else {
      return null;
    }
    if (file.isEmpty() || file.startsWith("-") || file.startsWith("@")) {
      return null;
    }
    try {
      return Path.of(file);
    } catch (java.nio.file.InvalidPathException e) {
      return null;   // picocli says why
    }
  }

  /** {@link #call()} with picocli's handling of what escapes it: the stack trace on standard error, exit code 1. */
  private int callAsPicocliWould() {
    try {
      return call();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      e.printStackTrace();
      return FAILED;
    } catch (RuntimeException | Error e) {
      e.printStackTrace();
      return FAILED;
    }
  }

  private static boolean runsTheHost(String[] args) {
    for (String a : args) {
      if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")
          || a.equals("status") || a.equals("enqueue") || a.equals("help")) {
        return false;
      }
    }
    return true;
  }

  private Vertx newVertx() {
    return metrics.vertxBuilder(new VertxOptions().setMaxWorkerExecuteTime(120)
        .setMaxWorkerExecuteTimeUnit(TimeUnit.SECONDS)).build();
  }

  @Override
  public Integer call() throws InterruptedException {
    Vertx vertx = earlyVertx != null ? join(earlyVertx) : newVertx();
    Host host = null;
    HttpOptions http;
    String store;
    try {
      if (conf == null && Files.isRegularFile(DEFAULT_CONF)) {
        conf = DEFAULT_CONF;
      }
      ConfigReader config = conf == null ? ConfigLoader.defaults()
          : join(ConfigLoader.load(vertx, conf).toCompletionStage().toCompletableFuture());
      host = DefaultApp.build(vertx, config, metrics);
      if (host.vertx() != vertx) {
        vertx.close();   // a clustered host runs on a clustered Vert.x of its own
      }
      store = describeStore(config.section("store"));
      http = HttpOptions.from(config.section("http"));
      DefaultApp.rejectUnusedEnvironmentOverrides(config);
      // Before any service runs or any file is touched: a second host on a taken port changes nothing.
      http.preflight();
    } catch (IllegalStateException e) {
      if (e.getMessage() == null || !e.getMessage().startsWith("could not join")) {
        throw e;
      }
      System.err.println("berth: " + e.getMessage());
      vertx.close();
      return FAILED;
    } catch (ConfigException e) {
      // One line, on standard error only: the error is the launcher's answer, not a log event.
      System.err.println("berth: configuration error: " + e.getMessage());
      vertx.close();
      if (host != null && host.vertx() != vertx) {
        join(host.vertx().close().toCompletionStage().toCompletableFuture());   // leaves the cluster
      }
      return CONFIG_ERROR;
    }
    host.core().handleSignals();
    try {
      join(host.start().toCompletionStage().toCompletableFuture());
      banner(host, http, store);
    } catch (HostStartException e) {
      join(host.lifetime().stopped().toCompletionStage().toCompletableFuture());
      // A config problem found only at start (the port taken since the check): exit 2; the host logged it.
      return e.getCause() instanceof ConfigException ? CONFIG_ERROR
          : host.exitCode();   // 0 when a stop was requested during the start, 1 when a service failed
    }
    join(host.lifetime().stopped().toCompletionStage().toCompletableFuture());
    return host.exitCode();
  }

  /** The store as the banner names it: its type and, for PostgreSQL, where (never the credentials). */
  private static String describeStore(ConfigReader store) {
    String type = store.string("type", "sqlite");
    if (type.equalsIgnoreCase("postgres")) {
      // postgresql://user:secret@host:port/db?... → host:port/db
      String where = store.string("url", "").replaceFirst("^[a-z]+://", "").replaceFirst("^[^@/]*@", "")
          .replaceFirst("\\?.*$", "");
      return "postgres (" + where + ")";
    }
    if (type.equalsIgnoreCase("memory")) {
      return "memory (nothing survives a restart)";
    }
    return "sqlite (" + store.string("path", "data/berth.db") + ")";
  }

  private void banner(Host host, HttpOptions http, String store) {
    String services = host.services().stream()
        .map(s -> s.name() + " (" + s.kind().label() + ")")
        .collect(Collectors.joining(", "));
    String health = host.lifetime().httpAddress()
        .map(a -> "http://" + a.host() + ":" + a.port() + "/health/ready").orElse("(no HTTP server)");
    String admin = host.lifetime().httpAddress()
        .map(a -> "http://" + a.host() + ":" + a.port() + "/api/v1 (token " + http.tokenSource() + ")")
        .orElse("(no HTTP server)");
    String cluster = host.cluster()
        .map(c -> "'" + c.clusterName() + "', " + c.members().size() + " member(s): "
            + String.join(", ", c.members()))
        .orElse("(none: this node runs alone)");
    log.info("\n  Berth {} started (node {})\n  config:   {}\n  cluster:  {}\n  store:    {}\n  services: {}"
            + "\n  health:   {}\n  admin:    {}\n  stop:     Ctrl+C, SIGTERM or POST /api/v1/shutdown",
        Version.current(), host.lifetime().nodeId(), conf == null
            ? "built-in defaults (no " + DEFAULT_CONF + " here; pass --conf FILE to use one)"
            : conf.toAbsolutePath().normalize(), cluster, store, services, health, admin);
  }

  private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  /** The version from the jar's manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    static String current() {
      String v = BerthCommand.class.getPackage().getImplementationVersion();
      return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
      return new String[] {"Berth " + current(), "JVM " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
  }
}
