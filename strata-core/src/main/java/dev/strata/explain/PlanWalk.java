package dev.strata.explain;

import dev.strata.sql.QualifiedName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A plan flattened into visits: each node with its ancestors inside the same query block. The
 * ancestors of a node in an InitPlan or SubPlan start at that sub-plan, because a sub-plan is a
 * separate query for pushdown purposes: an Aggregate above it does not aggregate its rows.
 *
 * <p>Nodes are compared by identity: two plan nodes may be equal records (the same Partial
 * Aggregate shape over two partitions) and still be different nodes.
 */
final class PlanWalk {
  /**
   * One node and the nodes above it, from the root of its query block down to its parent.
   *
   * @param node the node
   * @param ancestors root first
   */
  record Visit(PlanNode node, List<PlanNode> ancestors) {
    Visit {
      ancestors = List.copyOf(ancestors);
    }

    boolean isBelow(PlanNode ancestor) {
      for (PlanNode node : ancestors) {
        if (node == ancestor) {
          return true;
        }
      }
      return false;
    }

    /** The nodes strictly between {@code ancestor} and this node, top down; empty if not below. */
    List<PlanNode> between(PlanNode ancestor) {
      for (int i = 0; i < ancestors.size(); i++) {
        if (ancestors.get(i) == ancestor) {
          return ancestors.subList(i + 1, ancestors.size());
        }
      }
      return List.of();
    }

    /** The relations a scan reads: its Relation Name, or those named in Relations. */
    List<QualifiedName> relations() {
      if (node.relationName().isPresent()) {
        return List.of(QualifiedName.of(node.schema().orElse("public"), node.relationName().get()));
      }
      return node.relations().map(PlanWalk::parseRelations).orElse(List.of());
    }
  }

  private final PlanNode root;
  private final List<Visit> visits = new ArrayList<>();

  private PlanWalk(PlanNode root) {
    this.root = root;
    visit(root, new ArrayList<>());
  }

  static PlanWalk of(PlanNode root) {
    return new PlanWalk(root);
  }

  PlanNode root() {
    return root;
  }

  private void visit(PlanNode node, List<PlanNode> ancestors) {
    visits.add(new Visit(node, ancestors));
    for (PlanNode child : node.children()) {
      // A sub-plan's own query block starts below the node that owns it.
      List<PlanNode> childAncestors = new ArrayList<>();
      if (!child.isSubquery()) {
        childAncestors.addAll(ancestors);
        childAncestors.add(node);
      }
      visit(child, childAncestors);
    }
  }

  List<Visit> visits() {
    return visits;
  }

  List<Visit> scans() {
    return visits.stream().filter(v -> v.node().isScan()).toList();
  }

  /** Scans whose node is {@code node} or below it in the same query block. */
  List<Visit> scansUnder(PlanNode node) {
    return visits.stream()
        .filter(v -> v.node().isScan() && (v.node() == node || v.isBelow(node)))
        .toList();
  }

  Optional<Visit> visitOf(PlanNode node) {
    return visits.stream().filter(v -> v.node() == node).findFirst();
  }

  /** Whether any node of the plan, sub-plans included, has this type. */
  boolean contains(String nodeType) {
    return visits.stream().anyMatch(v -> v.node().nodeType().equals(nodeType));
  }

  /**
   * The relations in a Foreign Scan's Relations text, e.g. {@code Aggregate on (public.emp_2024
   * emp)} or {@code (public.a r1) INNER JOIN (public.b r2)}: each innermost parenthesized group
   * starts with a qualified, quoted-as-needed name, followed by the alias.
   */
  static List<QualifiedName> parseRelations(String relations) {
    List<QualifiedName> names = new ArrayList<>();
    List<SqlTokens.Token> tokens = SqlTokens.tokenize(relations);
    for (int i = 0; i < tokens.size(); i++) {
      if (!tokens.get(i).is("(")) {
        continue;
      }
      int j = i + 1;
      if (j < tokens.size() && tokens.get(j).isIdentifier()) {
        String first = tokens.get(j).identifier();
        if (j + 2 < tokens.size()
            && tokens.get(j + 1).is(".")
            && tokens.get(j + 2).isIdentifier()) {
          names.add(QualifiedName.of(first, tokens.get(j + 2).identifier()));
        } else {
          names.add(QualifiedName.of("public", first));
        }
      }
    }
    return names;
  }
}
