package dev.strata.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.strata.StrataException;
import dev.strata.connect.Connections;
import dev.strata.operation.JournalProgress;
import dev.strata.operation.MoveProgress;
import dev.strata.operation.MoveResult;
import dev.strata.operation.PartitionMover;
import dev.strata.plan.LifecycleAction;
import dev.strata.plan.LifecycleExecutor;
import dev.strata.secret.Secret;
import dev.strata.sql.QualifiedName;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The API's {@code POST} endpoints: apply, archive, restore, move, resume and abort, each what the
 * command of the same name does. They need the configured bearer token (compared in constant time)
 * and run on the leader only; without a token the API is read-only.
 */
final class Mutations {
  static final List<String> ENDPOINTS =
      List.of(
          "/api/v1/apply",
          "/api/v1/archive",
          "/api/v1/restore",
          "/api/v1/move",
          "/api/v1/resume",
          "/api/v1/abort");

  /** How often a running move's progress is written to the journal for the dashboard. */
  static final java.time.Duration PROGRESS_EVERY = java.time.Duration.ofSeconds(1);

  /** A response: HTTP status and JSON document. */
  record Answer(int status, Map<String, Object> body) {}

  /** {@code POST /api/v1/apply}: the action kinds to run, all when absent. */
  record ApplyRequest(List<String> only) {}

  /** {@code POST /api/v1/archive} and {@code move}: where a partition goes. */
  record MoveRequest(String table, String partition, String server, Integer jobs) {}

  /** {@code POST /api/v1/restore}. */
  record RestoreRequest(String table, String partition, Boolean keepRemote) {}

  /** {@code POST /api/v1/resume} and {@code abort}. */
  record OperationRequest(Long operation) {}

  private static final ObjectMapper READER =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .setPropertyNamingStrategy(
              com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

  private final Connections connections;
  private final Optional<Secret> token;
  private final Clock clock;

  Mutations(Connections connections, Optional<Secret> token, Clock clock) {
    this.connections = connections;
    this.token = token;
    this.clock = clock;
  }

  /**
   * @param authorization the request's {@code Authorization} header, if any
   * @param leader whether this process is the leader now
   */
  Answer handle(String path, Optional<String> authorization, boolean leader, byte[] body) {
    if (token.isEmpty()) {
      return error(
          403,
          "the API is read-only: no serve.token is configured",
          "set serve.token (e.g. \"${env:STRATA_SERVE_TOKEN}\") to allow POST requests");
    }
    if (!authorized(authorization)) {
      return error(401, "a valid bearer token is required", "send Authorization: Bearer TOKEN");
    }
    if (!leader) {
      return error(
          409,
          "this process is not the leader; mutations run on the leader only",
          "send the request to the leader (GET /api/v1/leader on each process says which)");
    }
    try (JournalProgress progress =
        new JournalProgress(connections, MoveProgress.NONE, PROGRESS_EVERY)) {
      return switch (path) {
        case "/api/v1/apply" -> apply(read(body, ApplyRequest.class, true), progress);
        case "/api/v1/archive" -> {
          MoveRequest request = read(body, MoveRequest.class, false);
          yield moved(
              mover(progress)
                  .archive(
                      table(request.table()),
                      partition(request.table(), request.partition()),
                      required(request.server(), "server"),
                      jobs(request.jobs())));
        }
        case "/api/v1/move" -> {
          MoveRequest request = read(body, MoveRequest.class, false);
          yield moved(
              mover(progress)
                  .move(
                      table(request.table()),
                      partition(request.table(), request.partition()),
                      required(request.server(), "server"),
                      jobs(request.jobs())));
        }
        case "/api/v1/restore" -> {
          RestoreRequest request = read(body, RestoreRequest.class, false);
          yield moved(
              mover(progress)
                  .restore(
                      table(request.table()),
                      partition(request.table(), request.partition()),
                      Boolean.TRUE.equals(request.keepRemote()),
                      1));
        }
        case "/api/v1/resume" ->
            moved(mover(progress).resume(operation(read(body, OperationRequest.class, false))));
        case "/api/v1/abort" -> {
          var aborted = mover(progress).abort(operation(read(body, OperationRequest.class, false)));
          Map<String, Object> document = new LinkedHashMap<>();
          document.put("operation", aborted.id());
          document.put("state", aborted.state().label());
          yield new Answer(200, document);
        }
        default -> error(404, "no such endpoint: POST " + path, "POST endpoints: " + ENDPOINTS);
      };
    } catch (BadRequest e) {
      return error(400, e.getMessage(), "see docs/api.md for the request's fields");
    } catch (StrataException e) {
      int status =
          switch (e.code()) {
            case USAGE, CONFIG, INVALID_TARGET -> 400;
            case CHECK_FAILED -> 409;
            case CONNECTION, TIMEOUT -> 503;
            default -> 500;
          };
      return error(status, e.getMessage(), e.hint());
    }
  }

  private boolean authorized(Optional<String> authorization) {
    String presented =
        authorization
            .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
            .map(value -> value.substring(7).strip())
            .orElse("");
    // Constant time whatever the token presented, its length included.
    byte[] expected = digest(token.orElseThrow().reveal());
    byte[] given = digest(presented);
    return MessageDigest.isEqual(expected, given) && !presented.isEmpty();
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Answer apply(ApplyRequest request, MoveProgress progress) {
    Set<String> only =
        request == null || request.only() == null ? Set.of() : Set.copyOf(request.only());
    LocalDateTime now = LocalDateTime.now(clock.withZone(ZoneOffset.UTC)).withNano(0);
    List<LifecycleAction> applied =
        new LifecycleExecutor(connections, progress).apply(now, only, plan -> {}, a -> {});
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("now", now.toString());
    document.put(
        "applied",
        applied.stream()
            .map(a -> Map.of("kind", a.kind(), "description", a.description()))
            .toList());
    return new Answer(200, document);
  }

  private static Answer moved(MoveResult result) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("operation", result.operation().id());
    document.put("kind", result.operation().kind().label());
    document.put("state", result.operation().state().label());
    document.put("nothing_to_do", result.nothingToDo().orElse(null));
    return new Answer(200, document);
  }

  private PartitionMover mover(MoveProgress progress) {
    return new PartitionMover(connections, progress);
  }

  /** A request the API cannot read: answered 400 with what is wrong. */
  static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  private static <T> T read(byte[] body, Class<T> type, boolean emptyAllowed) {
    if (body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
      if (emptyAllowed) {
        return null;
      }
      throw new BadRequest("the request has no body; send a JSON object");
    }
    try {
      return READER.readValue(body, type);
    } catch (UnrecognizedPropertyException e) {
      throw new BadRequest(
          "unknown field \""
              + e.getPropertyName()
              + "\"; known fields: "
              + String.join(", ", e.getKnownPropertyIds().stream().map(Object::toString).toList()));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BadRequest(
          "the body is not the JSON object this endpoint takes: "
              + e.getOriginalMessage().lines().findFirst().orElse(""));
    } catch (java.io.IOException e) {
      throw new BadRequest("the body could not be read: " + e.getMessage());
    }
  }

  private static String required(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new BadRequest("the field \"" + field + "\" is required");
    }
    return value;
  }

  private static QualifiedName table(String table) {
    try {
      return QualifiedName.parse(required(table, "table"));
    } catch (IllegalArgumentException e) {
      throw new BadRequest("\"table\": " + e.getMessage());
    }
  }

  private static QualifiedName partition(String table, String partition) {
    try {
      return QualifiedName.parse(required(partition, "partition"), table(table).schema());
    } catch (IllegalArgumentException e) {
      throw new BadRequest("\"partition\": " + e.getMessage());
    }
  }

  private static int jobs(Integer jobs) {
    if (jobs == null) {
      return 1;
    }
    if (jobs < 1 || jobs > 16) {
      throw new BadRequest("\"jobs\" must be 1 to 16");
    }
    return jobs;
  }

  private static long operation(OperationRequest request) {
    if (request == null || request.operation() == null) {
      throw new BadRequest("the field \"operation\" is required (an operation id)");
    }
    return request.operation();
  }

  private static Answer error(int status, String message, String hint) {
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("error", message);
    document.put("hint", hint);
    return new Answer(status, document);
  }
}
