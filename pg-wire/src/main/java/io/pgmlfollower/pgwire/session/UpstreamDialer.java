package io.pgmlfollower.pgwire.session;

import io.pgmlfollower.pgwire.upstream.UpstreamConnection;
import io.vertx.core.Future;
import java.util.Map;

/** Opens sessions' upstream connections and cancels what they run. */
public interface UpstreamDialer {
  Future<UpstreamConnection> connect(String database, Map<String, String> clientParameters);

  void cancel(int processId, int secretKey);
}
