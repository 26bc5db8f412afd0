package io.berth.admin;

import io.vertx.ext.web.Router;

/**
 * A small set of admin routes. {@link AdminServer} mounts each group on its router after the bearer check on
 * {@value AdminServer#API}; a group adds only its own routes (use {@link JsonBody#install} for a JSON body).
 */
interface RouteGroup {
  void mount(Router router);
}
