/**
 * What an application plugs into the protocol server.
 *
 * <p>The server speaks the PostgreSQL frontend/backend protocol to clients and keeps, per client
 * session, a pinned connection to an <em>upstream</em> PostgreSQL. For every statement text the
 * server asks the session's {@link io.pgmlfollower.pgwire.spi.SessionHandler} whether it answers
 * the statement itself ({@link io.pgmlfollower.pgwire.spi.LocalStatement}); everything else goes to
 * the upstream unchanged, byte for byte, so that catalog queries, prepared statements, cursors and
 * types behave exactly as on PostgreSQL. The server knows nothing of what local statements mean.
 */
package io.pgmlfollower.pgwire.spi;
