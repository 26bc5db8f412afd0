package io.berth.admin;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.RequestUtils;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatableRequest;
import io.vertx.openapi.validation.ValidatorException;
import io.vertx.json.schema.OutputUnit;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin API's contract, {@code openapi.json}, enforced: the routes of its operations are built by vertx-openapi's
 * {@link RouterBuilder}; each request is validated against the document ({@link ContractValidation}: parameters and
 * body) before the operation's handler runs, and {@link #toApi} turns the library's validation errors into Berth's
 * {@code {"error","message"}} answers, naming the field.
 *
 * <p>An operation marked {@value #OUTSIDE} stays hand-built and is left out of the router's copy of the document: the
 * event stream, whose {@code text/event-stream} the library does not support. The served document keeps it.
 */
final class ApiContract {

  /** The extension that marks an operation the server routes by hand; its value says why. */
  static final String OUTSIDE = "x-berth-outside-router";

  /**
   * The field-specific codes the API promised before the contract was enforced; any other invalid field answers
   * {@code bad_request}. Body fields of an item and query parameters share one namespace: no name is in both.
   */
  private static final Map<String, String> CODES = Map.of(
      "type", "invalid_type", "payload", "invalid_payload", "delay", "invalid_delay", "runAt", "invalid_run_at",
      "key", "invalid_key", "limit", "invalid_limit", "state", "invalid_state");

  private static final Pattern PARAMETER = Pattern.compile("(query|path|header|cookie) parameter (\\S+?)[ .]");
  private static final Pattern REQUIRED = Pattern.compile("required property \"([^\"]*)\"");
  private static final Pattern PROPERTY = Pattern.compile("^#/properties/([^/]+)");
  private static final Pattern INSTANCE = Pattern.compile("^#/([^/]+)");

  /**
   * Hands the validator the body the route's {@link JsonBody} check already read within {@code http.maxBodySize}
   * (the library would otherwise buffer it whole, unbounded), with the content type that check already accepted, in
   * its canonical spelling (the library matches media types case-sensitively).
   */
  static final RequestExtractor EXTRACTOR = (rc, operation) ->
      RequestUtils.extract(rc.request(), operation, () -> Future.succeededFuture(rc.body().buffer()))
          .map(request -> operation.getRequestBody() == null ? request : new JsonRequest(request));

  private ApiContract() {
  }

  /** The served document and the router's contract compiled from it. */
  record Compiled(Buffer served, OpenAPIContract contract) {
  }

  /** The compile every host of this process shares: the document is the jar's own, so its contract is one. */
  private static CompletableFuture<Compiled> shared;

  /**
   * The served document and its compiled contract, compiled once per process and begun by the first call (the admin
   * module's registration), so that it overlaps the host's build and its other services' start instead of adding
   * its 1-2 s of CPU on a cold JVM to the time to ready. It runs on a Vert.x instance of its own (one worker thread,
   * closed when done), never on the host's: a host whose start fails closes its Vert.x while the compile may still
   * run, and the library's next step on a closed worker pool would be logged as a stack trace. A failed compile is
   * not kept: the next call compiles again.
   */
  static synchronized CompletableFuture<Compiled> compiled() {
    if (shared == null || shared.isCompletedExceptionally()) {
      shared = compileApart();
    }
    return shared;
  }

  private static CompletableFuture<Compiled> compileApart() {
    CompletableFuture<Compiled> result = new CompletableFuture<>();
    Vertx own;
    try {
      own = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
          .setInternalBlockingPoolSize(1));
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return result;
    }
    own.executeBlocking(AdminServer::readOpenApi)
        .compose(served -> load(own, served).map(contract -> new Compiled(served, contract)))
        .onComplete(ar -> {
          own.close();
          if (ar.succeeded()) {
            result.complete(ar.result());
          } else {
            result.completeExceptionally(ar.cause());
          }
        });
    return result;
  }

  /**
   * Loads the document for the router: {@code served} without the operations marked {@value #OUTSIDE}. The library
   * compiles the contract on the context it is called from, for a second or more, so it runs in a short-lived
   * worker verticle: never on an event loop.
   */
  private static Future<OpenAPIContract> load(Vertx vertx, Buffer served) {
    JsonObject document = routed(new JsonObject(served));
    AtomicReference<OpenAPIContract> loaded = new AtomicReference<>();
    return vertx.deployVerticle(new VerticleBase() {
          @Override
          public Future<?> start() {
            return OpenAPIContract.from(vertx, document).onSuccess(loaded::set);
          }
        }, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER))
        .compose(id -> vertx.undeploy(id))
        .map(v -> loaded.get());
  }

  /**
   * The router's copy of {@code document}: without the operations marked {@value #OUTSIDE} (and paths left empty),
   * and reduced to what the router and the request validation read, because the library validates the whole
   * document against the OpenAPI meta-schema and resolves every reference on each compile (0.05-0.1 s less CPU on a
   * cold JVM without the rest): each operation keeps its id, parameters, request body and security as written; its
   * responses keep their status codes with an empty description and no content (the router never validates an
   * answer); summaries, descriptions and the components no kept part refers to are left out. The served document is
   * the full one.
   */
  static JsonObject routed(JsonObject document) {
    JsonObject copy = document.copy();
    JsonObject info = copy.getJsonObject("info");
    if (info != null) {
      info.remove("description");
    }
    JsonObject paths = copy.getJsonObject("paths");
    for (String path : Set.copyOf(paths.fieldNames())) {
      JsonObject item = paths.getJsonObject(path);
      item.remove("summary");
      item.remove("description");
      for (String method : Set.copyOf(item.fieldNames())) {
        if (item.getValue(method) instanceof JsonObject op) {
          if (op.containsKey(OUTSIDE)) {
            item.remove(method);
          } else if (op.getValue("responses") instanceof JsonObject responses) {
            trimOperation(op, responses);
          }
        }
      }
      if (item.fieldNames().stream().noneMatch(k -> item.getValue(k) instanceof JsonObject o
          && o.containsKey("responses"))) {
        paths.remove(path);
      }
    }
    JsonObject components = copy.getJsonObject("components");
    if (components != null) {
      copy.put("components", referenced(copy, components));
    }
    return copy;
  }

  private static void trimOperation(JsonObject op, JsonObject responses) {
    op.remove("summary");
    op.remove("description");
    op.remove("externalDocs");
    JsonObject bare = new JsonObject();
    for (String status : responses.fieldNames()) {
      bare.put(status, new JsonObject().put("description", ""));
    }
    op.put("responses", bare);
  }

  /**
   * The parts of {@code components} that the document outside them refers to, directly or through other components
   * ({@code securitySchemes} are kept whole: the security requirements name them without a reference).
   */
  private static JsonObject referenced(JsonObject document, JsonObject components) {
    JsonObject kept = new JsonObject();
    if (components.containsKey("securitySchemes")) {
      kept.put("securitySchemes", components.getValue("securitySchemes"));
    }
    java.util.Deque<Object> pending = new java.util.ArrayDeque<>();
    for (String key : document.fieldNames()) {
      if (!key.equals("components")) {
        pending.add(document.getValue(key));
      }
    }
    String prefix = "#/components/";
    while (!pending.isEmpty()) {
      Object node = pending.pop();
      if (node instanceof JsonObject o) {
        if (o.getValue("$ref") instanceof String ref && ref.startsWith(prefix)) {
          String[] parts = ref.substring(prefix.length()).split("/", 2);
          JsonObject section = components.getJsonObject(parts[0]);
          if (parts.length == 2 && section != null && section.containsKey(parts[1])) {
            JsonObject keptSection = kept.getJsonObject(parts[0]);
            if (keptSection == null) {
              keptSection = new JsonObject();
              kept.put(parts[0], keptSection);
            }
            if (!keptSection.containsKey(parts[1])) {
              keptSection.put(parts[1], section.getValue(parts[1]));
              pending.add(section.getValue(parts[1]));
            }
          }
        }
        o.forEach(e -> pending.add(e.getValue()));
      } else if (node instanceof io.vertx.core.json.JsonArray a) {
        a.forEach(pending::add);
      }
    }
    return kept;
  }

  /** Where a {@link RouteGroup} binds its handlers to the contract's operations. */
  interface Operations {
    /**
     * Binds {@code handler} to operation {@code operationId}; it runs once the request passed the contract.
     *
     * @throws IllegalStateException when the contract has no such operation
     */
    void on(String operationId, Handler<RoutingContext> handler);
  }

  /**
   * Builds the router of the contract's operations: {@code bind} binds every operation (else this fails: code and
   * contract must not drift apart), and each operation with a request body gets {@code body}'s content-type and size
   * check, ahead of the validation, so that no body is buffered past the limit. Authentication is not the
   * router's: the caller puts its own check in front of every route under the API's base path.
   */
  static Router router(Vertx vertx, OpenAPIContract contract, JsonBody body, Handler<Operations> bind) {
    // The contract is shared by the hosts of a process (see compiled()), and building a validator annotates the
    // schemas it starts from the first time: two hosts starting at once build their routers one after the other.
    synchronized (contract) {
      return build(vertx, contract, body, bind);
    }
  }

  private static Router build(Vertx vertx, OpenAPIContract contract, JsonBody body, Handler<Operations> bind) {
    RouterBuilder builder = RouterBuilder.create(vertx, contract, EXTRACTOR);
    bind.handle((operationId, handler) -> {
      OpenAPIRoute route = builder.getRoute(operationId);
      if (route == null) {
        throw new IllegalStateException("the contract openapi.json has no operation '" + operationId + "'");
      }
      // The library's own validation step is replaced by ContractValidation, which does the same with its parts.
      route.setDoSecurity(false).setDoValidation(false)
          .addHandler(new ContractValidation(contract, route.getOperation())).addHandler(handler);
    });
    Set<String> unbound = new TreeSet<>();
    for (OpenAPIRoute route : builder.getRoutes()) {
      if (route.getHandlers().isEmpty()) {
        unbound.add(route.getOperation().getOperationId());
      }
    }
    if (!unbound.isEmpty()) {
      throw new IllegalStateException("operations of openapi.json without a handler: " + unbound);
    }
    Router router = builder.createRouter();
    for (Operation operation : contract.operations()) {
      if (operation.getRequestBody() != null) {
        // Ordered before the contract's routes, which the builder created first.
        body.install(router.route(operation.getHttpMethod(), vertxPath(operation.getOpenAPIPath())).order(-10))
            .handler(JsonBody::parse);
      }
    }
    return router;
  }

  static String vertxPath(String openApiPath) {
    return openApiPath.replaceAll("\\{(.*?)}", ":$1");
  }

  /**
   * The validation error in {@code failure} (thrown by the validator, or wrapped by the router in a 400
   * {@link HttpException}) as the API's answer, or null when {@code failure} is none.
   */
  static ApiException toApi(Throwable failure) {
    Throwable f = failure;
    if (f instanceof HttpException http && http.getCause() instanceof ValidatorException) {
      f = http.getCause();
    }
    if (!(f instanceof ValidatorException e)) {
      return null;
    }
    String message = String.valueOf(e.getMessage());
    Matcher parameter = PARAMETER.matcher(message + " ");
    if (parameter.find()) {
      String name = parameter.group(2);
      String reason = message.contains("Reason: ") ? message.substring(message.indexOf("Reason: ") + 8) : null;
      return new ApiException(400, CODES.getOrDefault(name, "bad_request"), "The " + parameter.group(1)
          + " parameter '" + AdminServer.abbreviate(name) + "' "
          + (reason == null ? "is missing or malformed." : "is not valid: " + Errors.sentence(lower(reason))));
    }
    if (e instanceof SchemaValidationException s && s.getOutputUnit() != null) {
      return body(s.getOutputUnit());
    }
    return new ApiException(400, "bad_request", Errors.sentence(AdminServer.abbreviate(message)));
  }

  /** A body the schema refused, named after the first field at fault. */
  private static ApiException body(OutputUnit unit) {
    List<OutputUnit> errors = unit.getErrors() == null || unit.getErrors().isEmpty() ? List.of(unit) : unit.getErrors();
    for (OutputUnit error : errors) {
      Matcher required = REQUIRED.matcher(String.valueOf(error.getError()));
      if (required.find()) {
        String field = required.group(1);
        return new ApiException(400, CODES.getOrDefault(field, "bad_request"), "The field '"
            + AdminServer.abbreviate(field) + "' is missing.");
      }
    }
    // The most specific error under a declared property names the field; an error only under additionalProperties
    // names a field the schema does not have keyword: under a oneOf, "-5 is less than 0" rather than "oneOf did not match").
    OutputUnit declared = null;
    String field = null;
    for (OutputUnit error : errors) {
      String keyword = String.valueOf(error.getKeywordLocation());
      Matcher m = PROPERTY.matcher(keyword);
      if (m.find() && (field == null || field.equals(m.group(1)))
          && (declared == null || keyword.length() > declared.getKeywordLocation().length())) {
        field = m.group(1);
        declared = error;
      }
    }
    if (declared != null) {
      return new ApiException(400, CODES.getOrDefault(field, "bad_request"), "The field '"
          + AdminServer.abbreviate(field) + "' is not valid: " + Errors.sentence(lower(declared.getError())));
    }
    for (OutputUnit error : errors) {
      Matcher m = INSTANCE.matcher(String.valueOf(error.getInstanceLocation()));
      if (m.find() && String.valueOf(error.getKeywordLocation()).endsWith("additionalProperties")) {
        return new ApiException(400, "unknown_field", "The field '" + AdminServer.abbreviate(m.group(1))
            + "' is not allowed here.");
      }
    }
    OutputUnit last = errors.get(errors.size() - 1);
    if (String.valueOf(last.getKeywordLocation()).equals("#/type")) {
      return new ApiException(400, "body_not_object", "The request body is not valid: "
          + Errors.sentence(lower(last.getError())));
    }
    return new ApiException(400, "bad_request", "The request body is not valid: "
        + Errors.sentence(lower(last.getError())));
  }

  private static String lower(String s) {
    return s == null || s.isEmpty() ? "it does not match the contract" : Character.toLowerCase(s.charAt(0)) + s.substring(1);
  }

  /** A validatable request whose content type is the canonical {@code application/json}. */
  private record JsonRequest(ValidatableRequest request) implements ValidatableRequest {
    @Override
    public String getContentType() {
      return "application/json";
    }

    @Override
    public Map<String, RequestParameter> getCookies() {
      return request.getCookies();
    }

    @Override
    public Map<String, RequestParameter> getPathParameters() {
      return request.getPathParameters();
    }

    @Override
    public Map<String, RequestParameter> getQuery() {
      return request.getQuery();
    }

    @Override
    public Map<String, RequestParameter> getHeaders() {
      return request.getHeaders();
    }

    @Override
    public RequestParameter getBody() {
      return request.getBody();
    }
  }
}
