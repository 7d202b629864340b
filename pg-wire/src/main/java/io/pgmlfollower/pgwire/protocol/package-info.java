/**
 * The frontend/backend protocol's bytes: cutting frames, decoding frontend messages, encoding
 * backend messages, the single exception-to-ErrorResponse mapping, and splitting simple queries
 * into statements. No sockets here: everything is testable on buffers.
 */
package io.pgmlfollower.pgwire.protocol;
