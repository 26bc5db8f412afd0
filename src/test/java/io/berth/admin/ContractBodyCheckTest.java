package io.berth.admin;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The body check {@link ContractValidation.Check} never disagrees with vertx-json-schema's validator on the
 * contract's own schemas: when it says valid, the library says valid; when it says invalid, the library refuses.
 * The bodies are hand-picked edge cases and a few thousand random ones; and the bodies a client sends every day are
 * proved valid without the library (else the shortcut would be dead code).
 */
class ContractBodyCheckTest {

  static Vertx vertx;
  static OpenAPIContract contract;

  @BeforeAll
  static void load() throws Exception {
    vertx = Vertx.vertx();
    contract = ApiContract.compiled().get(2, java.util.concurrent.TimeUnit.MINUTES).contract();   // the router's own
  }

  @AfterAll
  static void close() throws Exception {
    AdminApiTest.sync(vertx.close());
  }

  private static JsonSchema bodySchema(String operationId) {
    Operation op = contract.operation(operationId);
    return op.getRequestBody().getContent().get(MediaType.APPLICATION_JSON).getSchema();
  }

  /** The check's verdict on {@code body}, asserted to agree with the library's; the verdict. */
  private static int agreed(ContractValidation.Check check, Validator library, Object body) {
    int verdict = check.test(body);
    boolean valid = library.validate(body).getValid();
    if (verdict == ContractValidation.Check.VALID) {
      assertThat(valid).as("the check proved %s valid, the library refuses it", body).isTrue();
    } else if (verdict == ContractValidation.Check.INVALID) {
      assertThat(valid).as("the check refused %s, the library accepts it", body).isFalse();
    }
    return verdict;
  }

  @Test
  void theEverydayBodiesAreProvedValidAndTheCheckNeverContradictsTheLibrary() {
    JsonSchema schema = bodySchema("enqueue");
    ContractValidation.Check check = ContractValidation.Check.of(schema);
    Validator library = contract.getSchemaRepository().validator(schema);
    for (String body : new String[] {"{\"type\":\"noop\",\"payload\":{}}", "{\"type\":\"log\"}",
        "{\"type\":\"x\",\"delay\":5}", "{\"type\":\"x\",\"delay\":0,\"key\":\"k\"}",
        "{\"type\":\"x\",\"delay\":\"30s\",\"payload\":{\"a\":[1,2,{\"b\":null}]}}", "{\"type\":\"x\",\"delay\":5.0}"}) {
      assertThat(agreed(check, library, new JsonObject(body))).as(body).isEqualTo(ContractValidation.Check.VALID);
    }
    for (String body : new String[] {"{}", "{\"type\":\"\"}", "{\"type\":5}", "{\"type\":null}",
        "{\"type\":\"x\",\"payload\":[]}", "{\"type\":\"x\",\"payload\":\"p\"}", "{\"type\":\"x\",\"extra\":1}",
        "{\"type\":\"x\",\"delay\":-1}", "{\"type\":\"x\",\"delay\":1.5}", "{\"type\":\"x\",\"delay\":true}",
        "{\"type\":\"x\",\"key\":\"\"}", "{\"type\":\"x\",\"key\":\"" + "k".repeat(201) + "\"}",
        "{\"type\":\"x\",\"runAt\":5}", "{\"type\":\"x\",\"delay\":null}"}) {
      assertThat(agreed(check, library, new JsonObject(body))).as(body).isEqualTo(ContractValidation.Check.INVALID);
    }
    // A string with a format is the library's to judge, either way.
    assertThat(agreed(check, library, new JsonObject("{\"type\":\"x\",\"runAt\":\"2026-01-01T00:00:00Z\"}")))
        .isEqualTo(ContractValidation.Check.UNSURE);
    assertThat(agreed(check, library, new JsonObject("{\"type\":\"x\",\"runAt\":\"tomorrow\"}")))
        .isEqualTo(ContractValidation.Check.UNSURE);
    // Surrogate pairs count as one character, as the library counts them.
    String emoji = "\uD83D\uDE00";
    agreed(check, library, new JsonObject().put("type", "x").put("key", emoji.repeat(200)));
    agreed(check, library, new JsonObject().put("type", "x").put("key", emoji.repeat(101)));
  }

  @Test
  void randomBodiesGetTheLibrarysVerdictWheneverTheCheckGivesOne() {
    JsonSchema schema = bodySchema("enqueue");
    ContractValidation.Check fresh = ContractValidation.Check.of(schema);
    Validator library = contract.getSchemaRepository().validator(schema);
    Random random = new Random(16);
    String[] keys = {"type", "payload", "runAt", "delay", "key", "other", "Type"};
    List<Object> values = new ArrayList<>(List.of("", "x", "noop", "30s", "2026-01-01T00:00:00Z", "k".repeat(200),
        "k".repeat(201), 0, -1, 1, Integer.MAX_VALUE, Long.MIN_VALUE, 1.5, 2.0, -0.0, true, false,
        new BigDecimal("3"), new BigInteger("99999999999999999999"), new JsonObject(), new JsonObject().put("a", 1),
        new JsonArray(), new JsonArray().add(1)));
    values.add(null);
    int proved = 0;
    for (int n = 0; n < 4000; n++) {
      JsonObject body = new JsonObject();
      int fields = random.nextInt(5);
      for (int f = 0; f < fields; f++) {
        body.put(keys[random.nextInt(keys.length)], values.get(random.nextInt(values.size())));
      }
      // Compiled before and after the library wrapped the schema's parts in place: the same verdicts.
      int verdict = agreed(fresh, library, body);
      assertThat(agreed(ContractValidation.Check.of(schema), library, body)).isEqualTo(verdict);
      if (verdict == ContractValidation.Check.VALID) {
        proved++;
      }
    }
    assertThat(proved).as("bodies proved valid without the library").isGreaterThan(20);
  }

  @Test
  void aKeywordOutsideTheSubsetLeavesTheVerdictToTheLibraryWhereverItApplies() {
    String[][] cases = {{"{\"type\":\"string\",\"pattern\":\"^a\"}", "\"a\""}, {"{\"$ref\":\"#/x\"}", "1"},
        {"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\",\"exclusiveMinimum\":true,"
            + "\"minimum\":0}}}", "{\"a\":1}"},
        {"{\"type\":\"integer\",\"format\":\"int32\"}", "1"}, {"{\"enum\":[\"a\"]}", "\"a\""},
        {"{\"type\":\"object\",\"nullable\":true}", "{}"},
        {"{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\",\"pattern\":\"b\"}}",
            "{\"x\":\"b\"}"},
        {"{\"oneOf\":[{\"type\":\"string\"},{\"enum\":[1]}]}", "\"s\""}};
    for (String[] c : cases) {
      ContractValidation.Check check = ContractValidation.Check.of(JsonSchema.of(new JsonObject(c[0])));
      Object value = io.vertx.core.json.Json.decodeValue(c[1]);
      assertThat(check.test(value)).as("%s on %s", c[0], c[1]).isEqualTo(ContractValidation.Check.UNSURE);
    }
    // Where the unknown keyword does not apply, the rest is still judged: a missing property, a wrong type.
    ContractValidation.Check partly = ContractValidation.Check.of(JsonSchema.of(new JsonObject(cases[2][0])));
    assertThat(partly.test(new JsonObject())).isEqualTo(ContractValidation.Check.VALID);
    assertThat(partly.test("a")).isEqualTo(ContractValidation.Check.INVALID);
  }

  @Test
  void aWordIsWhatTheLibrarysTransformerLeavesAsItIs() {
    for (String s : new String[] {"default", "q_1", "Q9", "", "1.5", "a-b", "a b", "é", "a.b", "\u0660", "_", "x\n"}) {
      assertThat(ContractValidation.isWord(s)).as("'%s'", s).isEqualTo(s.matches("\\w+"));
    }
  }
}
