package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code strata demo} finds the demo jar, and what it says when there is none. The demo
 * itself, through this command, is tested in strata-demo (DemoLauncherTest), where the jar exists.
 */
class DemoCommandTest {
  @Test
  void theCheckoutsJarIsFoundFromTheCommandsOwnClassesOrJar(@TempDir Path checkout)
      throws Exception {
    Path demoJar = checkout.resolve("strata-demo/target/strata-demo-9.8.7-test.jar");
    Files.createDirectories(demoJar.getParent());
    Files.writeString(demoJar, "not really a jar");
    for (Path code :
        new Path[] {
          checkout.resolve("strata-cli/target/classes"),
          checkout.resolve("strata-cli/target/strata.jar")
        }) {
      assertThat(DemoCommand.locate(Map.of(), "9.8.7-test", Optional.of(code))).isEqualTo(demoJar);
    }
  }

  @Test
  void strataDemoJarWinsAndMustNameAFile(@TempDir Path directory) throws Exception {
    Path jar = Files.writeString(directory.resolve("any.jar"), "x");
    assertThat(
            DemoCommand.locate(
                Map.of("STRATA_DEMO_JAR", jar.toString()), "1.0.0", Optional.empty()))
        .isEqualTo(jar);
    assertThatThrownBy(
            () ->
                DemoCommand.locate(
                    Map.of("STRATA_DEMO_JAR", directory.resolve("none.jar").toString()),
                    "1.0.0",
                    Optional.empty()))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("STRATA_DEMO_JAR names " + directory.resolve("none.jar"));
  }

  @Test
  void noJarAnywhereSaysWhereItLookedAndWhatToDo(@TempDir Path installation) {
    Optional<Path> code = Optional.of(installation.resolve("strata-9.8.7/lib/strata.jar"));
    StrataException snapshot =
        catchThrowableOfType(
            StrataException.class, () -> DemoCommand.locate(Map.of(), "9.8.7-test-SNAPSHOT", code));
    assertThat(snapshot.code()).isEqualTo(ErrorCode.CONFIG);
    assertThat(snapshot.getMessage())
        .contains("strata-demo-9.8.7-test-SNAPSHOT.jar, which is not installed")
        .contains(".m2/repository/dev/strata/strata-demo/9.8.7-test-SNAPSHOT/")
        .contains("STRATA_DEMO_JAR is not set");
    assertThat(snapshot.hint())
        .contains("development version")
        .contains("mvn -q package -DskipTests -pl strata-demo -am")
        .contains("set STRATA_DEMO_JAR");

    StrataException release =
        catchThrowableOfType(
            StrataException.class, () -> DemoCommand.locate(Map.of(), "9.8.7", code));
    assertThat(release.hint())
        .contains("mvn dependency:get -Dartifact=dev.strata:strata-demo:9.8.7");
  }
}
