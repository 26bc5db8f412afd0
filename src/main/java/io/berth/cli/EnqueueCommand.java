package io.berth.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code berth enqueue}: posts one work item to {@code POST /api/v1/queues/{queue}/items}. */
@Command(name = "enqueue", mixinStandardHelpOptions = true,
    description = "Enqueues one work item on a running host and prints its id. Exit 0 on success, 1 when the server refuses or cannot be reached, 2 for bad arguments or configuration.")
final class EnqueueCommand implements Callable<Integer> {

  @Mixin
  AdminClient.Options client = new AdminClient.Options();

  @Option(names = "--queue", paramLabel = "NAME", description = "The queue (default: ${DEFAULT-VALUE}).")
  String queue = "default";

  @Option(names = "--type", paramLabel = "TYPE", required = true, description = "The item type, naming its handler.")
  String type;

  @Option(names = "--payload", paramLabel = "JSON", description = "The payload, a JSON object (default: {}).")
  String payload = "{}";

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    return AdminClient.exitCode(err, () -> {
      JsonObject body;
      try {
        body = new JsonObject().put("type", type).put("payload", new JsonObject(payload));
      } catch (DecodeException | ClassCastException e) {
        err.println("berth: --payload must be a JSON object, such as '{\"ms\":100}'");
        return BerthCommand.CONFIG_ERROR;
      }
      AdminClient admin = AdminClient.from(client);
      String path = "/api/v1/queues/" + URLEncoder.encode(queue, StandardCharsets.UTF_8).replace("+", "%20") + "/items";
      JsonObject answer = admin.postJson(path, body).body();
      out.println("queued " + answer.getString("id") + " on " + answer.getString("queue", queue)
          + " (" + answer.getString("status", "queued") + ")");
      out.flush();
      return BerthCommand.OK;
    });
  }
}
