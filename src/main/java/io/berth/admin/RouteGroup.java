package io.berth.admin;

/**
 * A small set of admin routes. {@link AdminServer} has each group bind its handlers to the operations of the
 * contract ({@code openapi.json}, by {@code operationId}); the router built from the contract checks the bearer token
 * first, then validates the request, then calls the handler. A group with a JSON body reads it with
 * {@link JsonBody#object}.
 */
interface RouteGroup {
  void bind(ApiContract.Operations api);
}
