package dev.strata.sql;

import dev.strata.config.ConnectionConfig;
import dev.strata.config.HostAndPort;
import java.util.List;

/**
 * {@code CREATE SUBSCRIPTION} with a configured server's connection string, for shard moves and
 * replica mirrors. The publication and the replication slot (created beforehand on the source)
 * share the subscription's name. A password reaches the subscriber as COPY data and is formatted
 * into the DDL there ({@link SecretDdl}); the statement text, Strata's logs and dry runs never
 * carry it.
 */
public final class SubscriptionDdl {
  private SubscriptionDdl() {}

  /**
   * @param name the subscription, its publication and its slot
   * @param source the publishing server's connection
   * @param applicationName how the subscription's connection shows in {@code pg_stat_activity}
   */
  public static List<SqlStatement> create(
      String name, ConnectionConfig source, String applicationName) {
    StringBuilder conninfo = new StringBuilder();
    // Every host of the server, as libpq takes them; the subscription follows a failover.
    conninfo
        .append("host=")
        .append(
            conninfoValue(
                String.join(",", source.hosts().stream().map(HostAndPort::host).toList())));
    conninfo
        .append(" port=")
        .append(
            conninfoValue(
                String.join(
                    ",",
                    source.hosts().stream().map(host -> Integer.toString(host.port())).toList())));
    conninfo.append(" dbname=").append(conninfoValue(source.database()));
    conninfo.append(" user=").append(conninfoValue(source.user()));
    conninfo.append(" application_name=").append(conninfoValue(applicationName));
    for (String parameter :
        List.of(
            "sslmode", "sslrootcert", "sslcert", "sslkey", ConnectionConfig.TARGET_SESSION_ATTRS)) {
      String value = source.parameters().get(parameter);
      if (value != null) {
        conninfo.append(' ').append(parameter).append('=').append(conninfoValue(value));
      }
    }
    String quoted = Identifiers.quote(name);
    String options =
        " PUBLICATION "
            + quoted
            + " WITH (create_slot = false, slot_name = "
            + Identifiers.literal(name)
            + ", copy_data = true, streaming = off, enabled = true)";
    if (source.password().isEmpty()) {
      return List.of(
          SqlStatement.of(
              "CREATE SUBSCRIPTION "
                  + quoted
                  + " CONNECTION "
                  + Identifiers.literal(conninfo.toString())
                  + options));
    }
    String template =
        ("CREATE SUBSCRIPTION " + quoted + " CONNECTION ").replace("%", "%%")
            + "%L"
            + options.replace("%", "%%");
    // libpq quoting inside the connection string: 'value' with \ and ' escaped.
    String argument =
        Identifiers.literal(conninfo + " password=")
            + " || '''' || replace(replace(secret, '\\', '\\\\'), '''', '\\''') || ''''";
    return SecretDdl.statements(template, argument, source.password().get());
  }

  /** A libpq connection-string value: quoted, with backslash and quote escaped. */
  public static String conninfoValue(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
