package dev.strata.explain;

import dev.strata.catalog.CatalogReader;
import dev.strata.catalog.Column;
import dev.strata.catalog.ForeignServer;
import dev.strata.catalog.Partition;
import dev.strata.catalog.PartitionedTable;
import dev.strata.catalog.ServerVersion;
import dev.strata.sql.QualifiedName;
import java.util.List;
import java.util.Map;

/**
 * What the coordinator's catalog says about the objects a plan mentions, read in the same session
 * (and transaction) that explained the statement, so it matches the plan.
 *
 * @param tables partitioned tables involved, with their leaf partitions
 * @param foreignTableServers the server of every scanned foreign table
 * @param foreignServers every foreign server on the coordinator, by name
 * @param columns the columns of every scanned relation
 * @param functions every function named like one called in a condition the coordinator evaluated
 * @param operators every operator named like one used there
 * @param settings planner settings in effect
 * @param coordinatorVersion the coordinator's version: its postgres_fdw decides what is sent
 */
record CatalogFacts(
    List<InvolvedTable> tables,
    Map<QualifiedName, String> foreignTableServers,
    Map<String, ForeignServer> foreignServers,
    Map<QualifiedName, List<Column>> columns,
    List<CatalogReader.FunctionDefinition> functions,
    List<CatalogReader.OperatorDefinition> operators,
    Map<String, String> settings,
    ServerVersion coordinatorVersion) {
  CatalogFacts {
    tables = List.copyOf(tables);
    foreignTableServers = Map.copyOf(foreignTableServers);
    foreignServers = Map.copyOf(foreignServers);
    columns = Map.copyOf(columns);
    functions = List.copyOf(functions);
    operators = List.copyOf(operators);
    settings = Map.copyOf(settings);
  }

  /**
   * A partitioned table and its leaf partitions (sub-partitioned partitions replaced by theirs).
   */
  record InvolvedTable(PartitionedTable table, List<Partition> leaves) {
    InvolvedTable {
      leaves = List.copyOf(leaves);
    }
  }

  boolean settingOn(String name) {
    return "on".equalsIgnoreCase(settings.getOrDefault(name, "off"));
  }
}
