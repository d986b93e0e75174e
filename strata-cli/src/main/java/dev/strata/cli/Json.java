package dev.strata.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one way {@code --json} documents are written (docs/json.md): a command's result record,
 * serialized by one mapper with snake_case names, ISO-8601 timestamps and empty optionals as null,
 * inside an envelope that names the schema version and the command.
 *
 * <p>Durations are numbers whose unit is in the field name ({@code copy_ms}); a {@link Duration}
 * reaching the mapper is a bug, so it fails loudly instead of printing an ISO period that scripts
 * would have to parse.
 */
final class Json {
  /** Raised when a document's shape changes incompatibly (a field removed, renamed or retyped). */
  static final int SCHEMA_VERSION = 1;

  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new Jdk8Module())
          .addModule(new JavaTimeModule())
          .addModule(new SimpleModule().addSerializer(Duration.class, new NoDurations()))
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();

  private Json() {}

  /**
   * Prints {@code document} for the command of {@code spec}: {@code schema_version} and {@code
   * command} first, then the record's fields.
   */
  static void print(CommandSpec spec, Object document) {
    print(spec.commandLine().getOut(), commandName(spec), document);
  }

  static void print(PrintWriter out, String command, Object document) {
    ObjectNode envelope = MAPPER.createObjectNode();
    envelope.put("schema_version", SCHEMA_VERSION);
    envelope.put("command", command);
    envelope.setAll((ObjectNode) MAPPER.valueToTree(document));
    try {
      out.println(MAPPER.writeValueAsString(envelope));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e);
    }
    out.flush();
  }

  /**
   * {@code status}, {@code mirror status}, {@code config show}: the name without {@code strata}.
   */
  static String commandName(CommandSpec spec) {
    String qualified = spec.qualifiedName(" ");
    int space = qualified.indexOf(' ');
    return space < 0 ? qualified : qualified.substring(space + 1);
  }

  static ObjectMapper mapper() {
    return MAPPER;
  }

  private static final class NoDurations extends JsonSerializer<Duration> {
    @Override
    public void serialize(Duration value, JsonGenerator generator, SerializerProvider provider) {
      throw new IllegalStateException(
          "a Duration reached the JSON mapper: give it as a number with its unit in the field name");
    }
  }
}
