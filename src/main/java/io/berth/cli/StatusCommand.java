package io.berth.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.concurrent.Callable;

/** {@code berth status}: the running host's services, from {@code GET /api/v1/services}. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Shows the services of a running host. Exit 0 on success, 1 when the server refuses or cannot be reached, 2 for a configuration error.")
final class StatusCommand implements Callable<Integer> {

  @Mixin
  AdminClient.Options client = new AdminClient.Options();

  @Option(names = "--json", description = "Print the server's JSON answer as it is.")
  boolean json;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    return AdminClient.exitCode(err, () -> {
      AdminClient admin = AdminClient.from(client);
      JsonObject body = admin.get("/api/v1/services").body();
      if (json) {
        out.println(body.encodePrettily());
      } else {
        print(out, admin.base(), body.getJsonArray("services", new JsonArray()));
      }
      out.flush();
      return BerthCommand.OK;
    });
  }

  private static void print(PrintWriter out, String base, JsonArray services) {
    out.println("Host at " + base + ": " + services.size() + " service(s)");
    out.printf("%-24s %-11s %-9s %-24s %s%n", "NAME", "KIND", "STATE", "STARTED", "ERROR");
    for (Object o : services) {
      JsonObject s = (JsonObject) o;
      // A key present with a null value (a service that never failed) prints blank, not "null".
      out.printf("%-24s %-11s %-9s %-24s %s%n", s.getString("name"), s.getString("kind"), s.getString("state"),
          time(s.getString("startedAt")), Objects.toString(s.getString("error"), ""));
    }
  }

  /** An ISO-8601 instant in milliseconds, always 24 characters wide; "-" for none. */
  static String time(String iso) {
    if (iso == null) {
      return "-";
    }
    try {
      return MILLIS.format(Instant.parse(iso));
    } catch (DateTimeParseException e) {
      return iso;
    }
  }

  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
}
