package dev.strata.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/** {@code tables.NAME.archive_to}: which server receives a partition when it is archived. */
public sealed interface Placement {
  /** Every server the placement may choose, for validation against {@code servers}. */
  List<String> servers();

  /** {@code archive_to: archive_1}: always this server. */
  record Single(String server) implements Placement {
    public Single {
      Objects.requireNonNull(server, "server");
    }

    @Override
    public List<String> servers() {
      return List.of(server);
    }
  }

  /** {@code archive_to: [a, b]}: spread by period, round robin in list order. */
  record RoundRobin(List<String> servers) implements Placement {
    public RoundRobin {
      servers = List.copyOf(servers);
    }
  }

  /**
   * {@code archive_to: {2023: archive_2023, 2024: archive_2024}}: a period label (the partition's
   * lower bound formatted at the table's interval: {@code 2023}, {@code 2023-04}, {@code
   * 2023-04-17}) to a server. A period not in the map is not archived, and {@code plan} warns.
   */
  record ByPeriod(Map<String, String> serverByPeriod) implements Placement {
    public ByPeriod {
      serverByPeriod = Map.copyOf(serverByPeriod);
    }

    @Override
    public List<String> servers() {
      return serverByPeriod.values().stream().distinct().sorted().toList();
    }
  }

  /**
   * {@code archive_to: {fill: [a, b], max_size_per_server: 500GB}}: fill servers in list order,
   * moving to the next when the current one would exceed the cap.
   */
  record Fill(List<String> servers, long maxBytesPerServer) implements Placement {
    public Fill {
      servers = List.copyOf(servers);
      if (maxBytesPerServer <= 0) {
        throw new IllegalArgumentException("max_size_per_server must be positive");
      }
    }
  }
}
