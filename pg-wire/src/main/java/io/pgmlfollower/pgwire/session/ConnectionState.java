package io.pgmlfollower.pgwire.session;

/**
 * Where a client connection is in the protocol's message flow
 * (https://www.postgresql.org/docs/current/protocol-flow.html):
 *
 * <pre>
 *  AWAITING_STARTUP ──SSLRequest, TLS configured──> 'S' ──> TLS_HANDSHAKE ──> AWAITING_STARTUP
 *         │  ├──────SSLRequest (no TLS) / GSSENCRequest──> 'N' ──> AWAITING_STARTUP
 *         │  └───────CancelRequest──> cancel the keyed session ──> CLOSED
 *         │
 *   StartupMessage (3.0 or 3.2; a newer minor or a _pq_ option gets NegotiateProtocolVersion)
 *         v
 *  AUTHENTICATING  <──PasswordMessage / SASLInitialResponse / SASLResponse──┐
 *         │   (AuthenticationCleartextPassword | MD5Password | SASL → SASLContinue → SASLFinal)
 *         │──wrong password / unknown user──> FATAL 28P01 ──> CLOSED
 *         │
 *   AuthenticationOk
 *         v
 *  CONNECTING_UPSTREAM ──upstream refuses──> its ErrorResponse ──> CLOSED
 *         │   (client bytes are held, not read, meanwhile)
 *         │
 *   upstream ParameterStatus*, own BackendKeyData, ReadyForQuery
 *         v
 *  READY  ──Query / Parse / Bind / Describe / Execute / Close / Sync / Flush / COPY data──> READY
 *         │
 *   Terminate, a malformed frame (08P01), either socket closing
 *         v
 *  CLOSED
 * </pre>
 */
public enum ConnectionState {
  AWAITING_STARTUP,
  /** 'S' was sent; the TLS handshake runs; nothing is read until it completes. */
  TLS_HANDSHAKE,
  AUTHENTICATING,
  CONNECTING_UPSTREAM,
  READY,
  CLOSED
}
