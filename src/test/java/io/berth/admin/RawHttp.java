package io.berth.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** Raw bytes over a socket, for requests no HTTP client would send. */
final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;

  RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(5000);
    out = socket.getOutputStream();
    in = socket.getInputStream();
  }

  /** Reads one response, or returns null when none arrives within {@code millis} (the server waits for more). */
  String readResponseOrNull(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      return readResponse();
    } catch (AssertionError e) {
      return null;
    }
  }

  RawHttp write(String text) throws IOException {
    return write(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttp write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Reads one response (head and a Content-Length or chunked body), or what arrived before the server closed. */
  String readResponse() throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      while (true) {
        String text = seen.toString(StandardCharsets.ISO_8859_1);
        if (complete(text)) {
          return text;
        }
        int n = in.read(buf);
        if (n < 0) {
          return text;
        }
        seen.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no complete response within 5s; got: " + seen.toString(StandardCharsets.ISO_8859_1));
    }
  }

  private static boolean complete(String text) {
    int head = text.indexOf("\r\n\r\n");
    if (head < 0) {
      return false;
    }
    String headers = text.substring(0, head).toLowerCase();
    int cl = headers.indexOf("content-length:");
    if (cl >= 0) {
      int end = headers.indexOf("\r\n", cl);
      int length = Integer.parseInt(headers.substring(cl + 15, end < 0 ? headers.length() : end).trim());
      return text.length() - head - 4 >= length;
    }
    if (headers.contains("transfer-encoding: chunked")) {
      return text.endsWith("0\r\n\r\n");
    }
    return true;
  }

  InputStream input() {
    return in;
  }

  static int status(String response) {
    return Integer.parseInt(response.substring(9, 12));
  }

  static String body(String response) {
    return response.substring(response.indexOf("\r\n\r\n") + 4);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
