package dev.strata.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.testkit.FaultProxy.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fault proxy in front of an echo server: each fault does what it says, and heals. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class FaultProxyTest {
  ServerSocket echo;
  FaultProxy proxy;

  @BeforeEach
  void startEcho() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!echo.isClosed()) {
                try {
                  Socket socket = echo.accept();
                  Thread worker = new Thread(() -> echoUntilClosed(socket));
                  worker.setDaemon(true);
                  worker.start();
                } catch (IOException e) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    proxy = FaultProxy.start("echo", "127.0.0.1", echo.getLocalPort());
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  static void echoUntilClosed(Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      byte[] buffer = new byte[4096];
      int read;
      while ((read = in.read(buffer)) >= 0) {
        out.write(buffer, 0, read);
        out.flush();
      }
    } catch (IOException ignored) {
      // the test closed or reset it
    }
  }

  Socket connect() throws IOException {
    Socket socket = new Socket(proxy.host(), proxy.port());
    socket.setSoTimeout(5_000);
    return socket;
  }

  static byte[] roundTrip(Socket socket, byte[] message) throws IOException {
    socket.getOutputStream().write(message);
    socket.getOutputStream().flush();
    return socket.getInputStream().readNBytes(message.length);
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void passesBytesUnchanged() throws IOException {
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, bytes("hello"))).isEqualTo(bytes("hello"));
    }
  }

  @Test
  void aBlackholeAnswersNothingOnOpenConnectionsUntilItHeals() throws IOException {
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, bytes("before"))).isEqualTo(bytes("before"));
      proxy.set(Fault.blackhole());
      socket.setSoTimeout(500);
      socket.getOutputStream().write(bytes("during"));
      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);
      proxy.heal();
      socket.setSoTimeout(5_000);
      assertThat(socket.getInputStream().readNBytes(6)).isEqualTo(bytes("during"));
    }
  }

  @Test
  void aBlackholeAcceptsNewConnectionsAndNeverAnswersNorCloses() throws IOException {
    proxy.set(Fault.blackhole());
    try (Socket socket = connect()) {
      socket.setSoTimeout(500);
      socket.getOutputStream().write(bytes("hello"));
      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aResetEndsOpenConnectionsAndRefusesNewOnes() throws IOException {
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, bytes("x"))).isEqualTo(bytes("x"));
      proxy.set(Fault.reset());
      assertThatThrownBy(() -> readAfterWrite(socket)).isInstanceOf(SocketException.class);
    }
    try (Socket socket = connect()) {
      assertThatThrownBy(() -> readAfterWrite(socket)).isInstanceOf(SocketException.class);
    }
    proxy.heal();
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, bytes("again"))).isEqualTo(bytes("again"));
    }
  }

  /** Writes until the reset shows: the first write after an RST may still succeed locally. */
  static void readAfterWrite(Socket socket) throws IOException {
    for (int i = 0; i < 50; i++) {
      socket.getOutputStream().write(bytes("ping"));
      socket.getOutputStream().flush();
      if (socket.getInputStream().read() < 0) {
        throw new SocketException("closed");
      }
    }
  }

  @Test
  void closeAfterPassesThatManyBytesThenCloses() throws IOException {
    try (Socket socket = connect()) {
      proxy.set(Fault.closeAfter(10));
      socket.getOutputStream().write(bytes("0123456789abcdef"));
      socket.getOutputStream().flush();
      byte[] received = socket.getInputStream().readAllBytes();
      // 10 bytes pass in all, both directions counted: at most 10 come back, then the close.
      assertThat(received.length).isLessThanOrEqualTo(10);
      assertThat("0123456789").startsWith(new String(received, StandardCharsets.US_ASCII));
    }
  }

  @Test
  void delayAndThrottleStillDeliverEveryByte() throws IOException {
    byte[] message = new byte[20_000];
    Arrays.fill(message, (byte) 'z');
    proxy.set(Fault.delay(Duration.ofMillis(20)));
    try (Socket socket = connect()) {
      assertThat(roundTrip(socket, bytes("slow"))).isEqualTo(bytes("slow"));
      proxy.set(Fault.throttle(100_000));
      assertThat(roundTrip(socket, message)).isEqualTo(message);
    }
  }

  @Test
  void faultsDescribeThemselves() {
    assertThat(Fault.blackhole().describe()).isEqualTo("blackhole");
    assertThat(Fault.closeAfter(4096).describe()).isEqualTo("close-after-4096B");
    assertThat(Fault.delay(Duration.ofMillis(50)).describe()).isEqualTo("delay-50ms");
    assertThatThrownBy(() -> Fault.throttle(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
