package io.berth.work;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The one validation of a client's item: a code and the offending field, for the bus and the admin API to map. */
class WorkItemsTest {

  private static WorkException refusal(Object body) {
    return catchThrowableOfType(() -> WorkItems.parse(body), WorkException.class);
  }

  @Test
  void aValidItemHasItsTypeAndAPayloadEmptyWhenNoneWasSent() {
    WorkItems.Request full = WorkItems.parse(new JsonObject().put("type", "log").put("payload",
        new JsonObject().put("m", 1)));
    WorkItems.Request bare = WorkItems.parse(new JsonObject().put("type", "log"));
    WorkItems.Request nullPayload = WorkItems.parse(new JsonObject().put("type", "log").putNull("payload"));

    assertThat(full).isEqualTo(new WorkItems.Request("log", new JsonObject().put("m", 1)));
    assertThat(bare.payload()).isEqualTo(new JsonObject());
    assertThat(nullPayload.payload()).isEqualTo(new JsonObject());
  }

  @Test
  void eachRefusalNamesItsCodeAndField() {
    WorkException notObject = refusal("log");
    WorkException noType = refusal(new JsonObject().put("payload", new JsonObject()));
    WorkException blankType = refusal(new JsonObject().put("type", "  "));
    WorkException numberType = refusal(new JsonObject().put("type", 42));
    WorkException badPayload = refusal(new JsonObject().put("type", "log").put("payload", "x"));
    WorkException extra = refusal(new JsonObject().put("type", "log").put("payload", new JsonObject())
        .put("runAt", 1));
    WorkException extraNoPayload = refusal(new JsonObject().put("type", "log").put("extra", 1));

    assertThat(notObject.code()).isEqualTo(WorkException.INVALID_ITEM);
    assertThat(notObject.field()).isNull();
    assertThat(notObject.getMessage()).isEqualTo("a work item must be a JSON object with a 'type', not String");
    assertThat(refusal(null).getMessage()).endsWith("not null");
    for (WorkException e : new WorkException[] {noType, blankType, numberType}) {
      assertThat(e.code()).isEqualTo(WorkException.UNKNOWN_TYPE);
      assertThat(e.field()).isEqualTo(WorkItems.TYPE);
    }
    assertThat(badPayload.code()).isEqualTo(WorkException.INVALID_ITEM);
    assertThat(badPayload.field()).isEqualTo(WorkItems.PAYLOAD);
    assertThat(badPayload.getMessage()).isEqualTo("the item's 'payload' must be a JSON object");
    assertThat(extra.code()).isEqualTo(WorkException.INVALID_ITEM);
    assertThat(extra.field()).isEqualTo("runAt");
    assertThat(extraNoPayload.field()).isEqualTo("extra");
  }

  @Test
  void theTypeIsCheckedBeforeThePayloadAndThePayloadBeforeOtherFields() {
    assertThat(refusal(new JsonObject().put("payload", 1).put("x", 1)).field()).isEqualTo(WorkItems.TYPE);
    assertThat(refusal(new JsonObject().put("type", "t").put("payload", 1).put("x", 1)).field())
        .isEqualTo(WorkItems.PAYLOAD);
  }
}
