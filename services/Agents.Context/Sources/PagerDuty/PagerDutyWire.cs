using System.Text.Json;

namespace Agents.Context.Sources.PagerDuty;

/// <summary>The parts of PagerDuty REST API v2 answers that the history source reads (snake_case JSON).</summary>
internal static class PagerDutyWire
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary><c>GET /incidents</c>: one page of incidents (classic offset pagination).</summary>
    public sealed record IncidentList(IReadOnlyList<Incident>? Incidents, int Limit, int Offset, bool More, int? Total);

    public sealed record Incident(
        string Id,
        int? IncidentNumber,
        string? Title,
        DateTimeOffset CreatedAt,
        string? Status,
        string? HtmlUrl,
        DateTimeOffset? ResolvedAt,
        DateTimeOffset? LastStatusChangeAt);

    /// <summary><c>GET /incidents/{id}/notes</c>.</summary>
    public sealed record NoteList(IReadOnlyList<Note>? Notes);

    public sealed record Note(string? Id, string? Content, DateTimeOffset? CreatedAt);

    /// <summary><c>GET /incidents/{id}/log_entries</c>.</summary>
    public sealed record LogEntryList(IReadOnlyList<LogEntry>? LogEntries, bool More);

    /// <summary>A log entry; <see cref="Type"/> e.g. <c>resolve_log_entry</c>, <see cref="Note"/> the note given with it, if any.</summary>
    public sealed record LogEntry(string? Id, string? Type, string? Summary, DateTimeOffset? CreatedAt, string? Note);

    /// <summary>The API's error body: <c>{"error":{"message":"...","code":2001,"errors":["..."]}}</c>.</summary>
    public sealed record ErrorBody(ErrorDetail? Error);

    public sealed record ErrorDetail(string? Message, int? Code, IReadOnlyList<string>? Errors);
}
