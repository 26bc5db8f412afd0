package io.berth.admin;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import io.vertx.openapi.contract.SecurityRequirement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The router's trimmed copy of openapi.json ({@link ApiContract#routed}) checks requests exactly as the full,
 * served document does: for every routed operation, the same parameters with their schemas, the same request body
 * schemas, the same security, compared on the two contracts as the library compiled them (references resolved).
 */
class RoutedContractTest {

  private static Vertx vertx;
  private static JsonObject full;
  private static JsonObject trimmed;
  private static OpenAPIContract fullContract;
  private static OpenAPIContract trimmedContract;

  @BeforeAll
  static void compileBoth() throws Exception {
    vertx = Vertx.vertx();
    full = new JsonObject(AdminServer.readOpenApi());
    trimmed = ApiContract.routed(full);
    fullContract = AdminApiTest.sync(OpenAPIContract.from(vertx, full.copy()));
    trimmedContract = AdminApiTest.sync(OpenAPIContract.from(vertx, trimmed.copy()));
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  @Test
  void theRoutedOperationsAreTheServedOnesNotMarkedOutside() {
    Set<String> expected = new TreeSet<>();
    JsonObject paths = full.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (item.getValue(method) instanceof JsonObject op && !op.containsKey(ApiContract.OUTSIDE)) {
          expected.add(op.getString("operationId"));
        }
      }
    }
    assertThat(expected).hasSizeGreaterThan(10);
    assertThat(trimmedContract.operations().stream().map(Operation::getOperationId).collect(Collectors.toSet()))
        .isEqualTo(expected);
  }

  @Test
  void everyOperationChecksItsRequestAsTheFullContractDoes() {
    for (Operation routed : trimmedContract.operations()) {
      String id = routed.getOperationId();
      Operation served = fullContract.operation(id);
      assertThat(served).as(id).isNotNull();
      assertThat(routed.getHttpMethod()).as(id).isEqualTo(served.getHttpMethod());
      assertThat(routed.getAbsoluteOpenAPIPath()).as(id).isEqualTo(served.getAbsoluteOpenAPIPath());
      assertThat(models(routed.getParameters())).as("parameters of %s", id).isEqualTo(models(served.getParameters()));
      for (int i = 0; i < served.getParameters().size(); i++) {
        Parameter a = routed.getParameters().get(i);
        Parameter b = served.getParameters().get(i);
        assertThat(List.of(a.getName(), a.getIn(), a.isRequired(), a.getStyle(), a.isExplode(), a.getSchemaType()))
            .as("parameter %s of %s", b.getName(), id)
            .isEqualTo(List.of(b.getName(), b.getIn(), b.isRequired(), b.getStyle(), b.isExplode(), b.getSchemaType()));
      }
      if (served.getRequestBody() == null) {
        assertThat(routed.getRequestBody()).as("request body of %s", id).isNull();
      } else {
        assertThat(routed.getRequestBody().getOpenAPIModel()).as("request body of %s", id)
            .isEqualTo(served.getRequestBody().getOpenAPIModel());
        assertThat(routed.getRequestBody().isRequired()).isEqualTo(served.getRequestBody().isRequired());
        assertThat(routed.getRequestBody().getContent().keySet()).as("media types of %s", id)
            .isEqualTo(served.getRequestBody().getContent().keySet());
      }
      assertThat(security(routed.getSecurityRequirements())).as("security of %s", id)
          .isEqualTo(security(served.getSecurityRequirements()));
    }
    assertThat(security(trimmedContract.getSecurityRequirements()))
        .isEqualTo(security(fullContract.getSecurityRequirements())).isNotEmpty();
    assertThat(trimmedContract.securityScheme("bearer").getOpenAPIModel())
        .isEqualTo(fullContract.securityScheme("bearer").getOpenAPIModel());
    assertThat(trimmed.getValue("servers")).isEqualTo(full.getValue("servers"));
  }

  @Test
  void theRoutedCopyLeavesOutWhatOnlyDocumentsAnswers() {
    JsonObject item = trimmed.getJsonObject("paths").getJsonObject("/api/v1/queues/{queue}/items");
    JsonObject post = item.getJsonObject("post");
    assertThat(post.containsKey("summary")).isFalse();
    assertThat(post.getJsonObject("responses").getJsonObject("202")).isEqualTo(new JsonObject().put("description", ""));
    // The body's schema is kept (the request refers to it); the answers' schemas are not.
    assertThat(trimmed.getJsonObject("components").getJsonObject("schemas").fieldNames()).contains("NewItem")
        .doesNotContain("ItemDetail");
    assertThat(trimmed.encode().length()).isLessThan(full.encode().length() / 2);
    // The served document is untouched.
    assertThat(full).isEqualTo(new JsonObject(AdminServer.readOpenApi()));
  }

  private static List<JsonObject> models(List<Parameter> parameters) {
    return parameters.stream().map(Parameter::getOpenAPIModel).collect(Collectors.toList());
  }

  private static JsonArray security(List<SecurityRequirement> requirements) {
    return new JsonArray(requirements.stream().map(SecurityRequirement::getOpenAPIModel).collect(Collectors.toList()));
  }
}
