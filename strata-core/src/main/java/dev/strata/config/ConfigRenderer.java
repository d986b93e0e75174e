package dev.strata.config;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.config.FdwOptions.FdwOption;
import dev.strata.secret.Secret;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Renders the effective configuration for {@code strata config show}: as a Jackson tree (for {@code
 * --json}) or as YAML text, shaped like {@code strata.yaml} so a user can compare the two.
 *
 * <p>What is shown is what Strata will use, not what was written: defaults filled in, {@code
 * ${env:...}} resolved, and under {@code fdw} the foreign server's complete options exactly as
 * Strata will set them (strings, as PostgreSQL stores them, with the session timeouts rendered into
 * {@code options}).
 *
 * <p>Secrets are never shown: every password is replaced by {@link Secret#masked()}, which names
 * only its source. This class is the one place that turns a configuration into text, so the test
 * that no secret value appears in any of its outputs covers {@code config show} as a whole.
 *
 * <p>With origins, YAML output ends each line that holds a value with {@code # ORIGIN}, and the
 * JSON tree gains a top-level {@code origins} object mapping each key path to its origin.
 */
public final class ConfigRenderer {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Strings YAML reads as something else when unquoted. */
  private static final Set<String> YAML_WORDS =
      Set.of("null", "true", "false", "yes", "no", "on", "off", "y", "n");

  private static final Pattern PLAIN_TEXT = Pattern.compile("[A-Za-z_/][A-Za-z0-9_ ./@+-]*");
  private static final Pattern AMOUNT_AND_UNIT = Pattern.compile("\\d+ ?[A-Za-z]+");

  private ConfigRenderer() {}

  /** The effective configuration, secrets masked. */
  public static ObjectNode toTree(StrataConfig config) {
    ObjectNode root = NODES.objectNode();
    ObjectNode coordinator = root.putObject("coordinator");
    putConnection(coordinator, config.coordinator());

    ObjectNode servers = root.putObject("servers");
    for (ServerConfig server : config.servers().values()) {
      ObjectNode node = servers.putObject(server.name());
      putConnection(node, server.connection());
      ObjectNode mapping = node.putObject("mapping");
      mapping.put("local_user", server.mapping().localUser().orElse(null));
      mapping.put("user", server.mapping().user());
      putSecret(mapping, "password", server.mapping().password());
      putFdwOptions(node.putObject("fdw"), server.fdwOptions());
    }

    ObjectNode timeouts = root.putObject("timeouts");
    timeouts.put("connect", Durations.format(config.timeouts().connect()));
    timeouts.put("statement", Durations.format(config.timeouts().statement()));
    timeouts.put("lock", Durations.format(config.timeouts().lock()));
    timeouts.put("idle_in_transaction", Durations.format(config.timeouts().idleInTransaction()));

    ObjectNode tables = root.putObject("tables");
    ObjectNode security = NODES.objectNode();
    for (TableConfig table : config.tables().values()) {
      ObjectNode node = tables.putObject(table.name().display());
      table
          .partitionBy()
          .ifPresent(
              by -> {
                ObjectNode partitionBy = node.putObject("partition_by");
                partitionBy.put("column", by.column());
                partitionBy.put("interval", by.interval().toSql());
              });
      table
          .shardBy()
          .ifPresent(
              by -> {
                ObjectNode shardBy = node.putObject("shard_by");
                shardBy.put("column", by.column());
                shardBy.put("method", by.method().label());
                if (by.method() == ShardBy.Method.HASH) {
                  shardBy.put("shards", by.shards());
                } else {
                  ObjectNode lists = shardBy.putObject("lists");
                  by.lists().forEach((shard, values) -> values.forEach(lists.putArray(shard)::add));
                }
                table.shardsOn().forEach(node.putArray("shards_on")::add);
              });
      node.put("premake", table.premake());
      node.put("hot", table.hot().map(Interval::toSql).orElse(null));
      node.set(
          "archive_to", table.archiveTo().map(ConfigRenderer::placement).orElse(NODES.nullNode()));
      node.put("retention", table.retention().map(Interval::toSql).orElse(null));
      node.put(
          "export_before_retire", table.exportBeforeRetire().map(Object::toString).orElse(null));
      node.put("decommission", table.decommission());
      node.put("archived_updatable", table.archivedUpdatable());
      node.put("detached_grace", Durations.format(table.detachedGrace()));
    }

    if (!config.mirrors().isEmpty()) {
      ObjectNode mirrors = root.putObject("mirrors");
      for (MirrorConfig mirror : config.mirrors().values()) {
        ObjectNode node = mirrors.putObject(mirror.entry());
        node.put("from", mirror.server());
        if (mirror.source() instanceof MirrorConfig.OneTable one) {
          node.put("table", one.remote().display());
        } else if (mirror.source() instanceof MirrorConfig.SchemaTables schema) {
          node.put("schema", schema.remoteSchema());
          schema.include().forEach(node.putArray("include")::add);
          schema.exclude().forEach(node.putArray("exclude")::add);
        }
        node.put("mode", mirror.mode().label());
        mirror.refresh().ifPresent(refresh -> node.put("refresh", Durations.format(refresh)));
        if (!mirror.key().isEmpty()) {
          mirror.key().forEach(node.putArray("key")::add);
        }
        if (!mirror.indexes().isEmpty()) {
          var indexes = node.putArray("indexes");
          for (MirrorConfig.Index index : mirror.indexes()) {
            ObjectNode item = indexes.addObject();
            index.columns().forEach(item.putArray("columns")::add);
            item.put("using", index.method());
            item.put("unique", index.unique());
          }
        }
        mirror.watermark().ifPresent(watermark -> node.put("watermark", watermark));
        if (mirror.mode() == MirrorConfig.Mode.INCREMENTAL) {
          node.put("lookback", Durations.format(mirror.lookback()));
          node.put("detect_deletes", mirror.detectDeletes());
        }
        node.put("on_schema_change", mirror.onSchemaChange().label());
        node.put("timeout", Durations.format(mirror.timeout()));
      }
    }

    security.put("min_sslmode", config.security().minSslmode().orElse(null));
    security.put("allow_superuser_mapping", config.security().allowSuperuserMapping());
    root.set("security", security);
    ObjectNode serve = root.putObject("serve");
    serve.put("listen", config.serve().listen());
    putSecret(serve, "token", config.serve().token());
    serve.put("apply_every", Durations.format(config.serve().applyEvery()));
    serve.put("apply_at", config.serve().applyAt().map(CronSchedule::toString).orElse(null));
    serve.put("doctor_every", Durations.format(config.serve().doctorEvery()));
    serve.put("takeover", Durations.format(config.serve().takeover()));
    serve.put("snapshot_every", Durations.format(config.serve().snapshotEvery()));
    config
        .serve()
        .tls()
        .ifPresent(
            tls -> {
              ObjectNode node = serve.putObject("tls");
              node.put("certificate", tls.certificate().toString());
              node.put("key", tls.key().toString());
            });

    return root;
  }

  /** For {@code --json}: {@link #toTree}, plus {@code origins} (key path to origin) if asked. */
  public static ObjectNode toJson(StrataConfig config, boolean withOrigins) {
    ObjectNode root = toTree(config);
    if (withOrigins) {
      ObjectNode origins = root.putObject("origins");
      config.origins().byKeyPath().forEach(origins::put);
    }
    return root;
  }

  /** YAML text; with origins, each value's line ends with {@code # ORIGIN}. */
  public static String toYaml(StrataConfig config, boolean withOrigins) {
    StringBuilder out = new StringBuilder();
    writeMapping(out, toTree(config), 0, "", withOrigins ? config.origins() : null);
    return out.toString();
  }

  private static void putConnection(ObjectNode node, ConnectionConfig connection) {
    node.put("url", connection.url());
    node.put("user", connection.user());
    putSecret(node, "password", connection.password());
  }

  private static void putSecret(ObjectNode node, String key, Optional<Secret> secret) {
    node.put(key, secret.map(Secret::masked).orElse(null));
  }

  /** In registry order, with {@code options} where the session settings it carries would be. */
  private static void putFdwOptions(ObjectNode node, Map<String, String> options) {
    boolean sessionOptionsWritten = false;
    for (FdwOption option : FdwOptions.all()) {
      if (option.isSessionSetting()) {
        if (!sessionOptionsWritten && options.containsKey(FdwOptions.OPTIONS)) {
          node.put(FdwOptions.OPTIONS, options.get(FdwOptions.OPTIONS));
        }
        sessionOptionsWritten = true;
      } else if (options.containsKey(option.name())) {
        node.put(option.name(), options.get(option.name()));
      }
    }
  }

  private static JsonNode placement(Placement placement) {
    if (placement instanceof Placement.Single single) {
      return NODES.textNode(single.server());
    }
    if (placement instanceof Placement.RoundRobin roundRobin) {
      ArrayNode servers = NODES.arrayNode();
      roundRobin.servers().forEach(servers::add);
      return servers;
    }
    if (placement instanceof Placement.ByPeriod byPeriod) {
      ObjectNode periods = NODES.objectNode();
      new TreeMap<>(byPeriod.serverByPeriod()).forEach(periods::put);
      return periods;
    }
    Placement.Fill fill = (Placement.Fill) placement;
    ObjectNode node = NODES.objectNode();
    ArrayNode servers = node.putArray("fill");
    fill.servers().forEach(servers::add);
    node.put("max_size_per_server", ByteSizes.format(fill.maxBytesPerServer()));
    return node;
  }

  // ---------------------------------------------------------------- YAML text

  /*
   * A small block-style writer instead of Jackson's YAML generator, because the generator cannot
   * write comments and the origins are comments. The tree holds only mappings, flat lists and
   * scalars, so little is needed: strings are double-quoted (JSON escaping is valid YAML) unless
   * they are unambiguous plain words.
   */
  private static void writeMapping(
      StringBuilder out, ObjectNode node, int indent, String path, Origins origins) {
    Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String keyPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
      String comment =
          origins == null ? "" : origins.of(keyPath).map(origin -> "  # " + origin).orElse("");
      out.append(" ".repeat(indent)).append(scalar(field.getKey())).append(':');
      JsonNode value = field.getValue();
      if (value instanceof ObjectNode object && !object.isEmpty()) {
        out.append(comment).append('\n');
        writeMapping(out, object, indent + 2, keyPath, origins);
      } else {
        out.append(' ').append(inline(value)).append(comment).append('\n');
      }
    }
  }

  private static String inline(JsonNode value) {
    if (value.isObject()) {
      return "{}";
    }
    if (value.isArray()) {
      StringBuilder list = new StringBuilder("[");
      for (JsonNode item : value) {
        if (list.length() > 1) {
          list.append(", ");
        }
        list.append(inline(item));
      }
      return list.append(']').toString();
    }
    if (value.isNull()) {
      return "null";
    }
    if (value.isTextual()) {
      return scalar(value.textValue());
    }
    return value.asText();
  }

  private static String scalar(String text) {
    boolean plain =
        (PLAIN_TEXT.matcher(text).matches() || AMOUNT_AND_UNIT.matcher(text).matches())
            && !text.endsWith(" ")
            && !YAML_WORDS.contains(text.toLowerCase(Locale.ROOT));
    if (plain) {
      return text;
    }
    return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
  }
}
