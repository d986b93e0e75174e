package dev.strata.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.strata.config.ConfigNode.Entry;
import dev.strata.config.ConfigNode.Mapping;
import dev.strata.config.ConfigNode.Null;
import dev.strata.config.ConfigNode.Scalar;
import dev.strata.config.ConfigNode.Sequence;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML text into a {@link ConfigNode} tree with a file line on every node. It walks Jackson's
 * streaming {@link YAMLParser} instead of binding to {@code JsonNode}, because {@code JsonNode}
 * forgets token locations and the user needs {@code strata.yaml:12} in every message.
 *
 * <p>What Jackson lets through silently is checked here: a key written twice in one mapping (the
 * later one would win unnoticed), aliases ({@code *name}, which Jackson returns as the bare anchor
 * name) and merge keys ({@code <<}). A syntax error cannot be recovered from, so it throws at once
 * with the line and column SnakeYAML reports.
 */
final class YamlTreeReader {
  private static final YAMLFactory YAML = new YAMLFactory();

  private final String sourceName;
  private final Findings findings;

  private YamlTreeReader(String sourceName, Findings findings) {
    this.sourceName = sourceName;
    this.findings = findings;
  }

  /**
   * @return the top-level mapping; empty for an empty file (or one with only comments)
   * @throws ConfigException for a YAML syntax error, or a file that is a list or a single value
   */
  static Mapping read(String text, String sourceName, Findings findings) {
    return new YamlTreeReader(sourceName, findings).read(text);
  }

  private Mapping read(String text) {
    try (JsonParser parser = YAML.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return Mapping.empty(Origin.file(sourceName));
      }
      if (first != JsonToken.START_OBJECT) {
        throw new ConfigException(
            List.of(
                ConfigProblem.of(
                    "",
                    here(parser).description(),
                    "the file must be a mapping of settings (coordinator:, servers:, timeouts:,"
                        + " tables:), not "
                        + (first == JsonToken.START_ARRAY ? "a list" : "a single value"))));
      }
      Mapping root = readMapping(parser, "", Origin.file(sourceName));
      if (parser.nextToken() != null) {
        findings.problem(
            "",
            here(parser),
            "the file holds more than one YAML document (separated by ---); put all settings in"
                + " one");
      }
      return root;
    } catch (JsonProcessingException e) {
      throw syntaxError(e);
    } catch (IOException e) {
      throw new ConfigException(
          List.of(ConfigProblem.of("", sourceName, "cannot be read: " + e.getMessage())), null, e);
    }
  }

  private Mapping readMapping(JsonParser parser, String path, Origin origin) throws IOException {
    List<Entry> entries = new ArrayList<>();
    Map<String, Origin> seen = new HashMap<>();
    for (JsonToken token = parser.nextToken();
        token != JsonToken.END_OBJECT;
        token = parser.nextToken()) {
      String key = parser.currentName();
      Origin keyOrigin = here(parser);
      String keyPath = path.isEmpty() ? key : path + "." + key;
      if (key.equals("<<")) {
        findings.problem(
            keyPath,
            keyOrigin,
            "YAML merge keys (<<) are not supported; write the settings out in full");
      }
      Origin earlier = seen.putIfAbsent(key, keyOrigin);
      if (earlier != null) {
        findings.problem(
            keyPath,
            keyOrigin,
            "is written twice in the same mapping (first at "
                + earlier.description()
                + "); remove one of them");
      }
      ConfigNode value = readValue(parser, parser.nextToken(), keyPath, keyOrigin);
      entries.add(new Entry(key, keyOrigin, value));
    }
    return new Mapping(entries, origin);
  }

  private ConfigNode readValue(
      JsonParser parser, JsonToken token, String path, Origin containerOrigin) throws IOException {
    Origin origin = here(parser);
    switch (token) {
      case START_OBJECT:
        return readMapping(parser, path, containerOrigin);
      case START_ARRAY:
        List<ConfigNode> items = new ArrayList<>();
        for (JsonToken item = parser.nextToken();
            item != JsonToken.END_ARRAY;
            item = parser.nextToken()) {
          items.add(readValue(parser, item, path, here(parser)));
        }
        return new Sequence(items, origin);
      case VALUE_NULL:
        return new Null(origin);
      case VALUE_EMBEDDED_OBJECT:
        findings.problem(path, origin, "binary values (!!binary) are not supported; write text");
        return new Null(origin);
      default:
        if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
          findings.problem(
              path,
              origin,
              "YAML aliases (*"
                  + parser.getText()
                  + ") are not supported; write the value out in full");
        }
        return new Scalar(parser.getText(), origin);
    }
  }

  private Origin here(JsonParser parser) {
    return Origin.file(sourceName, parser.currentTokenLocation().getLineNr());
  }

  private ConfigException syntaxError(JsonProcessingException error) {
    String location;
    String message;
    if (error.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
      Mark mark = marked.getProblemMark();
      location = sourceName + ":" + (mark.getLine() + 1) + ":" + (mark.getColumn() + 1);
      message = "YAML syntax error: " + marked.getProblem();
      Mark contextMark = marked.getContextMark();
      if (marked.getContext() != null && contextMark != null) {
        message +=
            " ("
                + marked.getContext()
                + " that starts at line "
                + (contextMark.getLine() + 1)
                + ", column "
                + (contextMark.getColumn() + 1)
                + ")";
      } else if (marked.getContext() != null) {
        message += " (" + marked.getContext() + ")";
      }
    } else {
      JsonLocation at = error.getLocation();
      location =
          at == null ? sourceName : sourceName + ":" + at.getLineNr() + ":" + at.getColumnNr();
      message = "YAML syntax error: " + error.getOriginalMessage().lines().findFirst().orElse("");
    }
    return new ConfigException(
        List.of(ConfigProblem.of("", location, message)),
        "YAML indents with spaces, never tabs; quote values that contain \": \" or \" #\"",
        error);
  }
}
