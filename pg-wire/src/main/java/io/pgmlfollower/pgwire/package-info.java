/**
 * A PostgreSQL wire-protocol (3.0) endpoint in front of an upstream PostgreSQL.
 *
 * <p>{@link io.pgmlfollower.pgwire.PgWireServer} accepts clients (psql, pgjdbc, psycopg,
 * node-postgres...), authenticates them itself ({@link io.pgmlfollower.pgwire.AuthMethod}), opens
 * one upstream connection per session as a configured role ({@link
 * io.pgmlfollower.pgwire.UpstreamOptions}), and routes every statement: those a {@link
 * io.pgmlfollower.pgwire.spi.SessionHandler} claims run in the server, the others are forwarded
 * unchanged. Packages:
 *
 * <ul>
 *   <li>{@code protocol}: framing, message codecs, ErrorResponse mapping, statement splitting
 *   <li>{@code types}: one codec per PostgreSQL type, text and binary; parameter decoding
 *   <li>{@code auth}: trust, password, md5 and SCRAM-SHA-256, server side
 *   <li>{@code upstream}: the sessions' upstream connections (client side of the protocol)
 *   <li>{@code session}: a connection's states and the ordered routing of its messages
 * </ul>
 *
 * Protocol reference: https://www.postgresql.org/docs/current/protocol.html
 */
package io.pgmlfollower.pgwire;
