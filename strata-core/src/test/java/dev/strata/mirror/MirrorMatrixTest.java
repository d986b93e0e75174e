package dev.strata.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.config.StrataConfig;
import dev.strata.connect.Connections;
import dev.strata.sql.QualifiedName;
import dev.strata.support.VersionMatrix;
import dev.strata.testkit.SharedServers;

/**
 * Mirrors on every PostgreSQL version of the matrix (coordinator and source of one version): a
 * table mirror and a keyed materialized view follow inserts, updates and deletes at the source
 * through {@code strata mirror refresh --verify}.
 */
class MirrorMatrixTest {
  static MirrorFixture fixture(int version) {
    var servers = SharedServers.get(version);
    return new MirrorFixture(
        "mirror_matrix",
        5_000,
        servers.server(SharedServers.MAIN),
        servers.server(SharedServers.ARCHIVE_B));
  }

  static MirrorRefresher.Result refresh(StrataConfig config, String name) {
    Connections connections = new Connections(config);
    Mirrors.Resolved resolved =
        Mirrors.require(Mirrors.resolve(connections), QualifiedName.parse(name));
    return new MirrorRefresher(connections)
        .refresh(resolved, new MirrorRefresher.Options(false, true));
  }

  @VersionMatrix(suite = "mirror")
  void tableAndMatviewMirrorsFollowTheSourceVerified(int version) {
    MirrorFixture fixture = fixture(version);
    StrataConfig config =
        fixture.config(
            "  ref.customers: { from: crm, table: public.customers, mode: table, refresh: 1 h }\n"
                + "  ref.customers_mv: { from: crm, table: customers, mode: matview,"
                + " refresh: 1 h }\n");
    fixture.apply(config);
    String source = fixture.contents(fixture.crm, "customers");
    assertThat(fixture.contents(fixture.main, "ref.customers")).isEqualTo(source);
    assertThat(fixture.contents(fixture.main, "ref.customers_mv")).isEqualTo(source);

    fixture.changeSource();
    String changed = fixture.contents(fixture.crm, "customers");
    for (String mirror : new String[] {"ref.customers", "ref.customers_mv"}) {
      MirrorRefresher.Result result = refresh(config, mirror);
      assertThat(result.verification())
          .as(mirror)
          .hasValueSatisfying(v -> assertThat(v.equal()).isTrue());
      assertThat(fixture.contents(fixture.main, mirror)).as(mirror).isEqualTo(changed);
    }
    assertThat(
            new MirrorVerifier(new Connections(config))
                .verify(
                    Mirrors.require(
                        Mirrors.resolve(new Connections(config)),
                        QualifiedName.parse("ref.customers")))
                .equal())
        .isTrue();
  }
}
