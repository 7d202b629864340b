package io.pgmlfollower.pgwire;

/**
 * How clients prove who they are, as in pg_hba.conf's auth-method column. See
 * https://www.postgresql.org/docs/current/auth-password.html
 */
public enum AuthMethod {
  /** Anyone who names a configured user gets in. */
  TRUST,
  /** AuthenticationCleartextPassword: the password travels in clear (use only with TLS). */
  PASSWORD,
  /** AuthenticationMD5Password: md5(md5(password + user) + salt). */
  MD5,
  /** SASL SCRAM-SHA-256 (RFC 5802 / RFC 7677), PostgreSQL's default since version 14. */
  SCRAM_SHA_256
}
