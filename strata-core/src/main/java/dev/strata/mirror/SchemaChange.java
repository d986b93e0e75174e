package dev.strata.mirror;

import dev.strata.catalog.Column;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a source table's columns differ from the columns its mirror was made with: added, dropped, or
 * of another type. Column order and NOT NULL do not count: a refresh reads columns by name.
 */
record SchemaChange(List<Column> added, List<String> dropped, List<Column> retyped) {
  static SchemaChange between(List<Column> mirrored, List<Column> source) {
    Map<String, Column> before = new LinkedHashMap<>();
    mirrored.forEach(c -> before.put(c.name(), c));
    List<Column> added = new ArrayList<>();
    List<Column> retyped = new ArrayList<>();
    for (Column column : source) {
      Column old = before.remove(column.name());
      if (old == null) {
        added.add(column);
      } else if (!old.type().equals(column.type())) {
        retyped.add(column);
      }
    }
    return new SchemaChange(added, List.copyOf(before.keySet()), retyped);
  }

  boolean isEmpty() {
    return added.isEmpty() && dropped.isEmpty() && retyped.isEmpty();
  }

  List<String> removedOrRetyped() {
    List<String> names = new ArrayList<>(dropped);
    retyped.forEach(c -> names.add(c.name()));
    return names;
  }

  List<Column> addedOrRetyped() {
    List<Column> columns = new ArrayList<>(retyped);
    columns.addAll(added);
    return columns;
  }

  String describe() {
    List<String> parts = new ArrayList<>();
    added.forEach(c -> parts.add("column " + c.name() + " (" + c.type() + ") added"));
    dropped.forEach(c -> parts.add("column " + c + " dropped"));
    retyped.forEach(c -> parts.add("column " + c.name() + " is now " + c.type()));
    return String.join(", ", parts);
  }
}
