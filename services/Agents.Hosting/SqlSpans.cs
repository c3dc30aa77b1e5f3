using Npgsql;

namespace Agents.Hosting;

/// <summary>
/// Names Npgsql's spans after what they do (<c>sql SELECT</c>, <c>sql UPDATE</c>, <c>sql batch INSERT+UPDATE</c>)
/// instead of the database's name, so that the store's work reads in a trace. The statement itself is in the span's
/// <c>db.query.text</c>; parameters are never recorded.
/// </summary>
public static class SqlSpans
{
    public static NpgsqlDataSourceBuilder WithReadableSpans(this NpgsqlDataSourceBuilder builder)
    {
        builder.ConfigureTracing(tracing => tracing
            .ConfigureCommandSpanNameProvider(command => $"sql {Verb(command.CommandText)}")
            .ConfigureBatchSpanNameProvider(batch =>
                $"sql batch {string.Join('+', batch.BatchCommands.Select((NpgsqlBatchCommand c) => Verb(c.CommandText)).Distinct())}"));
        return builder;
    }

    /// <summary>The statement's first keyword (<c>SELECT</c>, <c>INSERT</c>, <c>START</c> ...).</summary>
    private static string Verb(string? sql)
    {
        var text = sql.AsSpan().TrimStart();
        var end = text.IndexOfAny(" \t\r\n(;");
        var verb = (end < 0 ? text : text[..end]).ToString().ToUpperInvariant();
        return verb.Length == 0 ? "statement" : verb;
    }
}
