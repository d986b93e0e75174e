package dev.strata.sql;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A schema-qualified relation name, as PostgreSQL stores it (case preserved, unquoted).
 *
 * <p>{@link #parse} reads names the way PostgreSQL reads them in SQL: unquoted parts are folded to
 * lower case, double-quoted parts are taken literally ({@code ""} inside quotes is one quote), and
 * a missing schema means {@code public}. So {@code Emp}, {@code emp} and {@code public.emp} are the
 * same table, while {@code "Emp"} is another one.
 */
public record QualifiedName(String schema, String name) implements Comparable<QualifiedName> {
  public QualifiedName {
    Identifiers.validate(schema);
    Identifiers.validate(name);
  }

  public static QualifiedName of(String schema, String name) {
    return new QualifiedName(schema, name);
  }

  /** Parses {@code name}, {@code schema.name}, with optional double quotes around each part. */
  public static QualifiedName parse(String text) {
    return parse(text, "public");
  }

  /** As {@link #parse(String)}, with {@code defaultSchema} for a name without a schema. */
  public static QualifiedName parse(String text, String defaultSchema) {
    List<String> parts = splitParts(Objects.requireNonNull(text, "text").strip());
    if (parts.size() == 1) {
      return new QualifiedName(defaultSchema, parts.get(0));
    }
    if (parts.size() == 2) {
      return new QualifiedName(parts.get(0), parts.get(1));
    }
    throw new IllegalArgumentException(
        "\"" + text + "\" is not a table name: expected NAME or SCHEMA.NAME");
  }

  private static List<String> splitParts(String text) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    boolean partWasQuoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
            current.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          current.append(c);
        }
      } else if (c == '"') {
        if (current.length() > 0) {
          throw invalid(text, "a quote may only open a name part");
        }
        quoted = true;
        partWasQuoted = true;
      } else if (c == '.') {
        parts.add(finish(text, current, partWasQuoted));
        current.setLength(0);
        partWasQuoted = false;
      } else {
        if (partWasQuoted) {
          throw invalid(text, "characters after a closing quote");
        }
        if (!isPlainIdentifierChar(c, current.length() == 0)) {
          throw invalid(
              text,
              "'"
                  + c
                  + "' is not allowed in an unquoted name; put the name in double quotes to use it"
                  + " literally");
        }
        current.append(c);
      }
    }
    if (quoted) {
      throw invalid(text, "unterminated double quote");
    }
    parts.add(finish(text, current, partWasQuoted));
    return parts;
  }

  private static String finish(String text, StringBuilder part, boolean quoted) {
    if (part.length() == 0) {
      throw invalid(text, "empty name part");
    }
    return quoted ? part.toString() : foldAscii(part.toString());
  }

  /**
   * PostgreSQL folds an unquoted identifier by lower-casing ASCII letters only ({@code
   * downcase_identifier}): {@code Ünicode} stays {@code Ünicode}, {@code Emp} becomes {@code emp}.
   */
  static String foldAscii(String identifier) {
    StringBuilder folded = new StringBuilder(identifier.length());
    for (int i = 0; i < identifier.length(); i++) {
      char c = identifier.charAt(i);
      folded.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return folded.toString();
  }

  private static boolean isPlainIdentifierChar(char c, boolean first) {
    if (Character.isLetter(c) || c == '_') {
      return true;
    }
    return !first && (Character.isDigit(c) || c == '$');
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("\"" + text + "\" is not a valid table name: " + why);
  }

  /** {@code "schema"."name"}, ready for SQL. */
  public String quoted() {
    return Identifiers.quote(schema) + "." + Identifiers.quote(name);
  }

  /** {@code schema.name} for people, quoting only the parts that need it. */
  public String display() {
    return displayPart(schema) + "." + displayPart(name);
  }

  private static String displayPart(String part) {
    boolean plain = !part.isEmpty() && isPlainIdentifierChar(part.charAt(0), true);
    for (int i = 0; i < part.length() && plain; i++) {
      char c = part.charAt(i);
      plain = isPlainIdentifierChar(c, i == 0) && !Character.isUpperCase(c) && c < 128;
    }
    return plain ? part : Identifiers.quote(part);
  }

  @Override
  public int compareTo(QualifiedName other) {
    int bySchema = schema.compareTo(other.schema);
    return bySchema != 0 ? bySchema : name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return display();
  }
}
