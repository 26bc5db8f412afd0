package io.berth.work;

import io.berth.core.HostModule;
import io.berth.core.ModuleContext;
import io.berth.core.ServiceKind;

import java.util.Map;

/** TEMPORARY bridge until the work-split branch lands its WorkModule. */
public final class WorkModule implements HostModule {

  private final WorkQueues.Builder builder = WorkQueues.builder();

  public WorkModule queue(QueueOptions options) {
    builder.queue(options);
    return this;
  }

  public WorkModule handler(String type, WorkHandler handler) {
    builder.handler(type, handler);
    return this;
  }

  public WorkModule handler(String queue, String type, WorkHandler handler) {
    builder.handler(queue, type, handler);
    return this;
  }

  public WorkModule asyncHandler(String type, AsyncWorkHandler handler) {
    builder.asyncHandler(type, handler);
    return this;
  }

  public WorkModule asyncHandler(String queue, String type, AsyncWorkHandler handler) {
    builder.asyncHandler(queue, type, handler);
    return this;
  }

  @Override
  public void register(ModuleContext context) {
    WorkQueues queues = builder.build(context.config().has("queues") ? context.config().section("queues") : null,
        context::host);
    context.provide(WorkQueues.class, queues);
    for (Map.Entry<String, io.berth.service.HostedService> e : queues.services().entrySet()) {
      context.service(e.getKey(), e.getKey().startsWith("queue:") ? ServiceKind.QUEUE : ServiceKind.HOSTED,
          ModuleContext.Placement.FIRST, e.getValue());
    }
  }
}
