package dev.strata;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Why a file could not be read or written, in the words a user acts on: "does not exist", "is a
 * directory", "permission denied", or for JSON Strata wrote (a saved plan, an export manifest) the
 * line and column and what is wrong there. The JDK's exceptions often carry only the path ({@link
 * NoSuchFileException}), and Jackson's carry its own class names and source notes; neither belongs
 * in an error message.
 */
public final class FileErrors {
  private FileErrors() {}

  /**
   * What went wrong with {@code file}, without the path itself (the caller's message names it):
   * e.g. {@code does not exist}, {@code line 3, column 7: unexpected end of the file}.
   */
  public static String describe(Path file, IOException e) {
    if (e instanceof JsonProcessingException json) {
      return describeJson(json);
    }
    if (file != null && Files.isDirectory(file)) {
      return "is a directory, not a file";
    }
    Path inTheWay = fileInTheWay(file);
    if (inTheWay != null) {
      return inTheWay + " is a file, not a directory";
    }
    // java.io reports every failure to open a file as FileNotFoundException, with the reason in
    // parentheses after the path.
    boolean denied =
        e instanceof AccessDeniedException
            || (e instanceof FileNotFoundException
                && String.valueOf(e.getMessage()).endsWith("(Permission denied)"));
    if (denied) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException || e instanceof FileNotFoundException) {
      Path parent = file == null ? null : file.toAbsolutePath().getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        return "directory " + parent + " does not exist";
      }
      return "does not exist";
    }
    if (e instanceof FileAlreadyExistsException || e instanceof NotDirectoryException) {
      return "a file is in the way where a directory should be";
    }
    if (e instanceof CharacterCodingException) {
      return "is not UTF-8 text";
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? "cannot be read or written" : firstLine(message);
  }

  /** The nearest existing ancestor of {@code file} (or itself) that is not a directory. */
  private static Path fileInTheWay(Path file) {
    if (file == null) {
      return null;
    }
    Path absolute = file.toAbsolutePath();
    for (Path ancestor = absolute.getParent(); ancestor != null; ancestor = ancestor.getParent()) {
      if (Files.exists(ancestor)) {
        return Files.isDirectory(ancestor) ? null : ancestor;
      }
    }
    return null;
  }

  private static String describeJson(JsonProcessingException e) {
    StringBuilder text = new StringBuilder();
    JsonLocation location = e.getLocation();
    if (location != null && location.getLineNr() > 0) {
      text.append("line ")
          .append(location.getLineNr())
          .append(", column ")
          .append(location.getColumnNr())
          .append(": ");
    }
    if (e instanceof UnrecognizedPropertyException unknown) {
      return text.append("has a field \"")
          .append(unknown.getPropertyName())
          .append("\" that Strata does not write")
          .toString();
    }
    String field = e instanceof JsonMappingException mapping ? fieldPath(mapping) : "";
    if (!field.isEmpty()) {
      text.append("field ").append(field).append(": ");
    }
    String original = e.getOriginalMessage();
    if (original == null || original.isBlank()) {
      return text.append("is not valid JSON").toString();
    }
    // Jackson names Java types in some messages ("Cannot deserialize value of type
    // `java.util.ArrayList<...>`"); the JSON shape is what the user can see and fix.
    if (original.startsWith("Cannot deserialize") || original.contains("`java.")) {
      return text.append("has a value of the wrong kind (a text, number, list or object)")
          .toString();
    }
    if (original.startsWith("Unexpected end-of-input")) {
      return text.append("the file ends in the middle of its JSON (cut short?)").toString();
    }
    return text.append(firstLine(original)).toString();
  }

  /** {@code columns[0].type}, from Jackson's reference chain. */
  private static String fieldPath(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        if (path.length() > 0) {
          path.append('.');
        }
        path.append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  private static String firstLine(String text) {
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
