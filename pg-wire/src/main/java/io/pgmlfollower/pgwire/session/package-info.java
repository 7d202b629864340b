/**
 * One client connection from its first byte to its end ({@link
 * io.pgmlfollower.pgwire.session.ConnectionState}), and the session that routes its messages
 * between local statements and the upstream while keeping every reply in order.
 */
package io.pgmlfollower.pgwire.session;
