/**
 * The sessions' pinned connections to the upstream PostgreSQL: start-up and login as the upstream
 * role (SCRAM-SHA-256 through com.ongres.scram's client, md5 or cleartext), and cancel requests.
 */
package io.pgmlfollower.pgwire.upstream;
