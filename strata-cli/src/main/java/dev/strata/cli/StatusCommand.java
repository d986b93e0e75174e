package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.health.StatusReport;
import dev.strata.health.StatusService;
import dev.strata.sql.QualifiedName;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "status",
    description = {
      "Show partitioned tables and servers.",
      "Per table: partitions in key order with bounds, tier (local or the server holding them),"
          + " rows and size, measured where the rows live. Per server: reachable or not, with"
          + " connect time and round-trip latency."
    },
    footer = {"", "Exits 1 when the coordinator or any configured server is unreachable."})
public final class StatusCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin JsonOption json;

  @Parameters(
      arity = "0..1",
      paramLabel = "TABLE",
      description = "Only this table (SCHEMA.NAME or NAME).")
  String table;

  @Option(
      names = "--exact",
      description = "Count rows with count(*) instead of planner estimates (slower).")
  boolean exact;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Optional<QualifiedName> only = Optional.ofNullable(table).map(ConfigOptions::tableName);
    StatusReport report =
        new StatusService(new Connections(configOptions.load(spec))).status(only, exact);
    PrintWriter out = spec.commandLine().getOut();
    boolean allReachable = report.servers().stream().allMatch(StatusReport.ServerStatus::reachable);
    StatusReport.ServerStatus coordinator = report.servers().get(0);
    // With --json an unreachable coordinator is an error document only: one document per run.
    if (json.enabled && coordinator.reachable()) {
      Json.print(spec, Document.of(report));
    } else if (!json.enabled) {
      print(out, report);
    }
    if (!coordinator.reachable()) {
      throw new StrataException(
          ErrorCode.CONNECTION,
          "the coordinator is unreachable: " + coordinator.error().orElse("no detail"),
          coordinator.hint().orElse("check coordinator.url and that the server is running"));
    }
    return allReachable ? 0 : 1;
  }

  /** {@code status --json}: docs/json.md#status. */
  record Document(List<Table> tables, List<Server> servers) {
    static Document of(StatusReport report) {
      return new Document(
          report.tables().stream().map(Table::of).toList(),
          report.servers().stream().map(Server::of).toList());
    }
  }

  record Table(String table, String partitionKey, List<Partition> partitions) {
    static Table of(StatusReport.TableStatus table) {
      return new Table(
          table.table(),
          table.partitionKey(),
          table.partitions().stream().map(Partition::of).toList());
    }
  }

  record Partition(
      String name,
      String bound,
      String tier,
      Optional<String> remoteTable,
      OptionalLong rows,
      boolean rowsExact,
      OptionalLong sizeBytes,
      Optional<String> note) {
    static Partition of(StatusReport.PartitionStatus partition) {
      return new Partition(
          partition.name(),
          partition.bound(),
          partition.tier(),
          partition.remoteTable(),
          partition.rows(),
          partition.rowsExact(),
          partition.sizeBytes(),
          partition.note());
    }
  }

  record Server(
      String name,
      String uri,
      boolean reachable,
      OptionalLong connectMs,
      Optional<Double> latencyMs,
      Optional<String> version,
      Optional<String> error,
      Optional<String> hint) {
    static Server of(StatusReport.ServerStatus server) {
      return new Server(
          server.name(),
          server.uri(),
          server.reachable(),
          server.connectMillis(),
          server.latencyMillis(),
          server.version(),
          server.error(),
          server.hint());
    }
  }

  public static void print(PrintWriter out, StatusReport report) {
    for (StatusReport.TableStatus table : report.tables()) {
      out.println("Table " + table.table() + "  (" + table.partitionKey() + ")");
      TextTable partitions =
          new TextTable("partition", "bounds", "tier", "remote table", "rows", "size")
              .alignRight(4, 5);
      for (StatusReport.PartitionStatus partition : table.partitions()) {
        partitions.row(
            partition.name(),
            partition.bound().replaceFirst("^FOR VALUES ", ""),
            partition.tier(),
            partition.remoteTable().orElse(""),
            Sizes.count(partition.rows(), partition.rowsExact()),
            Sizes.bytes(partition.sizeBytes()));
      }
      partitions.print(out);
      table.partitions().stream()
          .filter(p -> p.note().isPresent())
          .forEach(p -> out.println("  note: " + p.name() + ": " + p.note().get()));
      out.println();
    }
    if (report.tables().isEmpty() && report.servers().get(0).reachable()) {
      out.println("No partitioned tables on the coordinator.");
      out.println();
    }
    out.println("Servers");
    TextTable servers =
        new TextTable("server", "uri", "status", "connect", "latency", "version").alignRight(3, 4);
    for (StatusReport.ServerStatus server : report.servers()) {
      servers.row(
          server.name(),
          server.uri(),
          server.reachable() ? "ok" : "UNREACHABLE",
          server.connectMillis().isPresent() ? server.connectMillis().getAsLong() + " ms" : "",
          server.latencyMillis().map(ms -> String.format(Locale.ROOT, "%.2f ms", ms)).orElse(""),
          server.version().orElse(""));
    }
    servers.print(out);
    report.servers().stream()
        .filter(s -> s.error().isPresent())
        .forEach(s -> out.println("  " + s.name() + ": " + s.error().get()));
  }
}
