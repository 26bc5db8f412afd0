package io.berth.service;

import java.util.ArrayList;
import java.util.List;

/**
 * Owns a {@link CancellationToken} and cancels it. A linked source is also cancelled when any of its parents is,
 * with the parent's reason, which is how an item's token follows both its timeout and the host's shutdown.
 */
public final class CancellationSource {

  private final CancellationToken token = new CancellationToken();
  private List<CancellationToken.Registration> links;

  /** A source that is cancelled only by {@link #cancel(String)}. */
  public CancellationSource() {
  }

  /** A source that is also cancelled when any of {@code parents} is. */
  public static CancellationSource linkedTo(CancellationToken... parents) {
    CancellationSource source = new CancellationSource();
    source.links = new ArrayList<>(parents.length);
    for (CancellationToken parent : parents) {
      source.links.add(parent.onCancel(() -> source.cancel(parent.reason())));
    }
    return source;
  }

  public CancellationToken token() {
    return token;
  }

  /** Requests cancellation; the first reason wins. Returns true when this call cancelled the token. */
  public boolean cancel(String reason) {
    return token.cancel(reason);
  }

  /** Detaches this source from its parents, so that a finished unit of work leaves nothing registered on them. */
  public void unlink() {
    if (links != null) {
      links.forEach(CancellationToken.Registration::close);
      links.clear();
    }
  }
}
