package dev.strata.config;

import java.util.Objects;

/**
 * One host of a server's URL with its port. A URL names one host, or several for a server with
 * standbys (libpq's multi-host form, {@code postgresql://h1:5432,h2:5433/db}).
 *
 * @param host host name, IPv4 address, or IPv6 address without brackets
 * @param port the port written after the host, 5432 when omitted
 */
public record HostAndPort(String host, int port) {
  public HostAndPort {
    Objects.requireNonNull(host, "host");
  }

  /** {@code host:port}, with an IPv6 address in brackets ({@code [::1]:5432}). */
  public String display() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return display();
  }
}
