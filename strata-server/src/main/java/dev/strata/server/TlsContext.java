package dev.strata.server;

import dev.strata.ErrorCode;
import dev.strata.FileErrors;
import dev.strata.StrataException;
import dev.strata.config.ServeConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The TLS context of {@code serve.tls}: a PEM certificate (with its chain) and an unencrypted
 * PKCS#8 PEM private key (RSA, EC or Ed25519), read with the JDK alone. Every way the files can be
 * wrong is a usage error naming the file and how to fix it.
 */
final class TlsContext {
  private static final String FIX_KEY =
      "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY.pem -out KEY.pkcs8.pem";

  private TlsContext() {}

  static SSLContext load(ServeConfig.Tls tls) {
    List<Certificate> chain = certificates(tls.certificate());
    PrivateKey key = privateKey(tls.key());
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] password = new char[0];
      store.setKeyEntry("strata", key, password, chain.toArray(new Certificate[0]));
      KeyManagerFactory managers =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      managers.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(managers.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw usage(
          "serve.tls: the key "
              + tls.key()
              + " does not fit the certificate "
              + tls.certificate()
              + ": "
              + e.getMessage(),
          "give the private key of the certificate's public key");
    }
  }

  private static List<Certificate> certificates(Path file) {
    byte[] bytes = read(file, "certificate");
    try {
      List<Certificate> chain =
          List.copyOf(
              CertificateFactory.getInstance("X.509")
                  .generateCertificates(new ByteArrayInputStream(bytes)));
      if (chain.isEmpty()) {
        throw usage(
            "serve.tls.certificate " + file + " holds no certificate",
            "give a PEM file that begins with -----BEGIN CERTIFICATE-----");
      }
      return chain;
    } catch (java.security.cert.CertificateException e) {
      throw usage(
          "serve.tls.certificate " + file + " is not a PEM certificate: " + e.getMessage(),
          "give a PEM file that begins with -----BEGIN CERTIFICATE-----");
    }
  }

  private static PrivateKey privateKey(Path file) {
    String text = new String(read(file, "key"), StandardCharsets.US_ASCII);
    if (text.contains("ENCRYPTED PRIVATE KEY")) {
      throw usage(
          "serve.tls.key " + file + " is encrypted; strata serve reads unencrypted keys only",
          "decrypt it to a file only the service's user can read: openssl pkcs8 -topk8 -nocrypt"
              + " -in KEY.pem -out KEY.pkcs8.pem");
    }
    if (text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")) {
      throw usage("serve.tls.key " + file + " is in the traditional (PKCS#1/SEC1) form", FIX_KEY);
    }
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw usage("serve.tls.key " + file + " holds no -----BEGIN PRIVATE KEY----- block", FIX_KEY);
    }
    byte[] der;
    try {
      der =
          Base64.getMimeDecoder()
              .decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    } catch (IllegalArgumentException e) {
      throw usage("serve.tls.key " + file + " is not valid base64: " + e.getMessage(), FIX_KEY);
    }
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // Try the next algorithm.
      }
    }
    throw usage(
        "serve.tls.key " + file + " is not an RSA, EC or Ed25519 PKCS#8 private key", FIX_KEY);
  }

  private static byte[] read(Path file, String what) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw usage(
          "cannot read serve.tls." + what + " " + file + ": " + FileErrors.describe(file, e),
          "check the path and that the user running strata serve may read it");
    }
  }

  private static StrataException usage(String message, String fix) {
    return new StrataException(ErrorCode.USAGE, message, fix);
  }
}
