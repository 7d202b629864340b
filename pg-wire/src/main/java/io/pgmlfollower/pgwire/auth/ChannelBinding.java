package io.pgmlfollower.pgwire.auth;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code tls-server-end-point} channel binding data of the server's certificate (RFC 5929
 * section 4.1): the certificate's DER bytes hashed with the hash of its signature algorithm, or
 * with SHA-256 when that is MD5 or SHA-1. SCRAM-SHA-256-PLUS binds a login to the TLS session with
 * it, so a man in the middle holding another certificate cannot relay the exchange. PostgreSQL
 * computes the same (be_tls_get_certificate_hash in be-secure-openssl.c).
 */
public final class ChannelBinding {
  public static final String TYPE = "tls-server-end-point";

  private ChannelBinding() {}

  /**
   * The binding data of the first certificate in a PEM file, or empty when its signature algorithm
   * has no hash to use (e.g. Ed25519): SCRAM-SHA-256-PLUS is then not offered, as PostgreSQL does.
   */
  public static Optional<byte[]> tlsServerEndPoint(Path certificatePem) throws IOException {
    try (InputStream in = Files.newInputStream(certificatePem)) {
      X509Certificate certificate =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      return tlsServerEndPoint(certificate);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the certificate " + certificatePem + ": " + e, e);
    }
  }

  static Optional<byte[]> tlsServerEndPoint(X509Certificate certificate)
      throws GeneralSecurityException {
    String algorithm = certificate.getSigAlgName().toUpperCase(Locale.ROOT);
    String hash;
    if (algorithm.startsWith("SHA512") || algorithm.contains("WITHSHA512")) {
      hash = "SHA-512";
    } else if (algorithm.startsWith("SHA384") || algorithm.contains("WITHSHA384")) {
      hash = "SHA-384";
    } else if (algorithm.startsWith("SHA224")) {
      hash = "SHA-224";
    } else if (algorithm.startsWith("SHA256")
        || algorithm.startsWith("SHA1")
        || algorithm.startsWith("MD5")
        || algorithm.contains("WITHSHA256")) {
      hash = "SHA-256"; // RFC 5929: MD5 and SHA-1 are replaced by SHA-256
    } else {
      return Optional.empty();
    }
    return Optional.of(MessageDigest.getInstance(hash).digest(certificate.getEncoded()));
  }
}
