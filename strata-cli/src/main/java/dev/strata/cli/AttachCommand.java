package dev.strata.cli;

import dev.strata.ErrorCode;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.operation.AttachPlan;
import dev.strata.operation.AttachRequest;
import dev.strata.operation.PartitionManager;
import dev.strata.sql.QualifiedName;
import dev.strata.sql.SqlStatement;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "attach",
    description = {
      "Attach existing remote tables as foreign partitions.",
      "Before changing anything, Strata checks on the server that each remote table exists, has"
          + " the parent's columns and types, holds no row outside the bounds and no NULL where the"
          + " parent says NOT NULL (PostgreSQL checks none of this for foreign partitions). Then"
          + " it creates the foreign tables and attaches them in one transaction: all or none.",
      "",
      "One table:   strata attach public.emp --server archive_2024 --remote-table emp_2024"
          + " --from 2024-01-01 --to 2025-01-01",
      "Several:     strata attach temperatures --server box2"
          + " --each box2_schema.temperatures_2016=2016-01-01,2017-01-01"
          + " --each box2_schema.temperatures_2017=2017-01-01,2018-01-01"
    })
final class AttachCommand implements Callable<Integer> {
  @Mixin ConfigOptions configOptions;
  @Mixin DryRunOption dryRun;
  @Mixin JsonOption json;

  @Parameters(
      index = "0",
      paramLabel = "TABLE",
      description = "The partitioned table on the coordinator.")
  String table;

  @Option(
      names = "--server",
      required = true,
      paramLabel = "SERVER",
      description = "Configured server holding the remote tables.")
  String server;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  static final class Target {
    @ArgGroup(exclusive = false)
    Single single;

    @Option(
        names = "--each",
        paramLabel = "REMOTE[:LOCAL]=FROM,TO",
        description = "A remote table and its bounds; repeat to attach several in one transaction.")
    List<String> each;
  }

  static final class Single {
    @Option(
        names = "--remote-table",
        required = true,
        paramLabel = "REMOTE",
        description = "Remote table (SCHEMA.NAME or NAME, schema public).")
    String remoteTable;

    @Option(
        names = "--from",
        required = true,
        paramLabel = "VALUE",
        description = "Lower bound, inclusive (or MINVALUE).")
    String from;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "VALUE",
        description = "Upper bound, exclusive (or MAXVALUE).")
    String to;

    @Option(
        names = "--name",
        paramLabel = "LOCAL",
        description =
            "Name of the foreign table on the coordinator (default: the remote table's name).")
    String name;
  }

  @Option(
      names = "--read-only",
      description =
          "Create the foreign tables with updatable 'false': writes into their range fail.")
  boolean readOnly;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  /**
   * {@code attach --json}: docs/json.md#attach. {@code attached} is false for a dry run, whose
   * {@code sql} is what would run.
   */
  record Document(
      boolean attached,
      String table,
      String server,
      List<Attached> partitions,
      List<String> warnings,
      List<String> sql) {}

  /**
   * @param remoteRows rows counted on the server when it was checked
   */
  record Attached(String name, String remoteTable, String bounds, long remoteRows) {}

  @Override
  public Integer call() {
    QualifiedName parent = ConfigOptions.tableName(table);
    AttachRequest request = new AttachRequest(parent, server, remotes(parent), readOnly);
    PartitionManager manager = new PartitionManager(new Connections(configOptions.load(spec)));
    AttachPlan plan = manager.planAttach(request);
    PrintWriter out = spec.commandLine().getOut();
    if (!dryRun.enabled) {
      manager.attach(plan);
    }
    if (json.enabled) {
      Json.print(
          spec,
          new Document(
              !dryRun.enabled,
              request.parent().display(),
              server,
              plan.items().stream()
                  .map(
                      item ->
                          new Attached(
                              item.localName(),
                              item.remoteTable(),
                              item.bounds().toString(),
                              item.remoteRows()))
                  .toList(),
              plan.warnings(),
              plan.statements().stream().map(SqlStatement::render).toList()));
      return 0;
    }
    plan.warnings().forEach(w -> out.println("warning: " + w));
    if (dryRun.enabled) {
      out.println("-- checks passed; dry run: nothing was executed");
      out.println("BEGIN;");
      out.println(SqlStatement.renderAll(plan.statements()));
      out.println("COMMIT;");
      return 0;
    }
    for (AttachPlan.Item item : plan.items()) {
      out.println(
          "attached "
              + item.localName()
              + " -> "
              + server
              + ":"
              + item.remoteTable()
              + " "
              + item.bounds()
              + " ("
              + item.remoteRows()
              + (item.remoteRows() == 1 ? " row)" : " rows)"));
    }
    return 0;
  }

  private List<AttachRequest.Remote> remotes(QualifiedName parent) {
    if (target.single != null) {
      return List.of(
          new AttachRequest.Remote(
              ConfigOptions.tableName(target.single.remoteTable),
              target.single.from,
              target.single.to,
              Optional.ofNullable(target.single.name)
                  .map(n -> MoveCommands.partitionName(parent, n))));
    }
    List<AttachRequest.Remote> remotes = new ArrayList<>();
    for (String each : target.each) {
      int equals = each.lastIndexOf('=');
      int comma = equals < 0 ? -1 : each.indexOf(',', equals);
      if (equals <= 0 || comma < 0) {
        throw new StrataException(
            ErrorCode.USAGE,
            "--each " + each + " is not REMOTE[:LOCAL]=FROM,TO",
            "for example --each archive.emp_2016=2016-01-01,2017-01-01");
      }
      String names = each.substring(0, equals);
      int colon = names.indexOf(':');
      String remote = colon < 0 ? names : names.substring(0, colon);
      Optional<QualifiedName> local =
          colon < 0
              ? Optional.empty()
              : Optional.of(MoveCommands.partitionName(parent, names.substring(colon + 1)));
      remotes.add(
          new AttachRequest.Remote(
              ConfigOptions.tableName(remote),
              each.substring(equals + 1, comma).strip(),
              each.substring(comma + 1).strip(),
              local));
    }
    return remotes;
  }
}
