package dev.strata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The document shapes of docs/json.md, read from its tables, and a checker that holds a document
 * against them: every field an object has must be documented for it, every field documented for it
 * must be there, each with its documented type. What the checker met is recorded, so a test can
 * also say which documented fields no run has shown.
 *
 * <p>A section {@code ### `NAME`} documents a command's document, {@code ### Shape `NAME`} a shape
 * that types refer to as {@code shape:NAME}. A row {@code | `PATH` | TYPE | meaning |} documents a
 * field: {@code a.b} is field b of object a, {@code a[].b} field b of each object in array a.
 * Types: string, integer, number, boolean, timestamp (ISO-8601 text), object (fields documented
 * below it), any object (free-form), shape:NAME, array of T, map of T (keys are data, such as
 * server names), each optionally followed by {@code or null}.
 */
final class JsonShapes {
  private static final Pattern SECTION = Pattern.compile("^### (Shape )?`([^`]+)`\\s*$");
  private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([^|]+?) \\|.*\\|\\s*$");

  /** Per command (or shape), field path to type, in document order. */
  final Map<String, Map<String, String>> commands = new LinkedHashMap<>();

  final Map<String, Map<String, String>> shapes = new LinkedHashMap<>();

  /** Documented paths met in checked documents, as {@code section:path}. */
  final Set<String> seen = new TreeSet<>();

  static JsonShapes read(Path markdown) throws IOException {
    JsonShapes shapes = new JsonShapes();
    Map<String, String> current = null;
    boolean inCode = false;
    for (String line : Files.readAllLines(markdown)) {
      if (line.startsWith("```")) {
        inCode = !inCode;
        continue;
      }
      if (inCode) {
        continue;
      }
      Matcher section = SECTION.matcher(line);
      if (section.matches()) {
        current = new LinkedHashMap<>();
        (section.group(1) != null ? shapes.shapes : shapes.commands).put(section.group(2), current);
        continue;
      }
      if (line.startsWith("## ")) {
        current = null;
        continue;
      }
      Matcher row = ROW.matcher(line);
      if (current != null && row.matches()) {
        String previous = current.put(row.group(1), row.group(2).strip());
        if (previous != null) {
          throw new IllegalStateException("docs/json.md documents " + row.group(1) + " twice");
        }
      }
    }
    return shapes;
  }

  /**
   * The problems of {@code document} as the document of {@code command}: the envelope ({@code
   * schema_version} 1, {@code command}) and the fields of its section; empty when it conforms.
   */
  List<String> check(String command, JsonNode document) {
    List<String> problems = new ArrayList<>();
    Map<String, String> fields = commands.get(command);
    if (fields == null) {
      problems.add("docs/json.md has no section ### `" + command + "`");
      return problems;
    }
    Map<String, String> withEnvelope = new LinkedHashMap<>();
    withEnvelope.put("schema_version", "integer");
    withEnvelope.put("command", "string");
    withEnvelope.putAll(fields);
    if (!document.path("schema_version").isInt() || document.path("schema_version").asInt() != 1) {
      problems.add(command + ": schema_version is not 1: " + document.path("schema_version"));
    }
    if (!command.equals(document.path("command").asText())) {
      problems.add(command + ": command is " + document.path("command"));
    }
    checkFields(document, command, withEnvelope, "", problems);
    return problems;
  }

  /** Like {@link #check}, for a document documented by a shape (errors, dry runs). */
  List<String> checkShape(String shape, String command, JsonNode document) {
    List<String> problems = new ArrayList<>();
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("schema_version", "integer");
    fields.put("command", "string");
    fields.putAll(shapes.getOrDefault(shape, Map.of()));
    if (!command.equals(document.path("command").asText())) {
      problems.add(shape + ": command is " + document.path("command") + ", not " + command);
    }
    checkFields(document, "shape " + shape, fields, "", problems);
    return problems;
  }

  private void checkFields(
      JsonNode node,
      String section,
      Map<String, String> fields,
      String prefix,
      List<String> problems) {
    Map<String, String> documented = new LinkedHashMap<>();
    for (var field : fields.entrySet()) {
      if (field.getKey().startsWith(prefix)) {
        String rest = field.getKey().substring(prefix.length());
        if (!rest.isEmpty() && !rest.contains(".") && !rest.contains("[]")) {
          documented.put(rest, field.getValue());
        }
      }
    }
    Set<String> actual = new TreeSet<>();
    node.fieldNames().forEachRemaining(actual::add);
    for (String name : actual) {
      if (!documented.containsKey(name)) {
        problems.add(section + ": " + prefix + name + " is not documented");
      }
    }
    for (var field : documented.entrySet()) {
      String path = prefix + field.getKey();
      if (!node.has(field.getKey())) {
        problems.add(section + ": " + path + " is documented but missing");
        continue;
      }
      seen.add(section + ":" + path);
      checkValue(node.get(field.getKey()), field.getValue(), section, fields, path, problems);
    }
  }

  private void checkValue(
      JsonNode value,
      String type,
      String section,
      Map<String, String> fields,
      String path,
      List<String> problems) {
    boolean nullable = type.endsWith(" or null");
    String base = nullable ? type.substring(0, type.length() - " or null".length()) : type;
    if (value.isNull()) {
      if (!nullable) {
        problems.add(section + ": " + path + " is null, documented as " + type);
      }
      return;
    }
    String where = section + ": " + path + " (" + type + ") is " + abbreviate(value);
    if (base.startsWith("array of ")) {
      if (!value.isArray()) {
        problems.add(where);
        return;
      }
      for (JsonNode element : value) {
        checkValue(
            element, base.substring("array of ".length()), section, fields, path + "[]", problems);
      }
      return;
    }
    if (base.startsWith("map of ")) {
      if (!value.isObject()) {
        problems.add(where);
        return;
      }
      for (Iterator<JsonNode> values = value.elements(); values.hasNext(); ) {
        checkValue(
            values.next(),
            base.substring("map of ".length()),
            section,
            fields,
            path + "{}",
            problems);
      }
      return;
    }
    if (base.startsWith("shape:")) {
      String shape = base.substring("shape:".length());
      Map<String, String> shapeFields = shapes.get(shape);
      if (shapeFields == null) {
        problems.add(section + ": " + path + " refers to an undocumented shape " + shape);
      } else if (!value.isObject()) {
        problems.add(where);
      } else {
        checkFields(value, "shape " + shape, shapeFields, "", problems);
      }
      return;
    }
    boolean ok =
        switch (base) {
          case "string" -> value.isTextual();
          case "timestamp" -> value.isTextual() && isInstant(value.asText());
          case "integer" -> value.isIntegralNumber();
          case "number" -> value.isNumber();
          case "boolean" -> value.isBoolean();
          case "any object" -> value.isObject();
          case "object" -> {
            if (value.isObject()) {
              checkFields(value, section, fields, path + ".", problems);
            }
            yield value.isObject();
          }
          default -> {
            problems.add(section + ": " + path + " has an unknown type in docs/json.md: " + type);
            yield true;
          }
        };
    if (!ok) {
      problems.add(where);
    }
  }

  private static boolean isInstant(String text) {
    try {
      Instant.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static String abbreviate(JsonNode value) {
    String text = value.toString();
    return text.length() > 80 ? text.substring(0, 77) + "..." : text;
  }

  /** Documented paths of the commands and shapes that no checked document showed. */
  List<String> unseen() {
    List<String> unseen = new ArrayList<>();
    commands.forEach(
        (command, fields) ->
            fields.keySet().stream()
                .filter(path -> !seen.contains(command + ":" + path))
                .forEach(path -> unseen.add(command + ": " + path)));
    shapes.forEach(
        (shape, fields) ->
            fields.keySet().stream()
                .filter(path -> !seen.contains("shape " + shape + ":" + path))
                .forEach(path -> unseen.add("shape " + shape + ": " + path)));
    return unseen;
  }
}
