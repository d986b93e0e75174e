package dev.strata.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/openapi.yaml describes exactly the endpoints the service answers, with their methods. */
class OpenApiTest {
  @Test
  void theOpenApiFileListsEveryEndpointWithItsMethod() throws Exception {
    JsonNode paths =
        new ObjectMapper(new YAMLFactory())
            .readTree(Files.readString(Path.of("..", "docs", "openapi.yaml")))
            .get("paths");
    List<String> documented = new ArrayList<>();
    paths.fieldNames().forEachRemaining(documented::add);
    List<String> answered = new ArrayList<>(StrataService.READ_ENDPOINTS);
    answered.addAll(Mutations.ENDPOINTS);
    assertThat(documented).containsExactlyInAnyOrderElementsOf(answered);
    for (String path : StrataService.READ_ENDPOINTS) {
      assertThat(paths.get(path).has("get")).as(path).isTrue();
    }
    for (String path : Mutations.ENDPOINTS) {
      assertThat(paths.get(path).has("post")).as(path).isTrue();
      assertThat(paths.get(path).get("post").has("security")).as(path).isTrue();
    }
  }
}
