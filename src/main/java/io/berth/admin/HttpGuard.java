package io.berth.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

/**
 * A Netty handler in front of Vert.x's on each HTTP/1.x connection, for what Vert.x would answer badly: an
 * unsupported HTTP version (Vert.x: 501 with an empty body) gets 400 {@code unsupported_http_version} with a JSON
 * body (a client's mistake, never a 5xx); a body Netty cannot decode
 * (a bad chunk size) gets 400 with a JSON body, or a plain close when an answer has begun. Either way the connection
 * closes, nothing reaches the router, and one DEBUG line is logged: a client's mistake never logs an error.
 */
final class HttpGuard extends ChannelDuplexHandler {

  private static final Logger log = LoggerFactory.getLogger(HttpGuard.class);

  /** Vert.x's own handler in the pipeline, which this one goes in front of. */
  private static final String VERTX_HANDLER = "handler";

  private boolean answering;
  private boolean rejected;

  /** Puts a guard in front of {@code connection}'s Vert.x handler; returns false when it cannot (HTTP/2, a change in Vert.x). */
  static boolean install(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return false;
    }
    var pipeline = base.channel().pipeline();
    if (pipeline.get(VERTX_HANDLER) == null || pipeline.get("httpDecoder") == null) {
      return false;
    }
    pipeline.addBefore(VERTX_HANDLER, "berthHttpGuard", new HttpGuard());
    return true;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()
        && request.protocolVersion() != HttpVersion.HTTP_1_1 && request.protocolVersion() != HttpVersion.HTTP_1_0) {
      log.debug("Request from {} refused: HTTP version {} is not supported", ctx.channel().remoteAddress(),
          request.protocolVersion());
      reject(ctx, msg, HttpResponseStatus.BAD_REQUEST, "unsupported_http_version",
          "HTTP version " + AdminServer.abbreviate(request.protocolVersion().text()) + " is not supported; use HTTP/1.1.");
      return;
    }
    if (msg instanceof HttpContent content && !(msg instanceof HttpRequest) && content.decoderResult().isFailure()) {
      log.debug("Request body from {} is not valid HTTP: {}", ctx.channel().remoteAddress(),
          content.decoderResult().cause().toString());
      reject(ctx, msg, HttpResponseStatus.BAD_REQUEST, "bad_request",
          "The request body is not valid HTTP (a malformed chunk).");
      return;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (msg instanceof HttpResponse) {
      answering = true;
    }
    if (msg instanceof LastHttpContent) {
      answering = false;
    }
    super.write(ctx, msg, promise);
  }

  private void reject(ChannelHandlerContext ctx, Object msg, HttpResponseStatus status, String code, String message) {
    ReferenceCountUtil.release(msg);
    rejected = true;
    if (answering) {
      ctx.close();
      return;
    }
    byte[] body = new JsonObject().put("error", code).put("message", message).encode().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CONNECTION, "close")
        .set("x-content-type-options", "nosniff");
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }
}
