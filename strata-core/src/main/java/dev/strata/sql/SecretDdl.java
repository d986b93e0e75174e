package dev.strata.sql;

import dev.strata.secret.Secret;
import java.util.ArrayList;
import java.util.List;

/**
 * DDL that must carry a secret (a user mapping's password, a subscription's connection string). DDL
 * takes no bound parameters, and a literal would put the secret into the server log, {@code
 * pg_stat_activity} and dry runs. The secret reaches the server through the {@link SecretChannel}
 * instead, and a DO block formats it into the DDL with {@code format()}. A failure of the DDL is
 * raised again from the block with its SQLSTATE, message, detail and hint (the secret replaced,
 * should one of them quote it) but without PostgreSQL's CONTEXT, which would carry the formatted
 * DDL, secret included, into the server log and to the client.
 */
public final class SecretDdl {
  private SecretDdl() {}

  /**
   * @param formatTemplate a {@code format()} template whose one {@code %L} takes {@code argument}
   *     (other {@code %} already doubled)
   * @param argument a PL/pgSQL expression over the variable {@code secret}, e.g. {@code secret}
   */
  public static List<SqlStatement> statements(
      String formatTemplate, String argument, Secret secret) {
    String body =
        """
        DECLARE
          secret text := %s;
          failed_state text;
          failed_message text;
          failed_detail text;
          failed_hint text;
        BEGIN
          EXECUTE format(%s, %s);
        EXCEPTION WHEN OTHERS THEN
          GET STACKED DIAGNOSTICS failed_state = RETURNED_SQLSTATE,
            failed_message = MESSAGE_TEXT, failed_detail = PG_EXCEPTION_DETAIL,
            failed_hint = PG_EXCEPTION_HINT;
          RAISE EXCEPTION USING ERRCODE = failed_state,
            MESSAGE = replace(failed_message, secret, '********'),
            DETAIL = replace(failed_detail, secret, '********'),
            HINT = replace(failed_hint, secret, '********');
        END"""
            .formatted(SecretChannel.VALUE, Identifiers.literal(formatTemplate), argument);
    List<SqlStatement> statements = new ArrayList<>(SecretChannel.load(secret));
    statements.add(SqlStatement.of("DO " + DollarQuote.quote(body)));
    statements.add(SecretChannel.unload());
    return statements;
  }
}
