package io.berth.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The dashboard at {@value #PATH}: three files from the jar, read once, served with a strict Content-Security-Policy
 * (no inline script, no request beyond this server). The page signs in with the admin token and reads
 * {@code /api/v1} like any client; the files themselves are public.
 */
final class Dashboard {

  static final String PATH = "/dashboard";
  private static final String RESOURCES = "io/berth/dashboard/";
  private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
      + " img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private record File(Buffer body, String type) {
  }

  private final Map<String, File> files = Map.of(
      "", new File(read("index.html"), "text/html; charset=utf-8"),
      "dashboard.js", new File(read("dashboard.js"), "text/javascript; charset=utf-8"),
      "dashboard.css", new File(read("dashboard.css"), "text/css; charset=utf-8"));

  void mount(Router router) {
    // The router treats /dashboard and /dashboard/ alike: both serve the page, whose links are absolute.
    router.get(PATH + "/:file?").handler(rc -> {
      String name = rc.pathParam("file");
      File file = files.get(name == null || name.equals("index.html") ? "" : name);
      if (file == null) {
        rc.next();   // a 404 in JSON, like any unknown path
        return;
      }
      rc.response()
          .putHeader("content-type", file.type())
          .putHeader("content-security-policy", CSP)
          .putHeader("x-frame-options", "DENY")
          .putHeader("referrer-policy", "no-referrer")
          .putHeader("cache-control", "no-cache")
          .end(file.body());
    });
  }

  private static Buffer read(String name) {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("the resource " + RESOURCES + name + " is missing from the jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
