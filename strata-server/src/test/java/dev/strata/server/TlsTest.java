package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.config.ServeConfig;
import dev.strata.connect.Connections;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve.tls}: the service answers HTTPS with the configured PEM certificate and key, plain
 * HTTP no longer, and a wrong or unreadable file is a usage error naming it and the fix.
 */
class TlsTest {
  static Path certificate;
  static Path key;
  static Path traditionalKey;

  @BeforeAll
  static void setUp() throws Exception {
    StrataServiceTest.setUp();
    certificate = resource("tls/certificate.pem");
    key = resource("tls/key.pem");
    traditionalKey = resource("tls/key-sec1.pem");
  }

  static Path resource(String name) throws Exception {
    return Path.of(TlsTest.class.getClassLoader().getResource(name).toURI());
  }

  @Test
  void answersHttpsWithTheConfiguredCertificate() throws Exception {
    ServeOptions options =
        StrataServiceTest.options().withTls(new ServeConfig.Tls(certificate, key));
    try (StrataService service =
        new StrataService(new Connections(StrataServiceTest.config), options).start()) {
      HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(certificate)).build();
      HttpResponse<String> health =
          trusting.send(
              HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + service.port() + "/healthz"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("ok\n");

      // A client that does not trust the certificate is refused in the handshake.
      assertThatThrownBy(
              () ->
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(
                                  URI.create("https://127.0.0.1:" + service.port() + "/healthz"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void aWrongKeyFileIsAUsageErrorThatSaysHowToFixIt(@TempDir Path temp) throws Exception {
    assertThatThrownBy(() -> TlsContext.load(new ServeConfig.Tls(certificate, traditionalKey)))
        .isInstanceOfSatisfying(
            StrataException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.USAGE);
              assertThat(e.getMessage()).contains("key-sec1.pem").contains("PKCS#1/SEC1");
              assertThat(String.valueOf(e.hint())).contains("openssl pkcs8 -topk8 -nocrypt");
            });
    Path missing = temp.resolve("missing.pem");
    assertThatThrownBy(() -> TlsContext.load(new ServeConfig.Tls(missing, key)))
        .isInstanceOfSatisfying(
            StrataException.class,
            e ->
                assertThat(e.getMessage())
                    .contains("serve.tls.certificate")
                    .contains("missing.pem"));
    Path notPem = Files.writeString(temp.resolve("certificate.pem"), "hello\n");
    assertThatThrownBy(() -> TlsContext.load(new ServeConfig.Tls(notPem, key)))
        .isInstanceOfSatisfying(
            StrataException.class,
            e -> assertThat(e.getMessage()).contains("serve.tls.certificate"));
    // The certificate file given as the key.
    assertThatThrownBy(() -> TlsContext.load(new ServeConfig.Tls(certificate, certificate)))
        .isInstanceOfSatisfying(
            StrataException.class, e -> assertThat(e.getMessage()).contains("BEGIN PRIVATE KEY"));
  }

  static SSLContext trusting(Path certificate) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    try (InputStream in = Files.newInputStream(certificate)) {
      store.setCertificateEntry(
          "strata", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
