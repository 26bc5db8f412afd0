package io.berth.admin;

import io.berth.config.ConfigException;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The admin API's bearer token check. The token comes from {@code http.token}; without one, a random 256-bit token
 * is generated and written to {@code http.tokenFile}, readable by its owner only.
 */
final class AdminAuth implements Handler<RoutingContext> {

  private static final Logger log = LoggerFactory.getLogger(AdminAuth.class);
  private static final String PREFIX = "Bearer ";

  private final byte[] token;

  AdminAuth(String token) {
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The configured token, or a new random one (not yet written: see {@link #writeTokenFile}). Never logs the token.
   */
  static String resolveToken(HttpOptions options) {
    options.validate("http.token");
    if (options.token() != null) {
      log.info("Admin API token: configured (http.token / BERTH_HTTP_TOKEN)");
      return options.token();
    }
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  /**
   * Writes a generated {@code token} to {@code http.tokenFile}; the server calls it only once it has bound its port,
   * so that a second host on a taken port never replaces the token of the running one. Blocking (file IO).
   *
   * @throws ConfigException naming {@code http.tokenFile} when the file cannot be written; nothing is left behind
   */
  static void writeTokenFile(HttpOptions options, String token) {
    Path file = options.tokenFile().toAbsolutePath().normalize();
    options.checkTokenFile();
    try {
      writeOwnerOnly(file, token);
    } catch (IOException e) {
      throw new ConfigException("http.tokenFile", file + " cannot be written: " + e);
    }
    log.info("Admin API token: generated and written to {} (owner-only)", file);
  }

  /**
   * Writes {@code text} to {@code file} through a temporary file that never had wider permissions than 600 and is
   * removed when the write fails.
   */
  static void writeOwnerOnly(Path file, String text) throws IOException {
    Path dir = file.getParent();
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    Files.createDirectories(dir);
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    try {
      if (posix) {
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        try {
          Files.createFile(tmp, PosixFilePermissions.asFileAttribute(ownerOnly));
        } catch (FileAlreadyExistsException e) {
          throw new IOException("could not create " + tmp + " exclusively", e);
        }
        // The umask may have narrowed the mode further; set it exactly.
        Files.setPosixFilePermissions(tmp, ownerOnly);
      } else {
        Files.createFile(tmp);
      }
      Files.writeString(tmp, text + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @Override
  public void handle(RoutingContext rc) {
    String header = rc.request().getHeader("Authorization");
    if (header == null) {
      deny(rc, "The Authorization header is missing; send 'Authorization: Bearer <token>'.");
      return;
    }
    if (header.length() < PREFIX.length() || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      deny(rc, "The Authorization header must use the Bearer scheme.");
      return;
    }
    byte[] given = header.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8);
    // Constant-time: the comparison takes as long whatever prefix of the token a guess gets right.
    if (!MessageDigest.isEqual(given, token)) {
      deny(rc, "The Bearer token is not valid.");
      return;
    }
    rc.next();
  }

  private static void deny(RoutingContext rc, String message) {
    rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"berth\"");
    Errors.send(rc, 401, "unauthorized", message);
  }
}
