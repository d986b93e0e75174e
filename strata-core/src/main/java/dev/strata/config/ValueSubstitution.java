package dev.strata.config;

import dev.strata.FileErrors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${env:NAME}} and {@code ${file:PATH}} references in a configuration value, so
 * secrets (and anything else that differs per host) stay out of the file. {@code $${} writes a
 * literal {@code ${}.
 *
 * <p>{@code ${file:PATH}} reads the whole file as UTF-8 and strips trailing line breaks (files
 * written by {@code echo} or editors end with one, and no password does); a relative path is
 * relative to the config file's directory, {@code ~/} to the user's home. The environment is the
 * map given to the loader, never {@link System#getenv()} directly, so tests control it.
 */
final class ValueSubstitution {
  private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * The value with references replaced.
   *
   * @param value the resolved text
   * @param soleReference the reference, when the whole value was exactly one ({@code
   *     ${env:PGPASSWORD}}): safe to print as a secret's source
   * @param hasReference whether any reference was replaced
   */
  record Substituted(String value, Optional<String> soleReference, boolean hasReference) {}

  private final Map<String, String> environment;
  private final Path baseDirectory;

  ValueSubstitution(Map<String, String> environment, Path baseDirectory) {
    this.environment = Objects.requireNonNull(environment, "environment");
    this.baseDirectory = Objects.requireNonNull(baseDirectory, "baseDirectory");
  }

  /**
   * @throws IllegalArgumentException for an unset variable, a missing or unreadable file, or a
   *     malformed reference; the message names the reference, never a resolved value
   */
  Substituted substitute(String text) {
    StringBuilder result = new StringBuilder();
    String onlyReference = null;
    int references = 0;
    boolean hasLiteralText = false;
    int position = 0;
    while (position < text.length()) {
      if (text.startsWith("$${", position)) {
        result.append("${");
        hasLiteralText = true;
        position += 3;
        continue;
      }
      if (!text.startsWith("${", position)) {
        result.append(text.charAt(position));
        hasLiteralText = true;
        position++;
        continue;
      }
      int end = text.indexOf('}', position);
      if (end < 0) {
        throw new IllegalArgumentException(
            "a reference starting with \"${\" has no closing \"}\"; write ${env:NAME} or"
                + " ${file:PATH} (or $${ for a literal ${)");
      }
      String reference = text.substring(position, end + 1);
      result.append(resolve(reference, text.substring(position + 2, end)));
      onlyReference = reference;
      references++;
      position = end + 1;
    }
    boolean sole = references == 1 && !hasLiteralText;
    return new Substituted(
        result.toString(), sole ? Optional.of(onlyReference) : Optional.empty(), references > 0);
  }

  private String resolve(String reference, String body) {
    if (body.startsWith("env:")) {
      String name = body.substring("env:".length());
      if (!VARIABLE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            reference + " does not name an environment variable; write e.g. ${env:PGPASSWORD}");
      }
      String value = environment.get(name);
      if (value == null) {
        throw new IllegalArgumentException(
            "environment variable "
                + name
                + " is not set (referenced as "
                + reference
                + "); export it before running strata");
      }
      return value;
    }
    if (body.startsWith("file:")) {
      String written = body.substring("file:".length());
      if (written.isBlank()) {
        throw new IllegalArgumentException(
            reference + " names no file; write e.g. ${file:/run/secrets/archive_password}");
      }
      Path path;
      try {
        path = resolvePath(written);
      } catch (InvalidPathException e) {
        throw new IllegalArgumentException(reference + " is not a valid path: " + e.getReason(), e);
      }
      try {
        return stripTrailingLineBreaks(Files.readString(path, StandardCharsets.UTF_8));
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException(
            "file " + path + " does not exist (referenced as " + reference + ")", e);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "file "
                + path
                + " cannot be read (referenced as "
                + reference
                + "): "
                + FileErrors.describe(path, e),
            e);
      }
    }
    throw new IllegalArgumentException(
        reference + " is not a known reference; use ${env:NAME} or ${file:PATH}");
  }

  private Path resolvePath(String written) {
    if (written.startsWith("~/")) {
      return Path.of(System.getProperty("user.home")).resolve(written.substring(2));
    }
    return baseDirectory.resolve(written).normalize();
  }

  private static String stripTrailingLineBreaks(String content) {
    int end = content.length();
    while (end > 0 && (content.charAt(end - 1) == '\n' || content.charAt(end - 1) == '\r')) {
      end--;
    }
    return content.substring(0, end);
  }
}
