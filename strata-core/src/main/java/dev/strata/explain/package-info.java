/**
 * Pushdown analysis of one statement ({@code strata explain}): which partitions a plan scans and
 * which it prunes, where each step ran (on a foreign server inside the Remote SQL, or on the
 * coordinator), how many rows crossed the network, and for what did not run remotely, why and the
 * fix.
 *
 * <p>A package of its own rather than part of {@code health}: {@code health} watches the system
 * (status, doctor: servers, grants, statistics) and needs no statement; this package explains one
 * statement's plan, reads PostgreSQL's EXPLAIN output and has its own vocabulary (plan nodes,
 * Remote SQL, shippable expressions). Catalog queries stay in {@link dev.strata.catalog}.
 *
 * <p>Entry point: {@link dev.strata.explain.ExplainService}; result: {@link
 * dev.strata.explain.ExplainReport}.
 */
package dev.strata.explain;
