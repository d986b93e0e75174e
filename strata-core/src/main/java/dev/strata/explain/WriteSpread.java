package dev.strata.explain;

import dev.strata.catalog.ForeignServer;
import dev.strata.catalog.Partition;
import dev.strata.explain.ExplainReport.Finding;
import dev.strata.explain.ExplainReport.FindingKind;
import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Whether a statement writes to more than one server: postgres_fdw has no two-phase commit, so such
 * a write is not atomic across them. At COMMIT the coordinator first commits the remote transaction
 * on each server it wrote to (one after another, or at once with {@code parallel_commit}), then its
 * own; a server or network that fails in between leaves the servers already committed with the
 * write and the others without it, and nothing undoes the committed part. The coordinator counts as
 * a server when the statement writes to local partitions (or any local table) too.
 *
 * <p>What is written comes from the plan's ModifyTable nodes (a data-modifying WITH has several):
 * an UPDATE, DELETE or MERGE through a partitioned parent lists the partitions it may change as
 * {@code Target Tables} (after pruning); an INSERT names only its table, and through a partitioned
 * parent {@link InsertRouting} says where the rows go, exactly for constant VALUES, else as every
 * writable leaf (a foreign partition with {@code updatable 'false'} refuses rows, so an INSERT that
 * routes one there fails whole and writes nowhere; likewise an UPDATE or DELETE whose targets
 * include one fails before it writes, so read-only partitions are never counted). An UPDATE that
 * changes a row's partition key moves the row into whichever partition fits it, which the plan does
 * not list; that case is not flagged beyond its Target Tables.
 */
final class WriteSpread {
  static final String COORDINATOR = "coordinator";

  private final CatalogFacts facts;
  private final BiFunction<QualifiedName, Optional<InsertValues>, Optional<InsertRouting.Routed>>
      routing;
  private final Map<QualifiedName, Partition> leaves = new LinkedHashMap<>();
  private final Set<String> certain = new LinkedHashSet<>();
  private final Set<String> possible = new LinkedHashSet<>();
  private final Set<String> relations = new LinkedHashSet<>();

  private WriteSpread(
      CatalogFacts facts,
      BiFunction<QualifiedName, Optional<InsertValues>, Optional<InsertRouting.Routed>> routing) {
    this.facts = facts;
    this.routing = routing;
    facts.tables().forEach(table -> table.leaves().forEach(leaf -> leaves.put(leaf.name(), leaf)));
  }

  /**
   * The finding for a statement that writes (or may write) to several servers, if it does.
   *
   * @param routing where an INSERT into a table goes; empty when the table is not partitioned
   */
  static Optional<Finding> find(
      StatementText statement,
      PlanWalk walk,
      CatalogFacts facts,
      BiFunction<QualifiedName, Optional<InsertValues>, Optional<InsertRouting.Routed>> routing) {
    List<PlanNode> writes =
        walk.visits().stream().map(PlanWalk.Visit::node).filter(PlanNode::isModifyTable).toList();
    if (writes.isEmpty()) {
      return Optional.empty();
    }
    WriteSpread spread = new WriteSpread(facts, routing);
    List<String> subjects = new ArrayList<>();
    Optional<InsertValues> values = InsertValues.of(statement);
    for (PlanNode write : writes) {
      String operation = write.operation().orElse("Write").toUpperCase(java.util.Locale.ROOT);
      List<QualifiedName> targets = write.writtenRelations();
      subjects.add(
          operation
              + " "
              + String.join(", ", targets.stream().map(QualifiedName::display).toList()));
      boolean routed = write.targetTables().isEmpty() && operation.equals("INSERT");
      for (QualifiedName target : targets) {
        // The top-level INSERT is the statement's own; one inside WITH has other VALUES.
        spread.add(target, routed, write == walk.root() ? values : Optional.empty());
      }
    }
    return spread.finding(String.join("; ", subjects));
  }

  private void add(QualifiedName target, boolean routed, Optional<InsertValues> values) {
    Optional<InsertRouting.Routed> routes =
        routed ? routing.apply(target, values) : Optional.empty();
    if (routes.isPresent()) {
      for (Partition leaf : routes.get().leaves()) {
        if (writable(leaf)) {
          (routes.get().exact() ? certain : possible).add(tier(leaf));
          relations.add(leaf.name().display());
        }
      }
      return;
    }
    Partition leaf = leaves.get(target);
    if (leaf != null) {
      if (writable(leaf)) {
        certain.add(tier(leaf));
        relations.add(target.display());
      }
    } else {
      certain.add(facts.foreignTableServers().getOrDefault(target, COORDINATOR));
      relations.add(target.display());
    }
  }

  private Optional<Finding> finding(String subject) {
    Set<String> all = new LinkedHashSet<>(certain);
    all.addAll(possible);
    if (all.size() < 2) {
      return Optional.empty();
    }
    boolean sure = certain.size() > 1;
    String servers = String.join(", ", sure ? certain : all);
    String problem =
        (sure
                ? "the statement writes to partitions on "
                    + certain.size()
                    + " servers ("
                    + servers
                    + ") in one transaction"
                : "the rows are routed to partitions when the statement runs, and their key values"
                    + " are not all constants in the statement, so it may write to partitions on "
                    + all.size()
                    + " servers ("
                    + servers
                    + ") in one transaction")
            + ". postgres_fdw has no two-phase commit: at COMMIT the coordinator commits each"
            + " server's part one after another (at once with parallel_commit), then its own, so a"
            + " server or network failure in between leaves some servers with the write and others"
            + " without it, and nothing undoes the part already committed";
    String fix =
        "write one shard key at a time: one statement and transaction per server (split the"
            + " statement by the partition key, so each part's strata explain shows one server), or"
            + " make the write idempotent (absolute values rather than increments, delete-then-insert"
            + " of a key range) and retry the whole of it after a failure until it succeeds";
    return Optional.of(
        new Finding(
            FindingKind.WRITE_ACROSS_SERVERS,
            subject,
            problem,
            fix,
            List.copyOf(relations),
            List.copyOf(sure ? certain : all),
            OptionalLong.empty()));
  }

  private static String tier(Partition partition) {
    return partition.foreign().map(f -> f.server()).orElse(COORDINATOR);
  }

  /** Local, or a foreign partition neither it nor its server marks {@code updatable 'false'}. */
  private boolean writable(Partition partition) {
    if (partition.isLocal()) {
      return true;
    }
    var foreign = partition.foreign().orElseThrow();
    if (foreign.options().containsKey("updatable")) {
      return foreign.updatable();
    }
    ForeignServer server = facts.foreignServers().get(foreign.server());
    return server == null || !"false".equalsIgnoreCase(server.options().get("updatable"));
  }
}
