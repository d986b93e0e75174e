package dev.strata.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConnectionUrlTest {
  private static ConnectionUrl parse(String text) {
    ConnectionUrl.Parsed parsed = ConnectionUrl.parse(text);
    assertThat(parsed.problems()).isEmpty();
    return parsed.url().orElseThrow();
  }

  private static String onlyProblem(String text) {
    ConnectionUrl.Parsed parsed = ConnectionUrl.parse(text);
    assertThat(parsed.url()).isEmpty();
    assertThat(parsed.problems()).hasSize(1);
    return parsed.problems().get(0).message();
  }

  @Test
  void acceptsTheThreeSchemes() {
    for (String scheme : new String[] {"postgresql://", "postgres://", "jdbc:postgresql://"}) {
      ConnectionUrl url = parse(scheme + "db.internal:6432/appdb");
      assertThat(url.hosts()).containsExactly(new HostAndPort("db.internal", 6432));
      assertThat(url.database()).isEqualTo("appdb");
    }
  }

  @Test
  void portDefaultsTo5432() {
    assertThat(parse("postgresql://h/db").hosts()).containsExactly(new HostAndPort("h", 5432));
  }

  @Test
  void readsUserIpv6AndParameters() {
    ConnectionUrl url =
        parse("postgresql://strata@[::1]:5433/my%20db?sslmode=verify-full&application_name=x");

    assertThat(url.user()).contains("strata");
    assertThat(url.hosts()).containsExactly(new HostAndPort("::1", 5433));
    assertThat(url.database()).isEqualTo("my db");
    assertThat(url.parameters())
        .containsExactly(Map.entry("sslmode", "verify-full"), Map.entry("application_name", "x"));
  }

  @Test
  void jdbcUserParameterIsTheUser() {
    assertThat(parse("jdbc:postgresql://h/db?user=strata").user()).contains("strata");
    assertThat(parse("postgresql://h/db").user()).isEqualTo(Optional.empty());
  }

  @Test
  void refusesWhatItCannotUse() {
    assertThat(onlyProblem("postgresql://h/db?connect_timeout=5"))
        .startsWith("has parameter \"connect_timeout\", which Strata does not support");
    assertThat(onlyProblem("postgresql://h:0/db")).startsWith("has port \"0\"");
    assertThat(onlyProblem("postgresql://h:x/db")).startsWith("has port \"x\"");
    assertThat(onlyProblem("postgresql://u:p@h/db")).startsWith("contains a password");
    assertThat(onlyProblem("postgresql://h/d%zz")).contains("two hex digits");
    assertThat(onlyProblem("postgresql://[::1/db")).contains("closing \"]\"");
    assertThat(onlyProblem("postgresql://h/db?sslmode=require&sslmode=disable")).contains("twice");
    assertThat(onlyProblem("postgresql://h/db?target_session_attrs=readwrite"))
        .startsWith("has target_session_attrs=\"readwrite\"; target_session_attrs is one of");
  }

  @Test
  void readsSeveralHostsEachWithItsOwnPort() {
    ConnectionUrl url =
        parse("postgresql://h1:5432,h2,[::1]:5434/db?target_session_attrs=read-write");

    assertThat(url.hosts())
        .containsExactly(
            new HostAndPort("h1", 5432), new HostAndPort("h2", 5432), new HostAndPort("::1", 5434));
    assertThat(url.parameters()).containsExactly(Map.entry("target_session_attrs", "read-write"));
  }

  @Test
  void refusesABrokenListOfHosts() {
    assertThat(onlyProblem("postgresql://h1:5432,/db")).startsWith("has an empty host");
    assertThat(onlyProblem("postgresql://h1:5432,h2:x/db")).startsWith("has port \"x\"");
    assertThat(onlyProblem("postgresql://h1:5432,h1:5432/db"))
        .isEqualTo("names host h1:5432 twice; give each host once");
    assertThat(onlyProblem("postgresql://:5432/db")).startsWith("has no host");
  }
}
