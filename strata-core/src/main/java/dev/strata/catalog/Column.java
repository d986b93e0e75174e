package dev.strata.catalog;

/**
 * A table column as the catalog describes it.
 *
 * @param name column name
 * @param type the type as {@code format_type} renders it, e.g. {@code numeric(10,2)}
 * @param notNull whether the column has a NOT NULL constraint
 */
public record Column(String name, String type, boolean notNull) {}
