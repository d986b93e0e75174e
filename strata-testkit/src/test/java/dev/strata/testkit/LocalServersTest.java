package dev.strata.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalServersTest {
  @TempDir Path directory;

  @Test
  void startsNamedServersThatCanBeStoppedKilledAndRestarted() throws Exception {
    try (LocalServers servers =
        LocalServers.start(
            directory.resolve("servers"),
            false,
            List.of(ServerSpec.of("one", "appdb"), ServerSpec.of("two", "archive_db")))) {
      LocalServer one = servers.server("one");
      LocalServer two = servers.server("two");
      assertThat(one.port()).isNotEqualTo(two.port());
      assertThat(one.uri()).isEqualTo("postgresql://127.0.0.1:" + one.port() + "/appdb");

      try (Connection connection = one.connect()) {
        assertThat(queryString(connection, "SHOW server_version")).startsWith("18.");
        connection.createStatement().execute("CREATE EXTENSION postgres_fdw");
        connection.createStatement().execute("CREATE TABLE kept (id int)");
        connection.createStatement().execute("INSERT INTO kept VALUES (1), (2)");
      }

      one.kill();
      assertThat(one.isRunning()).isFalse();
      assertThatThrownBy(one::connect).isInstanceOf(SQLException.class);
      one.start();
      try (Connection connection = one.connect()) {
        assertThat(queryString(connection, "SELECT count(*) FROM kept")).isEqualTo("2");
      }

      two.stop();
      assertThat(two.isRunning()).isFalse();
      two.start();
      assertThat(two.isRunning()).isTrue();
      try (Connection connection = two.connect()) {
        assertThat(queryString(connection, "SELECT current_database()")).isEqualTo("archive_db");
      }
    }
  }

  @Test
  void nonSuperusersMustGiveTheirPassword() throws Exception {
    try (LocalServers servers =
        LocalServers.start(
            directory.resolve("auth"), false, List.of(ServerSpec.of("solo", "db")))) {
      LocalServer solo = servers.server("solo");
      solo.execute("CREATE ROLE reader LOGIN PASSWORD 'right-password'");
      var properties = new java.util.Properties();
      properties.setProperty("user", "reader");
      properties.setProperty("password", "wrong-password");
      assertThatThrownBy(() -> java.sql.DriverManager.getConnection(solo.jdbcUrl(), properties))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("password authentication failed");
      properties.setProperty("password", "right-password");
      try (Connection connection =
          java.sql.DriverManager.getConnection(solo.jdbcUrl(), properties)) {
        assertThat(queryString(connection, "SELECT current_user")).isEqualTo("reader");
      }
    }
  }

  private static String queryString(Connection connection, String sql) throws SQLException {
    try (ResultSet rows = connection.createStatement().executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }
}
