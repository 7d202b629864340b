/**
 * Server-side client authentication: trust, cleartext password, md5 and SCRAM-SHA-256 (RFC 5802 /
 * RFC 7677 over PostgreSQL's SASL messages, with com.ongres.scram primitives). See
 * https://www.postgresql.org/docs/current/sasl-authentication.html
 */
package io.pgmlfollower.pgwire.auth;
